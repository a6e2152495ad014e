#!/usr/bin/env bash
# One-shot, re-runnable set-up on Debian 12 (bookworm) or Debian 13 (trixie): QGIS 3.40 LTR and the other
# Debian packages, the .venv with the test tools, compiled translations.  Each step is skipped when done.
#
# QGIS 3.40 LTR: Debian 13 has it in its main suite; on Debian 12 it comes from bookworm-backports (the
# main suite's 3.22 is out of support).  The native Python packages (shapely, geopandas, pyogrio, pandas,
# pyproj, numpy) are the distribution's wherever it has them new enough, as the QGIS installers ship them;
# where it does not (Debian 12: shapely 1.8, geopandas 0.12), pip wheels that carry no GDAL of their own
# fill the gap: never a pyogrio or fiona wheel (each brings a second GDAL into the QGIS process).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"

. /etc/os-release
CODENAME="${VERSION_CODENAME:-}"
APT_TARGET=()
case "$CODENAME" in
  bookworm)
    PG=15
    APT_TARGET=(-t bookworm-backports)
    # Debian's own shapely/geopandas are too old here: pip provides them in the .venv.  The shapely wheel
    # bundles a GEOS of its own: its GEOS must be the 3.11 that QGIS loads (2.0.x), since the C++ library's
    # symbols resolve against the copy already in the process (shapely 2.1 with GEOS 3.13 crashes there).
    NATIVE_DEB=(python3-pandas python3-pyproj python3-numpy python3-scipy)
    NATIVE_PIP=("shapely>=2.0.6,<2.1")
    ;;
  trixie|forky|sid)
    PG=17
    NATIVE_DEB=(python3-shapely python3-geopandas python3-pyogrio python3-pandas python3-pyproj python3-numpy python3-scipy)
    NATIVE_PIP=()
    ;;
  *)
    echo "setup: Debian 12 (bookworm) or 13 (trixie) expected, found '${PRETTY_NAME:-unknown}'" >&2
    exit 1
    ;;
esac

SUDO=(); [ "$(id -u)" -eq 0 ] || SUDO=(sudo -E)
if [ "$CODENAME" = bookworm ] && ! grep -rqs '^[^#]*bookworm-backports' /etc/apt/sources.list /etc/apt/sources.list.d/; then
  echo "setup: adding Debian's bookworm-backports suite (QGIS 3.40 LTR)"
  printf 'Types: deb\nURIs: http://deb.debian.org/debian\nSuites: bookworm-backports\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' \
    | "${SUDO[@]}" tee /etc/apt/sources.list.d/liangwei-backports.sources >/dev/null
  "${SUDO[@]}" apt-get update -qq
fi

QGIS_PACKAGES=(qgis python3-qgis qgis-providers python3-gdal)  # QGIS 3.40 LTR, its Python bindings, osgeo.ogr
APT_PACKAGES=(
  "${NATIVE_DEB[@]}"
  python3-venv proj-bin gdal-bin           # venv; PROJ data lookup for pyproj; ogr tools
  fonts-wqy-microhei fonts-arphic-uming fonts-arphic-ukai  # TrueType CJK faces reportlab can embed
  poppler-utils                            # pdftotext/pdffonts/pdftoppm for PDF checks
  libreoffice-calc                         # the XLSX ledger printed to PDF, as a user prints it
  xvfb xauth imagemagick x11-utils xdotool # desktop QGIS test under Xvfb + screenshots
  qttools5-dev-tools                       # lrelease for the translations
  "postgresql-$PG-postgis-3"               # shared case register tests
  debootstrap                              # the deployment test's minimal Debian 13 root
)

missing() {
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || echo "$p"
  done
}
qgis_version() { dpkg-query -W -f='${Version}' qgis 2>/dev/null || true; }
# An old QGIS (3.22 from Debian 12's main suite) counts as missing: it is replaced by 3.40.
need_qgis=$(missing "${QGIS_PACKAGES[@]}")
if [ -z "$need_qgis" ] && dpkg --compare-versions "$(qgis_version)" lt 3.40; then need_qgis=yes; fi
need_rest=$(missing "${APT_PACKAGES[@]}")
if [ -n "$need_qgis" ] || [ -n "$need_rest" ]; then
  echo "setup: installing Debian packages (QGIS 3.40 LTR and tools)"
  "${SUDO[@]}" apt-get update -qq
  export DEBIAN_FRONTEND=noninteractive
  "${SUDO[@]}" apt-get install -y -q --no-install-recommends "${APT_TARGET[@]}" "${QGIS_PACKAGES[@]}" >/dev/null
  "${SUDO[@]}" apt-get install -y -q --no-install-recommends "${APT_PACKAGES[@]}" >/dev/null
fi
if dpkg --compare-versions "$(qgis_version)" lt 3.40; then
  echo "setup: QGIS $(qgis_version) installed; 3.40 or newer needed" >&2
  exit 1
fi
# postgresql's Debian package starts a cluster on 5432; the tests run their own.

# The .venv: QGIS's bindings and the distribution's packages stay visible (--system-site-packages); the
# distribution's numpy and pyproj are pinned so that pip never replaces what QGIS and GDAL were built with.
STAMP=.venv/.liangwei-setup
WANT="$(cat requirements-dev.txt scripts/setup.sh | sha1sum | cut -c1-40)-$CODENAME"
if [ ! -x .venv/bin/python ] || [ "$(cat "$STAMP" 2>/dev/null)" != "$WANT" ]; then
  echo "setup: creating .venv (system site packages, for QGIS's bindings)"
  [ -x .venv/bin/python ] || /usr/bin/python3 -m venv --system-site-packages .venv
  CONSTRAINTS=.venv/constraints-system.txt
  /usr/bin/python3 - > "$CONSTRAINTS" <<'EOF'
import importlib.metadata as md
for dist in ("numpy", "pyproj"):
    print(f"{dist}=={md.version(dist)}")
for dist in ("pyogrio", "fiona"):  # GDAL-carrying wheels: only the distribution's build, if any
    try:
        print(f"{dist}=={md.version(dist)}")
    except md.PackageNotFoundError:
        pass
EOF
  PIP=(.venv/bin/pip install -q --disable-pip-version-check -c "$CONSTRAINTS")
  # geopandas without its declared dependency on pyogrio (a wheel with its own GDAL): the plugin reads and
  # writes through QGIS's GDAL (osgeo.ogr)
  "${PIP[@]}" -r requirements-dev.txt ${NATIVE_PIP[@]+"${NATIVE_PIP[@]}"}
  # (geopandas 1.0: 1.1 needs pyproj 3.5, newer than Debian 12's 3.4)
  "${PIP[@]}" --no-deps 'geopandas>=1.0,<1.1' 2>&1 | grep -v "dependency resolver\|requires pyogrio" || true
  .venv/bin/python -c "import shapely, geopandas, pandas, pyproj, reportlab, openpyxl, pypdf, pytest" \
    || { echo "setup: the .venv is incomplete (see pip's messages above)" >&2; exit 1; }
  echo "$WANT" > "$STAMP"
fi
gdal_libs=$(find .venv -name 'libgdal*.so*' 2>/dev/null | head -3)
if [ -n "$gdal_libs" ]; then
  echo "setup: the .venv holds a GDAL of its own ($gdal_libs): remove the wheel that brought it" >&2
  exit 1
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
