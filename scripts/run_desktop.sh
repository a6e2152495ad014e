#!/usr/bin/env bash
# QGIS desktop with the plugin enabled, in a project-local profile (build/qgis-config)
# so your own QGIS profile is left alone.  Sourced env: scripts/env.sh.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
CONFIG="$ROOT/build/qgis-config"
INI="$CONFIG/profiles/default/QGIS/QGIS3.ini"
mkdir -p "$(dirname "$INI")"
if ! grep -qs '^liangwei=true' "$INI"; then
  printf '[PythonPlugins]\nliangwei=true\n' >> "$INI"
fi
unset QT_QPA_PLATFORM
if [ -z "${DISPLAY:-}" ]; then
  echo "run: no DISPLAY; starting QGIS under xvfb-run (screenshots: import -window root)" >&2
  exec xvfb-run -a -s "-screen 0 1600x1000x24" qgis --noversioncheck --profiles-path "$CONFIG" "$@"
fi
exec qgis --noversioncheck --profiles-path "$CONFIG" "$@"
