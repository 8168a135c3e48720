#!/usr/bin/env bash
# Invokes a function: scripts/invoke.sh [--async | --wait [--timeout S]] FN [PAYLOAD]
#   FN is a name (its newest version) or an id returned by deploy: NAME_<unixtime>, or
#   NAME_<unixtime>_2, _3, ... for more versions within one second. The payload is PAYLOAD
#   as given, or stdin when PAYLOAD is '-' or absent and stdin is not a terminal; else empty.
# Prints the gateway's JSON answer ({"ok":true,"output":...} or {"ok":false,"error":...}).
#   --async  queue it (POST /invoke?...&async=true) and print only the invocation id.
#   --wait   queue it, poll GET /invocations/ID until it finishes (at most --timeout S
#            seconds, default 300), print the invocation; exit 1 unless it succeeded.
# Gateway: $FAAS_URL (default http://localhost:${FAAS_PORT:-8080}). Key: $FAAS_API_KEY, else
# the admin key file (${FAAS_AUTH_DIR:-$FAAS_FUNCTIONS_DIR/.auth}/admin.key, as scripts/run made it).
# Exit: 0 on 2xx, 1 on an HTTP error (status on stderr), 2 on usage error,
#       3 when the gateway is unreachable.
set -euo pipefail
SCRIPT_NAME=invoke.sh
# shellcheck source=lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"

usage() {
    warn "usage: scripts/invoke.sh [--async | --wait [--timeout S]] FN [PAYLOAD|-]   (no PAYLOAD: stdin if not a terminal)"
    exit 2
}
[[ "${1:-}" == -h || "${1:-}" == --help ]] && { sed -n '2,13s/^# \{0,1\}//p' "$0"; exit 0; }
mode=sync
wait_timeout=300
while (($#)); do
    case "$1" in
        --async) mode="async"; shift ;;
        --wait) mode="wait"; shift ;;
        --timeout)
            [[ $# -ge 2 && "$2" =~ ^[0-9]+$ ]] || usage
            wait_timeout="$2"
            shift 2
            ;;
        --) shift; break ;;
        -?*) reject_unknown "$1" ;;
        *) break ;;
    esac
done
(($# == 1 || $# == 2)) || usage
fn="$1"
[[ -n "$fn" ]] || usage

args=(-H 'Content-Type: application/octet-stream')
if [[ $# -eq 2 && "$2" != - ]]; then
    # Through stdin, so that a payload starting with '@' is not taken for a file name.
    exec 0< <(printf '%s' "$2")
    args+=(--data-binary @-)
elif [[ $# -eq 2 || ! -t 0 ]]; then
    args+=(--data-binary @-)
else
    args+=(--data-binary '')
fi

if [[ "$mode" == sync ]]; then
    faas_request POST "/invoke?fn=$(urlencode "$fn")" "${args[@]}"
    exit
fi

answer="$(faas_request POST "/invoke?fn=$(urlencode "$fn")&async=true" "${args[@]}")" || {
    printf '%s\n' "$answer"
    exit 1
}
id="$(printf '%s' "$answer" | sed -n 's/.*"invocation_id":"\([^"]*\)".*/\1/p')"
[[ -n "$id" ]] || die "no invocation id in the answer: $answer"
if [[ "$mode" == async ]]; then
    printf '%s\n' "$id"
    exit 0
fi
deadline=$((SECONDS + wait_timeout))
while :; do
    record="$(faas_request GET "/invocations/$id")" || {
        printf '%s\n' "$record"
        exit 1
    }
    state="$(printf '%s' "$record" | sed -n 's/.*"state":"\([a-z_]*\)".*/\1/p')"
    case "$state" in
        queued | running) ;;
        succeeded)
            printf '%s\n' "$record"
            exit 0
            ;;
        *)
            printf '%s\n' "$record"
            warn "invocation $id ended $state"
            exit 1
            ;;
    esac
    if ((SECONDS >= deadline)); then
        warn "invocation $id still $state after ${wait_timeout} s"
        exit 1
    fi
    sleep 0.5
done
