#!/usr/bin/env sh
# The README's two quick-start commands on Debian/Ubuntu:
#   sh packaging/quickstart.sh demo   - install what is missing, then run the app on its built-in demo
#   sh packaging/quickstart.sh test   - install what is missing, then run the whole test suite
# Safe to run again: it installs only what is missing and reuses .venv.
set -eu
cd "$(dirname "$0")/.."
mode="${1:-demo}"
shift 2>/dev/null || true

# Python's venv and Qt's libraries (offscreen, and X11 windows: the demo's window, the tests' real tray);
# for the tests also PostgreSQL and MariaDB servers, Xvfb, a tray host, and systemd (systemd-analyze checks the
# service's unit file)
xcb="libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-image0 libxcb-render-util0 libxcb-shape0 libxcb-xkb1"
debs="python3-venv libegl1 libgl1 libfontconfig1 libglib2.0-0 libxkbcommon0 libdbus-1-3 libxkbcommon-x11-0 $xcb"
[ "$mode" = "test" ] && debs="$debs postgresql mariadb-server xvfb xauth trayer systemd"

missing=""
for pkg in $debs; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing="$missing $pkg"
done
# python3-venv is not needed where python3 already has a working venv module (e.g. a pyenv build)
case "$missing" in *python3-venv*) python3 -c "import ensurepip, venv" 2>/dev/null \
  && missing=$(echo "$missing" | sed 's/ python3-venv//');; esac
if [ -n "$missing" ]; then
  echo "installing Debian packages:$missing"
  sudo=""; [ "$(id -u)" -ne 0 ] && sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends $missing
fi

[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
if [ "$mode" = "test" ]; then
  .venv/bin/python -m pip install -q -e ".[test]"
  exec .venv/bin/python -m pytest "$@"
fi
.venv/bin/python -m pip install -q -e ".[gui]"
if [ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]; then
  exec .venv/bin/erpsync-gui --demo "$@"
fi
echo "no display: running the demo on the command line (on a desktop this opens the window)"
exec .venv/bin/erpsync demo "$@"
