# shellcheck shell=bash
# Shared helpers for the MiniFaaS scripts. Sourced, never executed.
# Sets REPO (repository root), fixes PATH (swift, real python3), and defines the
# daemon list and the start/stop helpers used by scripts/run and scripts/stop.

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
RUN_DIR="$REPO/.run"
LOG_DIR="$RUN_DIR/logs"
TOOLS_DIR="$REPO/.tools"

# Daemons in start order: short name (pid/log file name) and executable.
DAEMONS=(load-balancer server gateway)
declare -A DAEMON_EXE=(
    [load-balancer]=faas-load-balancer
    [server]=faas-server
    [gateway]=faas-gateway
)

say() { printf '%s: %s\n' "${SCRIPT_NAME:-minifaas}" "$*"; }
warn() { printf '%s: %s\n' "${SCRIPT_NAME:-minifaas}" "$*" >&2; }
die() { warn "error: $*"; exit 1; }

# Swift lives in /opt/swift/usr/bin on these machines; it may be missing from PATH.
ensure_swift_path() {
    if ! command -v swift >/dev/null 2>&1 && [[ -x /opt/swift/usr/bin/swift ]]; then
        PATH="/opt/swift/usr/bin:$PATH"
        export PATH
    fi
}

# The python3 on PATH may be a pyenv shim (~100 ms per start). scripts/setup writes the
# real interpreter to .tools/python3-path; put its folder first on PATH so that every
# `python3` started by the daemons (and their workers) is the real one.
use_real_python() {
    local py
    [[ -r "$TOOLS_DIR/python3-path" ]] || return 0
    py="$(<"$TOOLS_DIR/python3-path")"
    [[ -x "$py" ]] || return 0
    # shellcheck disable=SC2034 # PY is read by the scripts that source this file
    PY="$py"
    # Only when the folder's python3 is that interpreter (a venv's bin may hold others).
    if [[ "$(dirname "$py")/python3" -ef "$py" ]]; then
        PATH="$(dirname "$py"):$PATH"
        export PATH
    fi
}

# The wasm engine library (PyPI wasmtime wheel, installed by scripts/setup-wasm.sh).
default_wasm_library() {
    local lib="$TOOLS_DIR/wasmtime/wasmtime/linux-x86_64/_libwasmtime.so"
    if [[ -z "${FAAS_WASM_LIBRARY:-}" && -f "$lib" ]]; then
        export FAAS_WASM_LIBRARY="$lib"
    fi
}

# --- Debian packages (scripts/setup, setup-wasm.sh, setup-systemd) ---

SUDO=()
if [[ $EUID -ne 0 ]] && command -v sudo >/dev/null 2>&1; then SUDO=(sudo); fi

# apt_install PKG...: installs the given Debian packages, running `apt-get update` first
# the first time anything is installed (FAAS_APT_UPDATED=1, exported, tells the scripts
# run after this one that the lists are fresh).
apt_install() {
    command -v apt-get >/dev/null 2>&1 || die "apt-get not found: install $* by hand"
    if [[ $EUID -ne 0 && ${#SUDO[@]} -eq 0 ]]; then
        die "need root (or sudo) to install: $*"
    fi
    if [[ "${FAAS_APT_UPDATED:-0}" != 1 ]]; then
        say "apt-get update"
        "${SUDO[@]}" apt-get update -qq
        export FAAS_APT_UPDATED=1
    fi
    say "installing: $*"
    "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive \
        apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

# missing_pkgs PKG...: prints those of the given Debian packages that are not installed.
missing_pkgs() {
    local line pkg status
    declare -A ok=()
    while IFS= read -r line; do
        pkg="${line%% *}"
        status="${line#* }"
        [[ "$status" == "install ok installed" ]] && ok[$pkg]=1
    done < <(dpkg-query -W -f='${Package} ${Status}\n' "$@" 2>/dev/null || true)
    for pkg in "$@"; do
        [[ -n "${ok[$pkg]:-}" ]] || printf '%s\n' "$pkg"
    done
}

# ensure_pkgs PKG...: installs those of the given Debian packages that are missing.
ensure_pkgs() {
    local want
    mapfile -t want < <(missing_pkgs "$@")
    if ((${#want[@]})); then apt_install "${want[@]}"; fi
}

# ensure_podman: podman, runc, catatonit (the pods' pause process) and mmdebstrap from Debian, and podman set to use runc with no
# default ulimits in /etc/containers/containers.conf (crun refuses this machine's hybrid
# cgroups, and podman's default nofile limit cannot be applied under them). Only those two
# keys are touched; a key already present is left as the admin set it.
ensure_podman() {
    ensure_pkgs podman runc mmdebstrap catatonit
    local conf=/etc/containers/containers.conf
    "${SUDO[@]}" mkdir -p /etc/containers
    [[ -f "$conf" ]] || printf '# Written by MiniFaaS scripts (ensure_podman in scripts/lib/common.sh)\n' |
        "${SUDO[@]}" tee "$conf" >/dev/null
    podman_conf_set "$conf" engine runtime '"runc"'
    podman_conf_set "$conf" containers default_ulimits '[]'
}

# podman_conf_set FILE SECTION KEY VALUE: adds KEY = VALUE to [SECTION] unless KEY is set.
podman_conf_set() {
    local conf="$1" section="$2" key="$3" value="$4" tmp
    grep -Eq "^[[:space:]]*${key}[[:space:]]*=" "$conf" && return 0
    tmp="$(mktemp)"
    if grep -q "^\[$section\]" "$conf"; then
        awk -v s="[$section]" -v line="$key = $value" '{ print } $0 == s { print line }' "$conf" >"$tmp"
    else
        cat "$conf" >"$tmp"
        printf '\n[%s]\n%s = %s\n' "$section" "$key" "$value" >>"$tmp"
    fi
    "${SUDO[@]}" install -m 644 "$tmp" "$conf"
    rm -f "$tmp"
    say "$conf: [$section] $key = $value"
}

# True when something listens on the UNIX socket PATH (the kernel's socket table, so a
# file left by a crashed daemon is told apart without connecting to anything).
unix_socket_listening() {
    local path="$1" flags rest
    [[ -S "$path" ]] || return 1
    # Fields: Num RefCount Protocol Flags Type St Inode Path; __SO_ACCEPTCON is 00010000.
    while read -r _ _ _ flags rest; do
        [[ "$flags" == 00010000 && "$rest" == *" $path" ]] && return 0
    done </proc/net/unix
    return 1
}

# reject_unknown ARG: exits 2 with a usage hint for an argument a script does not take.
reject_unknown() {
    warn "unknown argument: $1 (see: scripts/$(basename "$0") --help)"
    exit 2
}

# Make a path absolute against the caller's directory (before the scripts cd to REPO).
abspath() {
    case "$1" in
        /*) printf '%s\n' "$1" ;;
        *) printf '%s\n' "$CALLER_PWD/${1#./}" ;;
    esac
}

pid_file() { printf '%s/%s.pid\n' "$RUN_DIR" "$1"; }
log_file() { printf '%s/%s.log\n' "$LOG_DIR" "$1"; }

# True when PID is alive and runs the executable EXE (guards against recycled pids).
pid_runs() {
    local pid="$1" exe="$2" cmd
    [[ "$pid" =~ ^[0-9]+$ ]] || return 1
    kill -0 "$pid" 2>/dev/null || return 1
    cmd="$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null)" || return 1
    [[ "$cmd" == *"$exe"* ]]
}

# Prints the pid of daemon NAME if its pid file names a live process running it.
daemon_pid() {
    local name="$1" f pid
    f="$(pid_file "$name")"
    [[ -f "$f" ]] || return 1
    pid="$(<"$f")"
    pid_runs "$pid" "${DAEMON_EXE[$name]}" || return 1
    printf '%s\n' "$pid"
}

log_tail() {
    local f
    f="$(log_file "$1")"
    if [[ -s "$f" ]]; then
        warn "last lines of $f:"
        tail -n "${2:-20}" "$f" | sed 's/^/    /' >&2
    else
        warn "$f is empty"
    fi
}

# True while PID exists and is not a zombie (an exited child not reaped yet).
alive() {
    local stat
    stat="$(cat "/proc/$1/stat" 2>/dev/null)" || return 1
    stat="${stat##*) }"
    [[ "${stat:0:1}" != Z ]]
}

# True while a live (not zombie) process is in process group $1.
group_alive() {
    local f st fields
    for f in /proc/[0-9]*/stat; do
        st="$(cat "$f" 2>/dev/null)" || continue
        read -r -a fields <<<"${st##*) }" # state ppid pgrp ...
        [[ "${fields[2]}" == "$1" && "${fields[0]}" != Z ]] && return 0
    done
    return 1
}

# kill_group PGID: SIGTERM, then SIGKILL after 2 s, to what is left in a process group.
kill_group() {
    local i
    kill -TERM -- "-$1" 2>/dev/null || true
    for ((i = 0; i < 20; i++)); do
        group_alive "$1" || return 0
        sleep 0.1
    done
    kill -KILL -- "-$1" 2>/dev/null || true
}

# Stops daemon NAME: SIGTERM, wait up to STOP_TIMEOUT seconds (default 10), then SIGKILL
# to its process group (each daemon is started as a session leader by scripts/run, so its
# group holds the workers it spawned), then cleans up what is left in that group (also
# when the daemon had already died). Removes the pid file. Returns 1 when it was not
# running.
stop_daemon() {
    local name="$1" timeout="${STOP_TIMEOUT:-10}" pid i f
    f="$(pid_file "$name")"
    [[ -f "$f" ]] || return 1
    pid="$(<"$f")"
    rm -f "$f"
    [[ "$pid" =~ ^[0-9]+$ ]] || return 1
    if ! pid_runs "$pid" "${DAEMON_EXE[$name]}"; then
        # Dead (or a zombie). Its group cannot have been reused while it has members.
        alive "$pid" && return 1 # the pid now belongs to another program
        wait "$pid" 2>/dev/null || true
        if group_alive "$pid"; then
            warn "$name (pid $pid) is gone but left processes in its group: stopping them"
            kill_group "$pid"
            return 0
        fi
        return 1
    fi
    kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < timeout * 10; i++)); do
        alive "$pid" || break
        sleep 0.1
    done
    if alive "$pid"; then
        warn "$name (pid $pid) still running after ${timeout}s: sending SIGKILL"
        kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
    else
        say "stopped $name (pid $pid)"
    fi
    # Reap it when it is our child (scripts/run in the foreground); harmless otherwise.
    wait "$pid" 2>/dev/null || true
    if group_alive "$pid"; then
        warn "$name left processes in its group $pid: stopping them"
        kill_group "$pid"
    fi
    return 0
}

# Stops every running daemon, in reverse start order. Returns 1 when none was running.
stop_all() {
    local i any=1
    for ((i = ${#DAEMONS[@]} - 1; i >= 0; i--)); do
        stop_daemon "${DAEMONS[i]}" && any=0
    done
    return "$any"
}

# --- HTTP client helpers (scripts/deploy.sh, scripts/invoke.sh) ---

FAAS_URL="${FAAS_URL:-http://localhost:${FAAS_PORT:-8080}}"
FAAS_URL="${FAAS_URL%/}"

# Percent-encodes $1 for a URL query value.
urlencode() {
    local LC_ALL=C s="$1" out="" c i
    for ((i = 0; i < ${#s}; i++)); do
        c="${s:i:1}"
        case "$c" in
            [a-zA-Z0-9.~_-]) out+="$c" ;;
            *) printf -v c '%%%02X' "'$c"; out+="$c" ;;
        esac
    done
    printf '%s' "$out"
}

# The gateway's admin key file: <auth dir>/admin.key, the auth dir defaulting to
# <functions dir>/.auth (as the gateway's FAAS_AUTH_DIR).
admin_key_file() {
    local functions="${FAAS_FUNCTIONS_DIR:-$REPO/functions}"
    printf '%s/admin.key\n' "${FAAS_AUTH_DIR:-${functions%/}/.auth}"
}

# The API key the wrappers send: $FAAS_API_KEY, else the admin key file if readable; empty
# when neither (a gateway with FAAS_AUTH=off needs none).
faas_api_key() {
    if [[ -n "${FAAS_API_KEY:-}" ]]; then
        printf '%s' "$FAAS_API_KEY"
        return
    fi
    local file
    file="$(admin_key_file)"
    [[ -r "$file" ]] && head -n 1 "$file" | tr -d '\r\n'
    return 0
}

# faas_request METHOD PATH [CURL_ARGS...]: sends the request to $FAAS_URL$PATH, prints the
# response body on stdout (adding a final newline if missing) and returns 0 on 2xx;
# prints "HTTP <status>" on stderr and returns 1 otherwise; exits 3 when the gateway
# cannot be reached.
faas_request() {
    local method="$1" path="$2" body code rc=0 key headers
    shift 2
    key="$(faas_api_key)"
    # The key goes to curl in a header file (mktemp: mode 0600), never on its command line,
    # which any user can read in ps.
    headers="$(mktemp)"
    [[ -n "$key" ]] && printf 'Authorization: Bearer %s\n' "$key" >"$headers"
    body="$(mktemp)"
    code="$(curl -sS -o "$body" -w '%{http_code}' --connect-timeout 5 \
        -X "$method" -H "@$headers" "$@" "$FAAS_URL$path")" || rc=$?
    rm -f "$headers"
    if ((rc)); then
        rm -f "$body"
        warn "cannot reach the gateway at $FAAS_URL (curl exit $rc); is it running? (scripts/run)"
        exit 3
    fi
    cat "$body"
    if [[ -s "$body" && "$(tail -c 1 "$body" | od -An -c | tr -d ' ')" != '\n' ]]; then
        echo
    fi
    rm -f "$body"
    if [[ "$code" =~ ^2[0-9][0-9]$ ]]; then
        return 0
    fi
    warn "HTTP $code"
    return 1
}
