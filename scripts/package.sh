#!/usr/bin/env bash
# dist/liangwei-<version>.zip for QGIS "Install from ZIP": the plugin folder only (no tests, benchmarks,
# scripts, caches or sample data), with compiled translations and the pure-Python packages of vendor.txt
# unpacked under liangwei_plugin/_vendor/ (licences included), so that it runs with nothing pip-installed.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
VERSION="$(sed -n 's/^version=//p' metadata.txt)"
OUT="${1:-$ROOT/dist/liangwei-$VERSION.zip}"
PIP="${PIP:-$ROOT/.venv/bin/pip}"
WHEELS="${LIANGWEI_WHEELS:-$ROOT/build/wheels}"
STAGE="$(mktemp -d)"
trap 'rm -rf "$STAGE"' EXIT
mkdir "$STAGE/liangwei"
# Files of the plugin proper (tracked, or new and not ignored), plus compiled translations.
git ls-files -z --cached --others --exclude-standard -- \
    metadata.txt __init__.py LICENSE README.md requirements.txt liangwei_plugin processing_algs gui forms resources \
  | xargs -0 -r -I{} sh -c '[ -e "$1" ] && cp --parents "$1" "$0"' "$STAGE/liangwei/" {}
for qm in resources/i18n/*.qm; do [ -e "$qm" ] && cp --parents "$qm" "$STAGE/liangwei/"; done

# Universal wheels only (py3-none-any): a compiled package has no place in the ZIP.  Downloaded once.
mkdir -p "$WHEELS"
if ! "$PIP" download -q --disable-pip-version-check --no-deps --only-binary=:all: --platform any \
    --implementation py --python-version 3.11 -d "$WHEELS" -r vendor.txt 2>"$STAGE/pip.log"; then
  grep -v "^WARNING: Location" "$STAGE/pip.log" >&2; exit 1
fi
python3 - "$WHEELS" "$STAGE/liangwei/liangwei_plugin/_vendor" vendor.txt <<'PY'
import re, sys, zipfile
from pathlib import Path

wheels, vendor, spec = Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3])
norm = lambda name: re.sub(r"[-_.]+", "_", name).lower()
for line in spec.read_text(encoding="utf-8").splitlines():
    line = line.split("#")[0].strip()
    if not line:
        continue
    name, version = line.split("==")
    found = [w for w in wheels.glob("*.whl")
             if norm(w.name.split("-")[0]) == norm(name) and w.name.split("-")[1] == version]
    if len(found) != 1 or not found[0].name.endswith("-none-any.whl"):
        sys.exit(f"package: no universal wheel of {name}=={version} in {wheels}")
    target = vendor / norm(name)
    with zipfile.ZipFile(found[0]) as z:
        for member in z.namelist():
            if member.endswith((".pyc", ".pyi")) or "/tests/" in member or member.endswith("/RECORD"):
                continue
            z.extract(member, target)
    licence = re.compile(r"(licen[cs]e|copying)", re.I)
    if not any(licence.search(p.name) for p in target.glob("*.dist-info/**/*")):
        sys.exit(f"package: {name} wheel has no licence file")
PY
find "$STAGE" -name '__pycache__' -prune -exec rm -rf {} +
mkdir -p "$(dirname "$OUT")"
rm -f "$OUT.part"
(cd "$STAGE" && python3 -c "
import os, sys, zipfile
with zipfile.ZipFile(sys.argv[1], 'w', zipfile.ZIP_DEFLATED) as z:
    for base, dirs, files in os.walk('liangwei'):
        dirs.sort()
        for name in sorted(files):
            z.write(os.path.join(base, name))
" "$OUT.part")
mv "$OUT.part" "$OUT"
echo "package: $OUT ($(du -h "$OUT" | cut -f1))"
