#!/usr/bin/env bash
# The Windows packaging, checked on Linux (CI runs this after the test suite; it installs what it needs itself):
#   1. freeze the app with the same PyInstaller spec the Windows build uses (packaging/erpsync.spec);
#   2. run the frozen app's --self-test offscreen: a hidden import or resource the freezer missed fails here;
#   3. the frozen app's own tests (tests/frozen): start at login points at the frozen executable, a second launch
#      brings the first forward and exits;
#   4. compile the per-user NSIS installer and the per-machine MSI (WiX source, msitools' wixl) against this
#      Linux build as a stand-in payload, and read both back (msiinfo: upgrade code, version, per-machine);
#   5. print the bundle size and the frozen app's start-up time (tests/benchmarks/bench_frozen_start.py).
# The real Windows build, installers and their tests run in .github/workflows/windows.yml.
#
#   bash packaging/freeze_check.sh            (from anywhere; uses .venv, creating it when missing)
set -euo pipefail
cd "$(dirname "$0")/.."
started=$(date +%s)
step() { echo "== $* ($(( $(date +%s) - started )) s)"; }

# makensis (nsis), wixl + wixl-heat (wixl), msiinfo (msitools), 7z to list the NSIS installer (p7zip-full), Xvfb
# and Qt's X11 libraries for the start-up measurement on a real display
debs="nsis wixl msitools p7zip-full xvfb xauth libxkbcommon-x11-0 libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1"
debs="$debs libxcb-image0 libxcb-render-util0 libxcb-shape0 libxcb-xkb1 libegl1 libgl1 libfontconfig1 libdbus-1-3"
missing=""
for pkg in $debs; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing="$missing $pkg"
done
if [ -n "$missing" ]; then
  step "installing Debian packages:$missing"
  sudo=""; [ "$(id -u)" -ne 0 ] && sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi
[ -x .venv/bin/python ] || python3 -m venv .venv
step "installing the freeze extra"
.venv/bin/python -m pip install -q -e ".[freeze]"
py=.venv/bin/python
version=$($py packaging/build_info.py version)
msi_version=$($py packaging/build_info.py msi-version)
numeric_version=$($py packaging/build_info.py numeric-version)

step "freezing ERPSync $version"
rm -rf dist/ERPSync build/msi
$py -m PyInstaller --noconfirm --log-level WARN --distpath dist --workpath build/pyinstaller packaging/erpsync.spec
app="$PWD/dist/ERPSync/ERPSync"

step "the frozen app's self-test"
QT_QPA_PLATFORM=offscreen "$app" --self-test --report build/self-test.txt

step "compiling the per-user installer (NSIS, stand-in payload, uncompressed)"
setup="$PWD/dist/ERPSync-$version-setup.exe"
# stored uncompressed here: LZMA over ~170 MB takes minutes on two cores, and only the script is under test
makensis -V2 -X"SetCompressor /FINAL zlib" -X"SetCompress off" -DSTANDIN -DVERSION="$version" \
  -DNUMERIC_VERSION="$numeric_version" -DPAYLOAD="$PWD/dist/ERPSync" -DOUTFILE="$setup" \
  -DICON="$PWD/resources/icons/app.ico" packaging/windows/erpsync.nsi

step "compiling the MSI (WiX source, wixl, stand-in payload)"
mkdir -p build/msi
msi="$PWD/build/msi/ERPSync-$version-x64.msi"
# regular files only: the Linux build also links some libraries into _internal/ (a Windows build has no links)
find dist/ERPSync -type f | LC_ALL=C sort | wixl-heat -p dist/ERPSync/ --component-group AppFiles \
  --directory-ref INSTALLDIR --var var.SourceDir --win64 > build/msi/files.wxs
wixl -a x64 -D Win64=yes -D Version="$msi_version" -D SourceDir=dist/ERPSync \
  -D IconFile=resources/icons/app.ico -o "$msi" packaging/windows/erpsync.wxs build/msi/files.wxs
msiinfo export "$msi" Property | grep -E "^(UpgradeCode|ProductVersion|ALLUSERS)\s"

step "tests of the frozen app and the installers"
ERPSYNC_FROZEN_APP="$app" ERPSYNC_MSI="$msi" ERPSYNC_SETUP="$setup" \
  $py -m pytest -qq -p no:cacheprovider tests/frozen  # -qq: no summary line to mistake for the suite's
echo "the frozen app's and the installers' tests passed"

step "start-up time"
$py tests/benchmarks/bench_frozen_start.py "$app" --runs 4
echo "per-user installer: $(du -m "$setup" | cut -f1) MB uncompressed stand-in; MSI: $(du -m "$msi" | cut -f1) MB"
step "freeze check done"
