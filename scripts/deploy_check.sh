#!/usr/bin/env bash
# Deployment check: the plugin ZIP, installed the way "Install from ZIP" does into a fresh QGIS profile,
# runs its document and register algorithms in a Debian root whose Python has only what the QGIS
# installers ship (scripts/deploy_root.sh: no reportlab, openpyxl, pypdf, tomli, psutil; no pip).
#
#   bash scripts/deploy_check.sh SUITE ZIP [OUTPUT_FOLDER]
#
# SUITE: trixie or sid/unstable (the root must have been built by deploy_root.sh).  Outputs (PDFs, XLSX,
# register, logs, versions.txt) are copied to OUTPUT_FOLDER, else $LIANGWEI_DEPLOY_OUTPUT, else
# tests/artifacts/deployment/<suite>/ (replaced on each run).  Inside the root, through qgis_process with a
# fresh QGIS_CUSTOM_CONFIG_PATH, no PYTHONPATH and nothing from the host but the ZIP and
# tests/deploy_county.py:
#   plugins enable liangwei → tiny county (tests/deploy_county.py, GDAL/OGR) → liangwei:batchreview
#   (规划认定意见书 + 责令限期整改通知书 PDFs) → liangwei:registercases (GeoPackage register) →
#   liangwei:exportledger (XLSX).
# Exits non-zero, showing the qgis_process output, when an algorithm fails, prints a Python traceback,
# or a PDF/XLSX is missing or empty.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/.." && pwd)"
# shellcheck source=deploy_root.sh
source "$HERE/deploy_root.sh"

[ $# -ge 2 ] || { sed -n '2,18p' "$0" >&2; exit 2; }
SUITE="$(deploy_suite "$1")"
ZIP="$(readlink -f "$2")"
OUT="${3:-${LIANGWEI_DEPLOY_OUTPUT:-$REPO/tests/artifacts/deployment/$SUITE}}"
ROOTDIR="$(deploy_root_dir "$SUITE")"
[ "$(id -u)" = 0 ] || { echo "deploy_check: needs root (chroot, mounts)" >&2; exit 1; }
[ -f "$ZIP" ] || { echo "deploy_check: no such ZIP: $2" >&2; exit 1; }
[ -f "$ROOTDIR/.liangwei-root-complete" ] || {
  echo "deploy_check: the $SUITE root is not built; run: bash scripts/deploy_root.sh $SUITE" >&2; exit 1; }
# Shared lock: deploy_root.sh does not rebuild the root while a check uses it.
exec 8>"$DEPLOY_ROOTS/$SUITE.lock"
flock -s 8

# A fresh work folder inside the root (several checks may run at once): ZIP, county generator, driver.
WORK="$(mktemp -d "$ROOTDIR/deploy.XXXXXX")"
W="/${WORK##*/}"
trap 'rm -rf --one-file-system "$WORK"' EXIT
cp "$ZIP" "$WORK/${ZIP##*/}"
cp "$REPO/tests/deploy_county.py" "$WORK/deploy_county.py"

cat > "$WORK/run.sh" <<'DRIVER'
#!/bin/bash
# Runs inside the root.  $1 = work folder, $2 = ZIP file name.
set -uo pipefail
W=$1; ZIPNAME=$2
OUT=$W/out
mkdir -p "$OUT" "$W/home" "$W/runtime"
chmod 700 "$W/runtime"
export HOME=$W/home QT_QPA_PLATFORM=offscreen XDG_RUNTIME_DIR=$W/runtime QGIS_CUSTOM_CONFIG_PATH=$W/config
unset PYTHONPATH QGIS_PLUGINPATH PYTHONHOME PYTHONUSERBASE
PLUGINS=$QGIS_CUSTOM_CONFIG_PATH/profiles/default/python/plugins
FAILED=()
QP=/usr/bin/qgis_process

note() { echo "deploy_check[in root]: $*"; }
# step NAME COMMAND...: output to $OUT/NAME.log; fails on a non-zero exit or a Python traceback.
step() {
  local name=$1; shift
  local start rc; start=$(date +%s)
  "$@" > "$OUT/$name.log" 2>&1; rc=$?
  if [ $rc -ne 0 ]; then
    note "$name FAILED (exit $rc, $(( $(date +%s) - start ))s); output:"; show "$OUT/$name.log"; FAILED+=("$name"); return 1
  fi
  if grep -q 'Traceback (most recent call last)' "$OUT/$name.log"; then
    note "$name printed a Python traceback (exit 0, $(( $(date +%s) - start ))s); output:"; show "$OUT/$name.log"
    FAILED+=("$name"); return 1
  fi
  note "$name ok ($(( $(date +%s) - start ))s)"
}
show() { if [ "$(wc -l < "$1")" -gt 150 ]; then head -30 "$1"; echo "  [...]"; tail -110 "$1"; else cat "$1"; fi | sed 's/^/    | /'; }

{
  echo "debian $(cat /etc/debian_version)"
  dpkg-query -W -f='${Package} ${Version}\n' qgis python3 python3-gdal python3-shapely python3-geopandas \
    python3-pyogrio python3-pandas python3-pyproj python3-numpy fonts-wqy-microhei 2>/dev/null
  python3 -c 'import sys; print("python", sys.version.split()[0]); print("sys.path", sys.path)'
} > "$OUT/versions.txt"

# Install from ZIP: unpack into the fresh profile's plugin folder.
mkdir -p "$PLUGINS"
python3 -c 'import sys, zipfile; zipfile.ZipFile(sys.argv[1]).extractall(sys.argv[2])' "$W/$ZIPNAME" "$PLUGINS" \
  || { note "cannot unpack $ZIPNAME"; exit 1; }
[ -f "$PLUGINS/liangwei/metadata.txt" ] || { note "$ZIPNAME has no liangwei/metadata.txt"; exit 1; }

# Debian's /usr/bin/qgis_process is a shell wrapper around qgis_process.bin; use the binary if it fails.
if ! "$QP" --version > "$OUT/qgis_process-version.log" 2>&1; then
  note "/usr/bin/qgis_process --version failed; using /usr/bin/qgis_process.bin:"; show "$OUT/qgis_process-version.log"
  QP=/usr/bin/qgis_process.bin
  "$QP" --version > "$OUT/qgis_process-version.log" 2>&1
fi
cat "$OUT/qgis_process-version.log" >> "$OUT/versions.txt"
echo "qgis_process $QP" >> "$OUT/versions.txt"

step plugins-enable "$QP" plugins enable liangwei || exit 1
step list "$QP" list || exit 1
for alg in batchreview registercases exportledger; do
  grep -q "liangwei:$alg" "$OUT/list.log" || { note "liangwei:$alg is not in 'qgis_process list':"; show "$OUT/list.log"; exit 1; }
done
"$QP" help liangwei:batchreview > "$OUT/help-batchreview.log" 2>&1

C=$W/county
step county python3 "$W/deploy_county.py" "$C" || exit 1
NPATCHES=$(grep -c . "$OUT/county.log")
args=("PATCHES=$C/patches.gpkg|layername=卫片图斑" "LANDUSE=$C/county.gpkg|layername=三调地类图斑" AREA_METHOD=0)
for layer in 生态保护红线 永久基本农田 城镇开发边界; do args+=("PROTECTED=$C/county.gpkg|layername=$layer"); done
for tif in "$C"/imagery/*.tif; do args+=("IMAGERY=$tif"); done
D=$OUT/batchreview
step batchreview "$QP" run liangwei:batchreview -- "${args[@]}" "OUTPUT_FOLDER=$D"
REG=$OUT/台账.gpkg
step registercases "$QP" run liangwei:registercases -- "INPUT=$D/determination.gpkg" "REGISTER=$REG" \
  SOURCE=0 STOCK_KIND=0 DATE=2025-06-01 ACTOR=部署测试
step exportledger "$QP" run liangwei:exportledger -- "REGISTER=$REG" AS_OF=2025-07-01 "OUTPUT=$OUT/台账.xlsx"

# The files themselves.
nonempty() {  # nonempty FILE MAGIC
  if [ ! -s "$1" ]; then note "missing or empty: ${1#"$OUT"/}"; FAILED+=("${1#"$OUT"/}"); return 1; fi
  if [ "$(head -c ${#2} "$1")" != "$2" ]; then note "not a ${2} file: ${1#"$OUT"/}"; FAILED+=("${1#"$OUT"/}"); return 1; fi
}
for sub in reports notices; do
  n=0
  for pdf in "$D/$sub"/*.pdf; do [ -e "$pdf" ] || continue; n=$((n + 1)); nonempty "$pdf" %PDF; done
  note "$sub: $n PDFs"
  [ $n -gt 0 ] || { note "no PDFs in batchreview/$sub"; FAILED+=("$sub"); }
done
nonempty "$D/规划认定意见书_合并.pdf" %PDF
nonempty "$D/责令限期整改通知书_合并.pdf" %PDF
python3 - "$D/index.csv" "$NPATCHES" <<'EOF' || FAILED+=(index.csv)
import csv, sys
try:
    with open(sys.argv[1], newline="", encoding="utf-8-sig") as f:
        rows = list(csv.DictReader(f))
except OSError as exc:
    sys.exit(f"deploy_check[in root]: batchreview/index.csv: {exc}")
reports = sum(r["file"].startswith("reports/") for r in rows)
print(f"deploy_check[in root]: index.csv: {len(rows)} documents ({reports} reports) for {sys.argv[2]} patches")
if reports != int(sys.argv[2]):
    sys.exit("deploy_check[in root]: index.csv: not one report per patch")
EOF
grep -qE '^ADDED:\s*[1-9]' "$OUT/registercases.log" || { note "registercases registered no case"; FAILED+=(registercases-added); }
grep -qE '^ROWS:\s*[1-9]' "$OUT/exportledger.log" || { note "exportledger wrote no row"; FAILED+=(exportledger-rows); }
nonempty "$REG" "SQLite format 3"
nonempty "$OUT/台账.xlsx" PK
if [ ${#FAILED[@]} -gt 0 ]; then note "FAILED: ${FAILED[*]}"; exit 1; fi
note "all passed"
DRIVER

rm -rf "$OUT"; mkdir -p "$OUT"
echo "deploy_check: $SUITE root $ROOTDIR, ZIP ${ZIP##*/}, outputs to $OUT"
start=$(date +%s)
set +e
in_root "$ROOTDIR" -- bash "$W/run.sh" "$W" "${ZIP##*/}"
rc=$?
set -e
# Copy the outputs out of the root, for the host to check (and for people to look at).
if [ -d "$WORK/out" ]; then cp -a "$WORK/out/." "$OUT/"; fi
echo "deploy_check: $SUITE $( [ $rc -eq 0 ] && echo passed || echo "FAILED (exit $rc)") in $(( $(date +%s) - start ))s; outputs in $OUT"
[ -f "$OUT/versions.txt" ] && sed 's/^/  /' "$OUT/versions.txt" | grep -v '^  sys.path'
exit $rc
