#!/usr/bin/env bash
# Invokes a function: scripts/invoke.sh FN [PAYLOAD]
#   FN is a name (its newest version) or an id returned by deploy: NAME_<unixtime>, or
#   NAME_<unixtime>_2, _3, ... for more versions within one second. The payload is PAYLOAD
#   as given, or stdin when PAYLOAD is '-' or absent and stdin is not a terminal; else empty.
# Prints the gateway's JSON answer ({"ok":true,"output":...} or {"ok":false,"error":...}).
# Gateway: $FAAS_URL (default http://localhost:${FAAS_PORT:-8080}). Key: $FAAS_API_KEY, else
# the admin key file (${FAAS_AUTH_DIR:-$FAAS_FUNCTIONS_DIR/.auth}/admin.key, as scripts/run made it).
# Exit: 0 on 2xx, 1 on an HTTP error (status on stderr), 2 on usage error,
#       3 when the gateway is unreachable.
set -euo pipefail
SCRIPT_NAME=invoke.sh
# shellcheck source=lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"

usage() {
    warn "usage: scripts/invoke.sh FN [PAYLOAD|-]   (no PAYLOAD: stdin if not a terminal)"
    exit 2
}
[[ "${1:-}" == -h || "${1:-}" == --help ]] && { sed -n '2,10s/^# \{0,1\}//p' "$0"; exit 0; }
for arg in "$@"; do
    # No option but --help; a name or id never starts with '-' ('-' alone is stdin).
    [[ "$arg" == -?* ]] && reject_unknown "$arg"
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

faas_request POST "/invoke?fn=$(urlencode "$fn")" "${args[@]}"
