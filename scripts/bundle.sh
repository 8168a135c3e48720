#!/usr/bin/env bash
# Builds a deploy bundle: scripts/bundle.sh DIR OUT [REQUIREMENTS]
#   DIR is the function's folder (its entry file, local modules, node_modules/, function.json);
#   OUT ends in .zip or .tar.gz (.tgz); REQUIREMENTS (a requirements.txt) is installed with
#   `pip install --target` into the bundle's python/ folder, so the gateway never needs the
#   network: pure-Python packages only (a compiled extension is refused). DIR is not changed.
#   Symbolic links and special files in DIR are refused (the gateway would refuse them too);
#   node_modules/.bin (npm's links to command-line tools) and __pycache__ are left out.
# Deploy it as any source: scripts/deploy.sh NAME python OUT, or curl --data-binary @OUT.
# Exit: 0 when OUT is written, 1 on an error, 2 on a usage error.
set -euo pipefail
SCRIPT_NAME=bundle.sh
# shellcheck source=lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"

usage() {
    warn "usage: scripts/bundle.sh DIR OUT.zip|OUT.tar.gz [requirements.txt]"
    exit 2
}
[[ "${1:-}" == -h || "${1:-}" == --help ]] && { sed -n '2,10s/^# \{0,1\}//p' "$0"; exit 0; }
for arg in "$@"; do
    [[ "$arg" == -?* ]] && reject_unknown "$arg"
done
(($# == 2 || $# == 3)) || usage
dir="$1" out="$2" requirements="${3:-}"
[[ -d "$dir" ]] || { warn "not a folder: $dir"; usage; }
case "$out" in
    *.zip) format=zip ;;
    *.tar.gz | *.tgz) format=tgz ;;
    *) warn "OUT must end in .zip, .tar.gz or .tgz: $out"; usage ;;
esac
[[ -z "$requirements" || -r "$requirements" ]] || { warn "cannot read $requirements"; usage; }
python="${PYTHON:-python3}"
command -v "$python" >/dev/null 2>&1 || die "$python not found (set PYTHON)"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
tree="$work/tree"
# A copy, so vendoring never writes into DIR; -P: links are copied as links (and refused below).
cp -RP "$dir" "$tree"
if [[ -n "$requirements" ]]; then
    "$python" -m pip install --quiet --disable-pip-version-check --root-user-action=ignore --no-compile --target "$tree/python" -r "$requirements" \
        || die "pip could not install $requirements"
    compiled="$(find "$tree/python" -type f \( -name '*.so' -o -name '*.pyd' -o -name '*.dylib' \) | head -n 3)"
    [[ -z "$compiled" ]] || die "not pure Python (compiled extensions cannot run in the sandbox's python): ${compiled//$tree\//}"
fi

"$python" - "$tree" "$out" "$format" <<'PY' || exit 1
import os, stat, sys, tarfile, zipfile
tree, out, form = sys.argv[1], sys.argv[2], sys.argv[3]
entries = []
for folder, dirs, files in os.walk(tree):
    # node_modules/.bin holds npm's links to command-line tools: not needed to run.
    dirs[:] = sorted(d for d in dirs if d != "__pycache__" and not (d == ".bin" and os.path.basename(folder) == "node_modules"))
    for name in sorted(dirs) + sorted(files):
        path = os.path.join(folder, name)
        info = os.lstat(path)
        rel = os.path.relpath(path, tree)
        if stat.S_ISLNK(info.st_mode):
            sys.exit(f"bundle.sh: {rel} is a symbolic link: copy the file it points to instead")
        if not (stat.S_ISREG(info.st_mode) or stat.S_ISDIR(info.st_mode)):
            sys.exit(f"bundle.sh: {rel} is not a regular file or folder")
        if name.endswith(".pyc"):
            continue
        entries.append((path, rel, stat.S_ISDIR(info.st_mode)))
if form == "zip":
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for path, rel, is_dir in entries:
            archive.write(path, rel + "/" if is_dir else rel)
else:
    with tarfile.open(out, "w:gz", format=tarfile.PAX_FORMAT) as archive:
        for path, rel, is_dir in entries:
            archive.add(path, rel, recursive=False)
PY
say "wrote $out ($(wc -c <"$out" | tr -d ' ') bytes, $(find "$tree" -type f ! -name '*.pyc' | wc -l | tr -d ' ') files)"
