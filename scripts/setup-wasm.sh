#!/usr/bin/env bash
# Installs what the WASM path needs on Debian (run as root; idempotent):
#  - C/Rust -> wasm32-wasi toolchain pieces from Debian (wasi-libc, compiler-rt builtins,
#    rustc + its wasm32 std, lld for rust-lld);
#  - the wasm C API engine: PyPI's wasmtime wheel unpacked into <repo>/.tools/wasmtime
#    (it carries _libwasmtime.so; Debian ships no wasm engine library).
# Usage: scripts/setup-wasm.sh   (scripts/setup runs it; --help prints this)
set -euo pipefail
SCRIPT_NAME=setup-wasm
# shellcheck source=lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"

for arg in "$@"; do
    case "$arg" in
        -h | --help)
            sed -n '2,7s/^# \{0,1\}//p' "$0"
            exit 0
            ;;
        *) reject_unknown "$arg" ;;
    esac
done

WASMTIME_VERSION="50.0.1"
TARGET="$TOOLS_DIR/wasmtime"

# --- Debian packages: install only the missing ones, apt-get update at most once.
# libc++ and libc++abi for wasm32-wasi: C++ functions (the same LLVM 16 as the builtins).
PKGS=(wasi-libc libclang-rt-16-dev-wasm32 libc++-16-dev-wasm32 libc++abi-16-dev-wasm32 rustc libstd-rust-dev-wasm32 lld)
# pip comes from Debian only when no python3 with pip is on PATH (e.g. no pyenv).
if ! command -v python3 >/dev/null 2>&1 || ! python3 -m pip --version >/dev/null 2>&1; then
    PKGS+=(python3 python3-pip)
fi
ensure_pkgs "${PKGS[@]}"

# --- wasmtime wheel. python3 may be a pyenv shim: resolve the real interpreter once.
PY="$(python3 -c 'import sys; print(sys.executable)')"
installed=""
shopt -s nullglob
for d in "$TARGET"/wasmtime-*.dist-info; do
    installed="$(sed -n 's/^Version: //p' "$d/METADATA" 2>/dev/null || true)"
done
shopt -u nullglob
LIB="$TARGET/wasmtime/linux-x86_64/_libwasmtime.so"
if [[ "$installed" == "$WASMTIME_VERSION" && -f "$LIB" ]]; then
    say "wasmtime $WASMTIME_VERSION already in $TARGET"
else
    say "installing wasmtime==$WASMTIME_VERSION into $TARGET (was: ${installed:-none}) with $PY"
    rm -rf "$TARGET"
    mkdir -p "$TARGET"
    "$PY" -m pip install --quiet --disable-pip-version-check --root-user-action=ignore --no-deps \
        --target "$TARGET" "wasmtime==$WASMTIME_VERSION"
fi
if [[ ! -f "$LIB" ]]; then
    die "expected library missing after install: $LIB"
fi
say "engine library: $LIB"
