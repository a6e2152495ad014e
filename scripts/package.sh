#!/usr/bin/env bash
# dist/liangwei.zip for QGIS "Install from ZIP": the plugin folder only (no tests,
# benchmarks, scripts, caches or sample data), with compiled translations.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
OUT="${1:-$ROOT/dist/liangwei.zip}"
cd "$ROOT"
STAGE="$(mktemp -d)"
trap 'rm -rf "$STAGE"' EXIT
mkdir "$STAGE/liangwei"
# Files of the plugin proper (tracked, or new and not ignored), plus compiled translations.
git ls-files -z --cached --others --exclude-standard -- \
    metadata.txt __init__.py LICENSE README.md liangwei_plugin processing_algs gui forms resources \
  | xargs -0 -r -I{} cp --parents {} "$STAGE/liangwei/"
for qm in resources/i18n/*.qm; do [ -e "$qm" ] && cp --parents "$qm" "$STAGE/liangwei/"; done
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
