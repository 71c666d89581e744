#!/usr/bin/env bash
# Tests .pre-commit-hooks.yaml with `pre-commit try-repo` on throwaway repositories: each hook
# passes on a good policy and fails on a bad one. Called by .ci/run (stage "pre-commit hooks").
#   PRE_COMMIT_VERSION  the pre-commit release installed from PyPI (pinned in .ci/run)
#   CI_TMP              scratch directory (default: a new temporary one)
set -uo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
tmp=${CI_TMP:-$(mktemp -d)}
mkdir -p "$tmp"
venv="$tmp/venv"
if [ "$("$venv/bin/pre-commit" --version 2>/dev/null)" != "pre-commit $PRE_COMMIT_VERSION" ]; then
    python3 -m venv "$venv" || exit 1
    "$venv/bin/pip" install --quiet --disable-pip-version-check "pre-commit==$PRE_COMMIT_VERSION" || exit 1
fi
"$venv/bin/pre-commit" --version
export PRE_COMMIT_HOME="$tmp/pre-commit-home"
export GIT_AUTHOR_NAME=ci GIT_AUTHOR_EMAIL=ci@example.com GIT_COMMITTER_NAME=ci GIT_COMMITTER_EMAIL=ci@example.com

work="$tmp/throwaway"
rm -rf "$work"
mkdir -p "$work"
cd "$work" || exit 1
git init -q -b main .
cp "$repo/policies/pkp-signer.litcap" good.litcap
cp "$repo/policies/pkp-signer.litcap.yaml" good.litcap.yaml
git add -A && git commit -q -m good

failures=0
expect() {
    local want=$1 hook=$2
    shift 2
    local out status
    out=$("$venv/bin/pre-commit" try-repo "$repo" "$hook" --verbose "$@" 2>&1)
    status=$?
    if { [ "$want" = pass ] && [ $status -eq 0 ]; } || { [ "$want" = fail ] && [ $status -ne 0 ]; }; then
        echo "ok: $hook $* ($want)"
    else
        echo "FAILED: $hook $* should $want (exit $status):"
        echo "$out" | tail -30
        failures=$((failures + 1))
    fi
}

# The first run builds litcap (cargo install, release); later ones reuse the environment.
expect pass litcap-fmt --all-files
expect pass litcap-check --all-files
# An unformatted file fails `fmt --check`; YAML is not the formatter's business.
printf 'grant "g" {\ndomain "a.example"\n    statement "s"\n  max-ttl 1h\n  allow pkp-signing on "lit-pkp://0x01"\n}\nsession "s" from "g" { ttl 1h request pkp-signing on "lit-pkp://0x01" }\n' >messy.litcap
git add messy.litcap
expect fail litcap-fmt --files messy.litcap
expect pass litcap-check --files messy.litcap
expect pass litcap-fmt --files good.litcap.yaml
# A misspelt ability fails `check`, in either form.
sed 's/pkp-signing/pkp-signin/' good.litcap >bad.litcap
sed 's/pkp-signing/pkp-signin/' good.litcap.yaml >bad.litcap.yaml
git add bad.litcap bad.litcap.yaml
expect fail litcap-check --files bad.litcap
expect fail litcap-check --files bad.litcap.yaml
exit $((failures > 0))
