#!/usr/bin/env bash
# Installs what the WASM path needs on Debian (run as root; idempotent):
#  - C/Rust -> wasm32-wasi toolchain pieces from Debian (wasi-libc, compiler-rt builtins,
#    rustc + its wasm32 std, lld for rust-lld);
#  - the wasm C API engine: PyPI's wasmtime wheel unpacked into <repo>/.tools/wasmtime
#    (it carries _libwasmtime.so; Debian ships no wasm engine library).
set -euo pipefail

WASMTIME_VERSION="50.0.1"
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TARGET="$REPO/.tools/wasmtime"

# --- Debian packages: install only the missing ones, apt-get update at most once.
PKGS=(wasi-libc libclang-rt-16-dev-wasm32 rustc libstd-rust-dev-wasm32 lld)
# pip comes from Debian only when no python3 with pip is on PATH (e.g. no pyenv).
if ! command -v python3 >/dev/null 2>&1 || ! python3 -m pip --version >/dev/null 2>&1; then
    PKGS+=(python3 python3-pip)
fi
missing=()
for p in "${PKGS[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
        missing+=("$p")
    fi
done
if ((${#missing[@]})); then
    echo "setup-wasm: installing Debian packages: ${missing[*]}"
    # scripts/setup exports FAAS_APT_UPDATED=1 once it has refreshed the lists.
    SUDO=()
    if [[ $EUID -ne 0 ]] && command -v sudo >/dev/null 2>&1; then SUDO=(sudo); fi
    [[ "${FAAS_APT_UPDATED:-0}" == 1 ]] || "${SUDO[@]}" apt-get update -qq
    "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"
else
    echo "setup-wasm: Debian packages already installed: ${PKGS[*]}"
fi

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
    echo "setup-wasm: wasmtime $WASMTIME_VERSION already in $TARGET"
else
    echo "setup-wasm: installing wasmtime==$WASMTIME_VERSION into $TARGET (was: ${installed:-none}) with $PY"
    rm -rf "$TARGET"
    mkdir -p "$TARGET"
    "$PY" -m pip install --quiet --disable-pip-version-check --root-user-action=ignore --no-deps \
        --target "$TARGET" "wasmtime==$WASMTIME_VERSION"
fi
if [[ ! -f "$LIB" ]]; then
    echo "setup-wasm: expected library missing after install: $LIB" >&2
    exit 1
fi
echo "setup-wasm: engine library: $LIB"
