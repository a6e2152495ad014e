# Sourced by the Makefile and bin/ wrappers: the environment headless QGIS needs.
LIANGWEI_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export LIANGWEI_ROOT
export QT_QPA_PLATFORM="${QT_QPA_PLATFORM:-offscreen}"
export XDG_RUNTIME_DIR="${XDG_RUNTIME_DIR:-/tmp/liangwei-runtime-$(id -u)}"
mkdir -p "$XDG_RUNTIME_DIR" && chmod 700 "$XDG_RUNTIME_DIR"
export PROJ_DATA="${PROJ_DATA:-/usr/share/proj}"
export QGIS_PLUGINPATH="$LIANGWEI_ROOT/build/plugins${QGIS_PLUGINPATH:+:$QGIS_PLUGINPATH}"
# venv packages (shapely 2, geopandas 1.x, reportlab...) for qgis_process, which runs /usr/bin/python3's site.
VENV_SITE="$(ls -d "$LIANGWEI_ROOT"/.venv/lib/python3*/site-packages 2>/dev/null | head -1)"
export PYTHONPATH="$LIANGWEI_ROOT/build/plugins:/usr/share/qgis/python/plugins${VENV_SITE:+:$VENV_SITE}${PYTHONPATH:+:$PYTHONPATH}"
