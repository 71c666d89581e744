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

# `try-repo` installs the hooks' environment into a temporary store on every call, i.e. one
# `cargo install` (release) per call: so two calls, each running both hooks, on two throwaway
# repositories. With CARGO_TARGET_DIR set (.ci/run sets it), the second build reuses the
# dependencies of the first.
try_repo() {
    "$venv/bin/pre-commit" try-repo "$repo" --verbose --all-files --color never 2>&1
}

failures=0
fail() {
    echo "FAILED: $*"
    failures=$((failures + 1))
}
hook_line() { grep -E "^$1\.+" <<<"$2"; }

# 1. Well-formed, formatted, clean policies (DSL and YAML): both hooks pass.
good="$tmp/throwaway-good"
rm -rf "$good"
mkdir -p "$good" && cd "$good" || exit 1
git init -q -b main .
cp "$repo/policies/pkp-signer.litcap" signer.litcap
cp "$repo/policies/decrypt-only.litcap.yaml" reader.litcap.yaml
git add -A && git commit -q -m good
out=$(try_repo)
status=$?
echo "$out" | grep -E '^litcap|^- ' | head -20
[ $status -eq 0 ] || fail "clean policies: try-repo exit $status"
hook_line "litcap fmt" "$out" | grep -q Passed || fail "litcap-fmt should pass on formatted files"
hook_line "litcap check" "$out" | grep -q Passed || fail "litcap-check should pass on clean policies"

# 2. An unformatted file and misspelt abilities (DSL and YAML): both hooks fail, and name the
# files at fault (fmt does not look at YAML).
bad="$tmp/throwaway-bad"
rm -rf "$bad"
mkdir -p "$bad" && cd "$bad" || exit 1
git init -q -b main .
cp "$repo/policies/pkp-signer.litcap" signer.litcap
printf 'grant "g" {\ndomain "a.example"\n    statement "s"\n  max-ttl 1h\n  allow pkp-signing on "lit-pkp://0x01"\n}\nsession "s" from "g" { ttl 1h request pkp-signing on "lit-pkp://0x01" }\n' >messy.litcap
sed -e 's/pkp-signing/pkp-signin/' -e 's/"treasury/"bad/' "$repo/policies/pkp-signer.litcap" >typo.litcap
sed -e 's/access-control-condition-decryption/acc-decryption/' "$repo/policies/decrypt-only.litcap.yaml" >typo.litcap.yaml
git add -A && git commit -q -m bad
out=$(try_repo)
status=$?
echo "$out" | grep -E '^litcap|^- |not formatted|unknown-ability' | head -20
[ $status -ne 0 ] || fail "bad policies: try-repo should fail"
hook_line "litcap fmt" "$out" | grep -q Failed || fail "litcap-fmt should fail on messy.litcap"
grep -q "messy.litcap: not formatted" <<<"$out" || fail "litcap-fmt should name messy.litcap"
grep -q -E "(signer|typo)\.litcap: not formatted" <<<"$out" && fail "litcap-fmt flagged a formatted file"
hook_line "litcap check" "$out" | grep -q Failed || fail "litcap-check should fail on typo.litcap"
[ "$(grep -c "unknown-ability" <<<"$out")" -ge 2 ] || fail "litcap-check should report unknown-ability in typo.litcap and typo.litcap.yaml"
[ $failures -eq 0 ] || echo "$out" | tail -60
exit $((failures > 0))
