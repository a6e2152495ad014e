#!/usr/bin/env bash
# A minimal Debian root holding a QGIS whose Python has only what the QGIS installers ship
# (QGIS + its bindings, GDAL, shapely, geopandas, pyogrio, pandas, pyproj, numpy) and a CJK font —
# and NOT reportlab, openpyxl, pypdf, tomli or psutil.  The deployment test installs the plugin ZIP in it
# (scripts/deploy_check.sh) to prove the ZIP works with nothing pip-installed.
#
#   bash scripts/deploy_root.sh [SUITE]     SUITE: trixie (default; QGIS 3.40) or sid / unstable (QGIS 3.44 LTR)
#
# Built once (debootstrap --variant=minbase + apt --no-install-recommends) under $LIANGWEI_ROOTS
# (default /var/cache/liangwei/roots)/<suite>, outside the repository; later runs take a second.
# A root is complete only with its stamp (.liangwei-root-complete, holding the recipe): a build that was
# interrupted, or one made from another recipe, is removed and built again.  Needs root.
#
# Sourced (by deploy_check.sh) it only defines the helpers: deploy_suite, deploy_root_dir, in_root.
set -euo pipefail

DEPLOY_MIRROR="${LIANGWEI_MIRROR:-http://deb.debian.org/debian}"
DEPLOY_KEYRING=/usr/share/keyrings/debian-archive-keyring.gpg
DEPLOY_ROOTS="${LIANGWEI_ROOTS:-/var/cache/liangwei/roots}"
# What a bureau's QGIS has: QGIS and what the QGIS installers ship with it (python3-gdal: osgeo.ogr, which
# the plugin reads and writes through; python3-qgis does not pull it in on Debian).
DEPLOY_PACKAGES=(qgis python3-qgis qgis-providers python3-gdal
                 python3-shapely python3-geopandas python3-pyogrio python3-pandas python3-pyproj python3-numpy
                 fonts-wqy-microhei fonts-arphic-uming fonts-arphic-ukai)
# (the fonts: the same TrueType faces as the development machine, so that the documents can be compared
# word for word; a Windows QGIS finds SimSun/FangSong/Microsoft YaHei instead)
# What the ZIP has to bring itself (vendored) or do without: must not be in the root.
DEPLOY_FORBIDDEN=(python3-reportlab python3-openpyxl python3-pypdf python3-tomli python3-psutil)
DEPLOY_RECIPE_VERSION=1

deploy_suite() {  # normalised suite name
  case "${1:-trixie}" in
    trixie) echo trixie ;;
    sid|unstable) echo sid ;;
    *) echo "deploy_root: unknown suite '$1' (trixie, sid or unstable)" >&2; return 2 ;;
  esac
}

deploy_root_dir() { echo "$DEPLOY_ROOTS/$(deploy_suite "$1")"; }

deploy_recipe() {
  printf 'recipe=%s\nsuite=%s\nmirror=%s\npackages=%s\nforbidden=%s\n' "$DEPLOY_RECIPE_VERSION" "$1" \
    "$DEPLOY_MIRROR" "${DEPLOY_PACKAGES[*]}" "${DEPLOY_FORBIDDEN[*]}"
}

# Mounts (of any process) below a directory, deepest first.
_mounts_below() {
  local dir; dir="$(readlink -f "$1")"
  awk -v d="$dir" '$5 == d || index($5, d "/") == 1 {print $5}' /proc/self/mountinfo | sort -r
}

# Remove a (half-built) root safely: never through a mount that is still there.
_remove_root() {
  local dir="$1" m
  [ -e "$dir" ] || return 0
  for m in $(_mounts_below "$dir"); do umount -R "$m" 2>/dev/null || umount -l "$m" || true; done
  if [ -n "$(_mounts_below "$dir")" ]; then
    echo "deploy_root: mounts still active below $dir; not removing it:" >&2; _mounts_below "$dir" >&2; return 1
  fi
  rm -rf --one-file-system "$dir"
}

# in_root ROOT [--bind HOSTDIR ROOTDIR]... -- COMMAND...
# Runs COMMAND chrooted in ROOT with /proc, /dev (with /dev/pts, /dev/shm) and a fresh /tmp, in a private
# mount namespace: the mounts exist only for this command and vanish with it, even when it is killed.
# The environment is empty but for PATH, HOME, LANG and what is passed as NAME=VALUE after --env.
in_root() {
  local root="$1"; shift
  local binds=() envs=()
  while [ $# -gt 0 ]; do
    case "$1" in
      --bind) binds+=("$2" "$3"); shift 3 ;;
      --env) envs+=("$2"); shift 2 ;;
      --) shift; break ;;
      *) break ;;
    esac
  done
  unshare --mount --propagation private -- bash -c '
    set -euo pipefail
    root=$1; nb=$2; shift 2
    cleanup() { for m in $(awk -v d="$root" '"'"'index($5, d "/") == 1 {print $5}'"'"' /proc/self/mountinfo | sort -r); do
                  umount -l "$m" 2>/dev/null || true; done; }
    trap cleanup EXIT
    mount -t proc proc "$root/proc"
    mount --rbind /dev "$root/dev"
    mount -t tmpfs -o mode=1777,size=4g tmpfs "$root/tmp"
    for ((i = 0; i < nb; i++)); do
      mkdir -p "$root$2"; mount --bind "$1" "$root$2"; shift 2
    done
    ne=$1; shift; envs=()
    for ((i = 0; i < ne; i++)); do envs+=("$1"); shift; done
    chroot "$root" /usr/bin/env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
      HOME=/root LANG=C.UTF-8 LC_ALL=C.UTF-8 DEBIAN_FRONTEND=noninteractive "${envs[@]}" "$@"
  ' in_root "$(readlink -f "$root")" $(( ${#binds[@]} / 2 )) "${binds[@]}" "${#envs[@]}" "${envs[@]}" "$@"
}

# What is in the root (QGIS, Python, GDAL, …), one "name: version" a line.
deploy_versions() {
  in_root "$1" -- python3 - <<'EOF' 2>/dev/null || true
import platform, subprocess
def v(mod, attr="__version__"):
    try:
        m = __import__(mod, fromlist=["x"])
        return str(getattr(m, attr))
    except Exception as e:
        return f"missing ({type(e).__name__})"
out = subprocess.run(["dpkg-query", "-W", "-f=${Version}", "qgis"], capture_output=True, text=True).stdout
print("debian:", open("/etc/debian_version").read().strip())
print("qgis package:", out)
print("python:", platform.python_version())
print("gdal:", v("osgeo.gdal"))
for mod in ("numpy", "shapely", "pandas", "geopandas", "pyogrio", "pyproj"):
    print(f"{mod}:", v(mod))
for mod in ("reportlab", "openpyxl", "pypdf", "tomli", "psutil"):
    print(f"{mod}:", v(mod) if mod != "reportlab" else v(mod, "Version"))
EOF
}

deploy_build() {
  local suite root building stamp recipe start keyring_opt=()
  suite="$(deploy_suite "${1:-trixie}")"
  root="$DEPLOY_ROOTS/$suite"
  building="$root.building"
  stamp="$root/.liangwei-root-complete"
  recipe="$(deploy_recipe "$suite")"
  [ "$(id -u)" = 0 ] || { echo "deploy_root: needs root (debootstrap, chroot, mounts)" >&2; return 1; }
  command -v debootstrap >/dev/null || { echo "deploy_root: debootstrap not installed (apt-get install debootstrap)" >&2; return 1; }
  mkdir -p "$DEPLOY_ROOTS"
  # Interrupted: stop (apt lets its dpkg run finish first); the root stays unstamped, the next run rebuilds it.
  trap 'echo "deploy_root: interrupted; $building is incomplete and will be rebuilt" >&2; exit 130' INT TERM HUP
  # One build per suite at a time; deploy_check.sh holds the same lock shared while it uses the root.
  exec 8>"$DEPLOY_ROOTS/$suite.lock"
  flock 8
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$recipe" ]; then
    echo "deploy_root: $root is complete (built $(date -r "$stamp" '+%F %T'))"
    flock -u 8; return 0
  fi
  [ -d "$root" ] && echo "deploy_root: $root is incomplete or from another recipe; building it again"
  [ -d "$building" ] && echo "deploy_root: removing the half-built $building (interrupted build)"
  _remove_root "$root"
  _remove_root "$building"
  start=$(date +%s)
  [ -r "$DEPLOY_KEYRING" ] && keyring_opt=(--keyring="$DEPLOY_KEYRING")
  mkdir -p "$DEPLOY_ROOTS/.debs/$suite"
  echo "deploy_root: debootstrap --variant=minbase $suite from $DEPLOY_MIRROR into $building"
  # In its own mount namespace: the /proc and /sys debootstrap mounts go away even if it is interrupted.
  unshare --mount --propagation private -- debootstrap --variant=minbase "${keyring_opt[@]}" \
    --cache-dir="$DEPLOY_ROOTS/.debs/$suite" "$suite" "$building" "$DEPLOY_MIRROR" \
    > "$DEPLOY_ROOTS/$suite.debootstrap.log" 2>&1 || {
      tail -30 "$DEPLOY_ROOTS/$suite.debootstrap.log" >&2
      echo "deploy_root: debootstrap failed (log: $DEPLOY_ROOTS/$suite.debootstrap.log)" >&2; return 1; }
  echo "deploy_root: debootstrap done in $(( $(date +%s) - start ))s"
  # No services started by package scripts; apt retries; downloaded .debs kept outside the root.
  printf '#!/bin/sh\nexit 101\n' > "$building/usr/sbin/policy-rc.d"; chmod 755 "$building/usr/sbin/policy-rc.d"
  printf 'Acquire::Retries "5";\nAPT::Install-Recommends "false";\nAPT::Install-Suggests "false";\n' \
    > "$building/etc/apt/apt.conf.d/90liangwei"
  cp /etc/resolv.conf "$building/etc/resolv.conf" 2>/dev/null || true
  mkdir -p "$DEPLOY_ROOTS/.apt-archives/$suite/partial"
  local forbid=() p
  for p in "${DEPLOY_FORBIDDEN[@]}"; do forbid+=("$p-"); done  # "pkg-": apt must solve without it
  echo "deploy_root: apt-get install --no-install-recommends ${DEPLOY_PACKAGES[*]}"
  in_root "$building" --bind "$DEPLOY_ROOTS/.apt-archives/$suite" /var/cache/apt/archives -- \
    bash -c 'set -e
             # sid'"'"'s Release has a Valid-Until a week ahead: on a mirror (or snapshot) that stopped
             # updating it, apt refuses it as expired.  Signatures are still checked; say so loudly.
             if ! apt-get update -q > /tmp/update.log 2>&1; then
               cat /tmp/update.log
               grep -q "is expired" /tmp/update.log || exit 1
               echo "deploy_root: WARNING: the mirror'"'"'s Release file is expired (stale mirror);" \
                    "using Acquire::Check-Valid-Until=false (signatures still verified)"
               echo "Acquire::Check-Valid-Until \"false\";" > /etc/apt/apt.conf.d/91liangwei-expired-release
               apt-get update -q
             else
               cat /tmp/update.log
             fi
             args=()
             for p in "$@"; do  # a forbidden package the suite does not have at all is fine as it is
               case "$p" in *-) apt-cache show "${p%-}" >/dev/null 2>&1 && args+=("$p") || true ;; *) args+=("$p") ;; esac
             done
             apt-get install -y -q --no-install-recommends "${args[@]}"' apt \
      "${DEPLOY_PACKAGES[@]}" "${forbid[@]}" > "$DEPLOY_ROOTS/$suite.apt.log" 2>&1 || {
      tail -40 "$DEPLOY_ROOTS/$suite.apt.log" >&2
      echo "deploy_root: apt-get install failed in the $suite root (log: $DEPLOY_ROOTS/$suite.apt.log)" >&2; return 1; }
  grep -a -h -m1 "^deploy_root: WARNING" "$DEPLOY_ROOTS/$suite.apt.log" >&2 || true
  # Nothing the plugin must bring itself may be there — not as a Debian package, not pip-installed.
  local present=()
  for p in "${DEPLOY_FORBIDDEN[@]}"; do
    if in_root "$building" -- dpkg-query -W -f='${db:Status-Abbrev}' "$p" 2>/dev/null | grep -q '^ii'; then
      present+=("$p")
      echo "deploy_root: $p is installed; needed by:" >&2
      in_root "$building" -- apt-cache rdepends --installed --no-suggests --no-recommends "$p" >&2 || true
    fi
  done
  [ ${#present[@]} -eq 0 ] || { echo "deploy_root: forbidden packages in the root: ${present[*]}" >&2; return 1; }
  if in_root "$building" -- python3 -c '
import importlib.util, sys
bad = [m for m in ("reportlab", "openpyxl", "pypdf", "tomli", "psutil") if importlib.util.find_spec(m)]
sys.exit("importable in the root: " + " ".join(bad) if bad else 0)'; then :; else
    echo "deploy_root: the root's Python can import a module the ZIP must bring itself" >&2; return 1
  fi
  in_root "$building" -- apt-get clean
  deploy_versions "$building" > "$building/.liangwei-root-versions"
  echo "$recipe" > "$building/.liangwei-root-complete"
  mv "$building" "$root"
  echo "deploy_root: $suite root built in $(( $(date +%s) - start ))s: $root ($(du -sh --one-file-system "$root" | cut -f1))"
  sed 's/^/  /' "$root/.liangwei-root-versions"
  flock -u 8
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  deploy_build "${1:-trixie}"
fi
