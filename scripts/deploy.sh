#!/usr/bin/env bash
# Deploys a function: scripts/deploy.sh NAME LANG FILE [ENTRYPOINT]
#   LANG is c, cpp, rust, go, js or python; FILE is the source ('-' reads it from stdin);
#   ENTRYPOINT names the export to call in a C, C++ or Rust module without main.
# Prints the gateway's JSON answer (it holds the new function's id).
# Gateway: $FAAS_URL (default http://localhost:${FAAS_PORT:-8080}). Key: $FAAS_API_KEY, else
# the admin key file (${FAAS_AUTH_DIR:-$FAAS_FUNCTIONS_DIR/.auth}/admin.key, as scripts/run made it).
# Exit: 0 on 2xx, 1 on an HTTP error (status on stderr), 2 on usage error,
#       3 when the gateway is unreachable.
set -euo pipefail
SCRIPT_NAME=deploy.sh
# shellcheck source=lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"

usage() {
    warn "usage: scripts/deploy.sh NAME LANG FILE [ENTRYPOINT]   (LANG: c|cpp|rust|go|js|python; FILE '-' = stdin)"
    exit 2
}
[[ "${1:-}" == -h || "${1:-}" == --help ]] && { sed -n '2,10s/^# \{0,1\}//p' "$0"; exit 0; }
for arg in "$@"; do
    # No option but --help; a name or id never starts with '-' ('-' alone is stdin).
    [[ "$arg" == -?* ]] && reject_unknown "$arg"
done
(($# == 3 || $# == 4)) || usage
name="$1" lang="$2" file="$3" entry="${4:-}"
[[ -n "$name" && -n "$lang" ]] || usage
if [[ "$file" != - ]]; then
    [[ -f "$file" && -r "$file" ]] || { warn "cannot read source file: $file"; usage; }
fi

query="name=$(urlencode "$name")&lang=$(urlencode "$lang")"
[[ -n "$entry" ]] && query+="&entrypoint=$(urlencode "$entry")"

faas_request POST "/deploy?$query" \
    -H 'Content-Type: application/octet-stream' --data-binary "@$file"
