#!/usr/bin/env bash
# `make demo`: the main job (liangwei:batchreview) on the sample county, through qgis_process.
# Overlay -> determination -> 规划认定意见书 + 责令限期整改通知书 into demo_output/.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
SAMPLE="${LIANGWEI_SAMPLE:-$ROOT/sample}"
OUT="${LIANGWEI_DEMO_OUTPUT:-$ROOT/demo_output}"
[ -f "$SAMPLE/county.gpkg" ] || { echo "demo: sample county missing; run 'make sample'" >&2; exit 1; }

args=(
  "PATCHES=$SAMPLE/patches.gpkg|layername=卫片图斑"
  "LANDUSE=$SAMPLE/county.gpkg|layername=三调地类图斑"
  "AREA_METHOD=0"
  "OUTPUT_FOLDER=$OUT"
)
# qgis_process takes a multiple-layer parameter by repeating NAME=VALUE.
for layer in 生态保护红线 永久基本农田 城镇开发边界 自然保护地 饮用水水源保护区 河道管理范围 林地; do
  args+=("PROTECTED=$SAMPLE/county.gpkg|layername=$layer")
done
for tif in "$SAMPLE"/imagery/*.tif; do
  args+=("IMAGERY=$tif")
done

mkdir -p "$OUT"
start=$(date +%s)
"$ROOT/bin/qgis-process" run liangwei:batchreview -- "${args[@]}" > "$OUT/batchreview.log" 2>&1 || {
  tail -40 "$OUT/batchreview.log" >&2; echo "demo: liangwei:batchreview failed (log: $OUT/batchreview.log)" >&2; exit 1; }
secs=$(( $(date +%s) - start ))

reports=$(find "$OUT/reports" -maxdepth 1 -name '*.pdf' | wc -l)
notices=$(find "$OUT/notices" -maxdepth 1 -name '*.pdf' | wc -l)
hearings=$(find "$OUT/notices/hearings" -maxdepth 1 -name '*.pdf' ! -name '*_合并.pdf' 2>/dev/null | wc -l)
stops=$(find "$OUT/notices/stop_orders" -maxdepth 1 -name '*.pdf' ! -name '*_合并.pdf' 2>/dev/null | wc -l)
referrals=$(find "$OUT/notices/referrals" -maxdepth 1 -name '*.pdf' ! -name '*_合并.pdf' 2>/dev/null | wc -l)
pending=$(($(wc -l < "$OUT/notices/待查明清单.csv" 2>/dev/null || echo 1) - 1))
echo
echo "liangwei:batchreview finished in ${secs}s on the sample county."
echo "  规划认定意见书        ${reports} PDFs in  $OUT/reports/"
echo "  责令限期整改通知书    ${notices} PDFs in  $OUT/notices/ (the bureau's own cases with a known party)"
echo "  责令停止违法行为通知书 ${stops} PDFs in  $OUT/notices/stop_orders/ (cases under construction, 建设状态 在建)"
echo "  行政处罚听证告知书    ${hearings} PDFs in  $OUT/notices/hearings/ (before each 限期拆除)"
echo "  案件线索移送函        ${referrals} PDFs in  $OUT/notices/referrals/ (cases of other departments)"
echo "  待查明清单            ${pending} patches without a known party: $OUT/notices/待查明清单.csv (and .pdf)"
echo "  merged:  $OUT/规划认定意见书_合并.pdf"
echo "           $OUT/责令限期整改通知书_合并.pdf"
echo "  index:   $OUT/index.csv   overlay: $OUT/overlay.gpkg  determination: $OUT/determination.gpkg"
echo "  log:     $OUT/batchreview.log"
