#!/usr/bin/env bash
# The logic of the litcap GitHub Action (action.yml), kept here so it can be tested outside a
# runner (tests/action.rs runs it with a fake GITHUB_* environment).
#
#   run.sh install   cargo install litcap from the action's own checkout, put it on GITHUB_PATH
#   run.sh check     check the policies (SARIF for code scanning), and on pull requests diff
#                    each changed policy against the base branch; Markdown summary
#
# Inputs (environment, as action.yml passes them):
#   INPUT_POLICIES       globs, separated by spaces or newlines (default: every .litcap,
#                        .litcap.yaml, .litcap.yml and .litcap.json file)
#   INPUT_FAIL_ON_WIDEN  true|false (default true): fail when a changed policy widens privileges
#   INPUT_DENY_WARNINGS  true|false (default false): fail on warnings too (check exit 3)
#   INPUT_ARGS           extra arguments for `litcap check` (split on spaces)
#   INPUT_SARIF_FILE     where to write the SARIF log (default litcap.sarif)
#   INPUT_BASE_REF       compare with this ref instead of the pull request's base branch
#   LITCAP               the litcap binary (default: `litcap` on PATH)
#
# Needs bash 4 or newer (mapfile, associative arrays), git, and jq for the findings table (without
# jq the summary shows check's human output instead).
#
# Exit status of `check`: 0 clean; 1 policy errors, or a widening change with fail-on-widen;
# 2 usage error (bad input, no git history to compare with); 3 warnings with deny-warnings.
set -uo pipefail

LITCAP=${LITCAP:-litcap}
DEFAULT_POLICIES='**/*.litcap **/*.litcap.yaml **/*.litcap.yml **/*.litcap.json'

log() { echo "litcap-action: $*" >&2; }
truthy() { case "${1,,}" in true | yes | 1 | on) return 0 ;; *) return 1 ;; esac; }

summary() {
    if [ -n "${GITHUB_STEP_SUMMARY:-}" ]; then
        printf '%s\n' "$@" >>"$GITHUB_STEP_SUMMARY"
    else
        printf '%s\n' "$@"
    fi
}

output() {
    [ -n "${GITHUB_OUTPUT:-}" ] && echo "$1=$2" >>"$GITHUB_OUTPUT"
    return 0
}

install() {
    local src=${GITHUB_ACTION_PATH:?GITHUB_ACTION_PATH is not set}
    local root=${RUNNER_TEMP:-${TMPDIR:-/tmp}}/litcap-action
    cargo install --locked --path "$src" --root "$root" || return 2
    if [ -n "${GITHUB_PATH:-}" ]; then
        echo "$root/bin" >>"$GITHUB_PATH"
    fi
    "$root/bin/litcap" --version
}

# The policy files matching the globs, one per line, sorted. In a git work tree, tracked and
# untracked-but-not-ignored files (so build output and node_modules are skipped).
policy_files() {
    local patterns=${INPUT_POLICIES:-}
    [ -z "${patterns//[[:space:]]/}" ] && patterns=$DEFAULT_POLICIES
    local -a globs
    read -r -d '' -a globs <<<"$patterns"
    if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
        local -a specs=()
        for g in "${globs[@]}"; do specs+=(":(glob)$g"); done
        git ls-files --cached --others --exclude-standard -- "${specs[@]}" | sort -u
    else
        (
            shopt -s globstar nullglob
            for g in "${globs[@]}"; do
                # shellcheck disable=SC2206 # the glob is meant to expand here
                local -a m=($g)
                [ ${#m[@]} -gt 0 ] && printf '%s\n' "${m[@]}"
            done
        ) | sort -u
    fi
}

# Markdown table of `litcap check --format json` diagnostics (jq), or the human output.
check_summary() {
    local json=$1 human=$2
    if command -v jq >/dev/null && jq -e . "$json" >/dev/null 2>&1; then
        local n
        n=$(jq '.diagnostics | length' "$json")
        if [ "$n" -eq 0 ]; then
            summary "No findings."
            return
        fi
        summary "| | code | where | message |" "|---|---|---|---|"
        jq -r '.diagnostics[] |
            [ (if .severity == "error" then "❌" elif .severity == "warning" then "⚠️" else "ℹ️" end),
              "`\(.code)`",
              (if .file then "`\(.file)\(if .line then ":\(.line)" else "" end)`" else "" end),
              ((.message + (if .help then "<br>help: " + .help else "" end))
                | gsub("\\|"; "\\|") | gsub("\n"; "<br>")) ]
            | "| " + join(" | ") + " |"' "$json" >>"${GITHUB_STEP_SUMMARY:-/dev/stdout}"
    else
        summary '```text' "$(cat "$human")" '```'
    fi
}

# Resolves the base commit to compare with, fetching the base branch if the checkout lacks it.
base_commit() {
    local ref=$1
    local c
    for cand in "refs/remotes/origin/$ref" "$ref"; do
        if c=$(git rev-parse --verify -q "$cand^{commit}"); then
            echo "$c"
            return 0
        fi
    done
    log "fetching $ref from origin"
    git fetch --no-tags --depth=1 origin "+refs/heads/$ref:refs/remotes/origin/$ref" >&2 \
        || git fetch --no-tags --depth=1 origin "$ref" >&2 || return 1
    git rev-parse --verify -q "refs/remotes/origin/$ref^{commit}" \
        || git rev-parse --verify -q "FETCH_HEAD^{commit}"
}

# Diffs each policy changed since the base: prints the summary, returns 0 unchanged/narrowed,
# 10 widened, 2 when the base cannot be found.
diff_changed() {
    local ref=$1 tmp=$2
    local base
    if ! base=$(base_commit "$ref"); then
        log "cannot find the base ref \`$ref\`"
        summary "" "### Privilege changes" "" "❌ cannot find the base \`$ref\` to compare with."
        return 2
    fi
    local -a files
    mapfile -t files < <(policy_files)
    local empty="$tmp/empty.litcap"
    : >"$empty"
    summary "" "### Privilege changes against \`$ref\` (\`${base:0:12}\`)" ""
    local widened=0 any=0 alone_failed=()
    # The base version of every changed policy ("" for added ones), by current path.
    declare -A base_of=()
    local -a deleted=()
    # Renames are followed (R: old path, new path); policies may be added or deleted.
    local status old new
    while IFS=$'\t' read -r status old new; do
        [ -z "$status" ] && continue
        local new_path=${new:-$old}
        local old_file="$tmp/base/$old" new_file=$new_path
        case "$status" in
        A*) old_file=$empty ;;
        D*) new_file=$empty ;;
        esac
        # Only policies the globs select (on either side).
        if ! printf '%s\n' "${files[@]}" | grep -Fxq -- "$new_path" && [[ $status != D* ]]; then
            continue
        fi
        if [[ $status != A* ]]; then
            mkdir -p "$(dirname "$old_file")"
            git show "$base:$old" >"$old_file" 2>/dev/null || old_file=$empty
        fi
        case "$status" in
        A*) base_of[$new_path]="" ;;
        D*) deleted+=("$old_file") ;;
        *) base_of[$new_path]=$old_file ;;
        esac
        any=1
        local out rc
        out=$("$LITCAP" diff "$old_file" "$new_file" 2>&1)
        rc=$?
        local title="\`$new_path\`"
        [[ $status == R* ]] && title="\`$old\` → \`$new_path\`"
        [[ $status == A* ]] && title="$title (new)"
        [[ $status == D* ]] && title="$title (deleted)"
        if [ $rc -ne 0 ]; then
            alone_failed+=("$new_path")
            summary "#### $title: not compared on its own" "" '```text' "$out" '```' ""
            continue
        fi
        if grep -Eq '^[0-9]+ change\(s\), [1-9][0-9]* widening$' <<<"$out"; then
            widened=1
            summary "#### $title: ⚠️ widens privileges"
        else
            summary "#### $title"
        fi
        summary "" '```diff' "$out" '```' ""
    done < <(git diff --name-status -M "$base" -- . 2>/dev/null |
        awk -F'\t' '$NF ~ /\.litcap(\.ya?ml|\.json)?$/')
    [ $any -eq 0 ] && summary "No policy changed."
    # Files that do not stand alone (a session whose grant is in another file): compare all
    # the policies together, each side converted to the litcap language and joined.
    if [ ${#alone_failed[@]} -gt 0 ]; then
        local all_old="$tmp/all-base.litcap" all_new="$tmp/all-head.litcap" ok=1 f
        : >"$all_old"
        : >"$all_new"
        for f in "${files[@]}"; do
            "$LITCAP" convert "$f" --to dsl >>"$all_new" 2>/dev/null || ok=0
            if [ -z "${base_of[$f]+set}" ]; then
                "$LITCAP" convert "$f" --to dsl >>"$all_old" 2>/dev/null || ok=0
            elif [ -n "${base_of[$f]}" ]; then
                "$LITCAP" convert "${base_of[$f]}" --to dsl >>"$all_old" 2>/dev/null || ok=0
            fi
        done
        for f in "${deleted[@]}"; do
            "$LITCAP" convert "$f" --to dsl >>"$all_old" 2>/dev/null || ok=0
        done
        local out=""
        if [ $ok -eq 1 ] && out=$("$LITCAP" diff "$all_old" "$all_new" 2>&1); then
            if grep -Eq '^[0-9]+ change\(s\), [1-9][0-9]* widening$' <<<"$out"; then
                widened=1
                summary "#### All ${#files[@]} policy files together: ⚠️ widens privileges"
            else
                summary "#### All ${#files[@]} policy files together"
            fi
            summary "" '```diff' "$out" '```' ""
        else
            summary "#### All ${#files[@]} policy files together: not compared" "" '```text' "$out" '```' ""
        fi
    fi
    output widened "$([ $widened -eq 1 ] && echo true || echo false)"
    [ $widened -eq 1 ] && return 10
    return 0
}

check() {
    cd "${GITHUB_WORKSPACE:-.}" || return 2
    local sarif=${INPUT_SARIF_FILE:-litcap.sarif}
    local tmp
    tmp=$(mktemp -d) || return 2
    # shellcheck disable=SC2064 # expand now
    trap "rm -rf '$tmp'" EXIT
    local -a files extra=()
    mapfile -t files < <(policy_files)
    read -r -a extra <<<"${INPUT_ARGS:-}"
    truthy "${INPUT_DENY_WARNINGS:-false}" && extra+=(--deny-warnings)
    output sarif-file "$sarif"
    summary "## litcap"
    local status=0
    if [ ${#files[@]} -eq 0 ]; then
        log "no policy files match: ${INPUT_POLICIES:-$DEFAULT_POLICIES}"
        summary "" "No policy files match \`${INPUT_POLICIES:-$DEFAULT_POLICIES}\`."
        # An empty log, so that the upload step has something to upload.
        printf '%s\n' '{"$schema":"https://json.schemastore.org/sarif-2.1.0.json","version":"2.1.0","runs":[{"tool":{"driver":{"name":"litcap","informationUri":"https://github.com/litcap/litcap","rules":[]}},"results":[]}]}' >"$sarif"
    else
        log "checking ${#files[@]} policy file(s)"
        "$LITCAP" check --format sarif "${extra[@]}" -- "${files[@]}" >"$sarif"
        status=$?
        "$LITCAP" check --format json "${extra[@]}" -- "${files[@]}" >"$tmp/check.json" 2>/dev/null
        "$LITCAP" check "${extra[@]}" -- "${files[@]}" >"$tmp/check.txt" 2>&1
        local verdict
        case $status in
        0) verdict="✅ passed" ;;
        1) verdict="❌ policy errors" ;;
        3) verdict="⚠️ warnings (\`deny-warnings\`)" ;;
        *) verdict="❌ usage error (exit $status)" ;;
        esac
        summary "" "**check** of ${#files[@]} policy file(s): $verdict" ""
        check_summary "$tmp/check.json" "$tmp/check.txt"
        if [ "$status" -eq 2 ]; then
            summary '```text' "$(cat "$tmp/check.txt")" '```'
        fi
    fi
    local base_ref=${INPUT_BASE_REF:-}
    if [ -z "$base_ref" ] && [[ ${GITHUB_EVENT_NAME:-} == pull_request* ]]; then
        base_ref=${GITHUB_BASE_REF:-}
    fi
    local widen=0
    if [ -n "$base_ref" ]; then
        diff_changed "$base_ref" "$tmp"
        case $? in
        0) ;;
        10) widen=1 ;;
        *) [ "$status" -eq 0 ] && status=2 ;;
        esac
    else
        output widened false
    fi
    if [ $widen -eq 1 ] && truthy "${INPUT_FAIL_ON_WIDEN:-true}"; then
        summary "" "❌ A policy change widens privileges (\`fail-on-widen\`)."
        [ "$status" -eq 0 ] || [ "$status" -eq 3 ] && status=1
    fi
    output exit-code "$status"
    return "$status"
}

case "${1:-}" in
install) install ;;
check) check ;;
*)
    echo "usage: run.sh install|check" >&2
    exit 2
    ;;
esac
