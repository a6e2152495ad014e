#!/usr/bin/env bash
# One-shot, re-runnable set-up: Debian packages, the .venv and its pinned pip
# packages, compiled translations.  Each step is skipped when already done.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"

APT_PACKAGES=(
  qgis python3-qgis qgis-providers        # QGIS 3.22 LTR and its Python bindings
  python3-venv proj-bin gdal-bin           # venv; PROJ data lookup for pyproj; ogr tools
  fonts-wqy-microhei                       # TrueType CJK font reportlab can embed
  poppler-utils                            # pdftotext/pdffonts/pdftoppm for PDF checks
  xvfb xauth imagemagick x11-utils xdotool # desktop QGIS test under Xvfb + screenshots
  qttools5-dev-tools                       # lrelease for the zh_CN translation
  postgresql-15-postgis-3                  # shared case register tests
)

missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing Debian packages: ${missing[*]}"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
fi
# postgresql's Debian package starts a cluster on 5432; the tests run their own.

STAMP=.venv/.liangwei-setup
WANT="$(cat requirements.txt constraints.txt | sha1sum | cut -c1-40)"
if [ ! -x .venv/bin/python ] || [ "$(cat "$STAMP" 2>/dev/null)" != "$WANT" ]; then
  echo "setup: creating .venv (system site packages, for QGIS's bindings)"
  [ -x .venv/bin/python ] || /usr/bin/python3 -m venv --system-site-packages .venv
  .venv/bin/pip install -q --disable-pip-version-check -r requirements.txt -c constraints.txt
  echo "$WANT" > "$STAMP"
fi

# The package path used by tests, qgis_process and QGIS desktop: build/plugins/liangwei -> root.
mkdir -p build/plugins
[ -L build/plugins/liangwei ] || ln -sfn "$ROOT" build/plugins/liangwei

# Compiled translations (.qm are build products, not committed).
for ts in resources/i18n/*.ts; do
  [ -e "$ts" ] || continue
  qm="${ts%.ts}.qm"
  if [ ! -f "$qm" ] || [ "$ts" -nt "$qm" ]; then lrelease -silent "$ts" -qm "$qm"; fi
done
echo "setup: ok"
