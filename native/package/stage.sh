#!/usr/bin/env bash
# Stages one native package's files from Debian's own packages for one runtime identifier:
#   STAGE/runtimes/RID/native/  libpmem.so.1 libpmem2.so.1 libndctl.so.6 libdaxctl.so.1 libkmod.so.2, RUNPATH=$ORIGIN
#   STAGE/licenses/<debian package>/copyright
# Usage: native/package/stage.sh STAGE_DIR [RID]   (RID: linux-x64 (default) or linux-arm64; needs apt-get,
# dpkg-deb, patchelf; another architecture's .debs come through apt-download.sh's private apt state)
#
# What is bundled and why: libpmem and libpmem2 need libndctl.so.6 and libdaxctl.so.1, and libndctl
# needs libkmod.so.2; none of them is on a minimal Debian or Ubuntu system. Left to the system, because
# every machine that runs .NET already has them: libc, libudev.so.1 and libuuid.so.1 (util-linux, an
# essential package), libzstd.so.1 and liblzma.so.5 (dpkg), libcrypto.so.3 (a .NET prerequisite).
set -euo pipefail
stage=${1:?usage: stage.sh STAGE_DIR [RID]}
rid=${2:-linux-x64}
case $rid in
  linux-x64) arch=amd64 loader='ld-linux-x86-64\.so\.2' machine='X86-64' ;;
  linux-arm64) arch=arm64 loader='ld-linux-aarch64\.so\.1' machine='AArch64' ;;
  *) echo "stage.sh: unsupported RID $rid (linux-x64, linux-arm64)" >&2; exit 2 ;;
esac
DEBS=(libpmem1 libpmem2 libndctl6 libdaxctl1 libkmod2)
FILES=(libpmem.so.1 libpmem2.so.1 libndctl.so.6 libdaxctl.so.1 libkmod.so.2)
ALLOWED_SYSTEM_NEEDED='^(libc\.so\.6|'"$loader"'|libudev\.so\.1|libuuid\.so\.1|libzstd\.so\.1|liblzma\.so\.5|libcrypto\.so\.3)$'

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
rm -rf "$stage"
native="$stage/runtimes/$rid/native"
mkdir -p "$native" "$stage/licenses"

"$(dirname "$0")/apt-download.sh" "$arch" "$work" "${DEBS[@]}"
for deb in "$work"/*.deb; do
  name=$(dpkg-deb -f "$deb" Package)
  version=$(dpkg-deb -f "$deb" Version)
  dpkg-deb -x "$deb" "$work/root"
  mkdir -p "$stage/licenses/$name"
  cp "$work/root/usr/share/doc/$name/copyright" "$stage/licenses/$name/copyright"
  echo "$name $version" >>"$stage/licenses/VERSIONS"
done

for file in "${FILES[@]}"; do
  src=$(find "$work/root" -name "$file" | head -n 1)
  [[ -n $src ]] || { echo "stage.sh: $file not found in ${DEBS[*]}" >&2; exit 1; }
  cp -L "$src" "$native/$file"   # the SONAME symlink's target, under the SONAME
  chmod 0755 "$native/$file"
  patchelf --set-rpath '$ORIGIN' "$native/$file"
  # The right CPU: a wrong architecture's file would load nowhere.
  LC_ALL=C readelf -h "$native/$file" | grep -q "Machine:.*$machine" || { echo "stage.sh: $file is not $machine" >&2; exit 1; }
done

# Every library must need only what is staged beside it or what the system is known to have.
for file in "${FILES[@]}"; do
  [[ $(patchelf --print-rpath "$native/$file") == '$ORIGIN' ]] || { echo "stage.sh: $file lacks RUNPATH \$ORIGIN" >&2; exit 1; }
  while read -r needed; do
    [[ -e "$native/$needed" || $needed =~ $ALLOWED_SYSTEM_NEEDED ]] || {
      echo "stage.sh: $file needs $needed, which is neither staged nor known to be on every system" >&2; exit 1; }
  done < <(patchelf --print-needed "$native/$file")
done
echo "staged in $native: ${FILES[*]} ($(tr '\n' ';' <"$stage/licenses/VERSIONS"))" >&2
