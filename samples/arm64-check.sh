#!/usr/bin/env bash
# The linux-arm64 package proven on this x86-64 machine, from the packed feed (.build/packages), under qemu
# user-mode emulation:
#   1. samples/AotSmoke published self-contained for linux-arm64 (JIT, not AOT: the runtime pack comes from NuGet),
#      PmdkSharp restored from the feed into a fresh packages folder;
#   2. run with qemu-aarch64-static over a sysroot made of Debian's arm64 libc6, libgcc-s1, libstdc++6, zlib1g and
#      the libraries every system has that the native package leaves to the system (libudev1, libuuid1, libzstd1,
#      liblzma5, libssl3): map, write, Persist, grow, reopen and verify; it must report Backend=Pmdk, Source=Package
#      (the arm64 libpmem.so.1 from PmdkSharp.Native.linux-arm64, the only one an aarch64 loader can use here);
#   3. the same app with the native asset removed must run on the managed backend (Source=None).
# Usage: samples/arm64-check.sh WORK_DIR
set -euo pipefail
cd "$(dirname "$0")"
SAMPLES=$PWD
work=${1:?usage: arm64-check.sh WORK_DIR}
rm -rf "$work"; mkdir -p "$work"; work=$(realpath "$work")
feed=$(realpath -m "$SAMPLES/../.build/packages")
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
log() { printf '\n== arm64-check: %s\n' "$*" >&2; }
fail() { echo "arm64-check: FAIL: $*" >&2; exit 1; }

version=$(cat "$feed/version.txt" 2>/dev/null) || fail "no packed feed in $feed: run ./build.sh pack"
[[ -f $feed/PmdkSharp.Native.linux-arm64.$version.nupkg ]] || fail "PmdkSharp.Native.linux-arm64 $version not in $feed"

if ! command -v qemu-aarch64-static >/dev/null; then
  log "apt-get install qemu-user-static"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq qemu-user-static >/dev/null
fi

log "sysroot: Debian's arm64 libc6, libgcc-s1, libstdc++6, zlib1g (+ libudev1 libuuid1 libzstd1 liblzma5 libssl3)"
"$SAMPLES/../native/package/apt-download.sh" arm64 "$work/debs" \
  libc6 libgcc-s1 libstdc++6 zlib1g libudev1 libuuid1 libzstd1 liblzma5 libssl3
for deb in "$work"/debs/*.deb; do dpkg-deb -x "$deb" "$work/sysroot"; done

log "AotSmoke: dotnet publish -r linux-arm64 --self-contained (PmdkSharp $version from $feed)"
start=$SECONDS
dotnet publish AotSmoke/AotSmoke.csproj -c Release -r linux-arm64 --self-contained -p:PublishAot=false \
  -p:PmdkSharpPackageVersion="$version" --packages "$work/nuget" -o "$work/app" --nologo \
  >"$work/publish.log" 2>&1 || { cat "$work/publish.log" >&2; fail "publish failed"; }
echo "publish: $((SECONDS - start)) s" >&2
LC_ALL=C readelf -h "$work/app/libpmem.so.1" | grep -q 'Machine:.*AArch64' || fail "the published libpmem.so.1 is not AArch64"

# Runs the published app under emulation, as a Cortex-A72 (ARMv8.0, e.g. the first Graviton). qemu's default "max"
# CPU advertises DCPOP (ARMv8.2 DC CVAP) in its hwcaps, so libpmem flushes with DC CVAP, which qemu 7.2 implements
# only in system emulation, not in user mode: SIGILL. On an ARMv8.0 model libpmem flushes with DC CVAC instead.
# Note: qemu-user also drops MAP_SYNC from mmap flags without an error, so a mapping here is reported as pmem
# (CacheLine) even on tmpfs; the check asserts the backend, the library's source and the data, not that verdict.
run() {
  QEMU_CPU=cortex-a72 DOTNET_SYSTEM_GLOBALIZATION_INVARIANT=1 \
    qemu-aarch64-static -L "$work/sysroot" "$@"
}

log "AotSmoke on emulated aarch64, with the package's libpmem"
start=$SECONDS
run "$work/app/AotSmoke" --dir /dev/shm --expect-backend Pmdk --expect-source Package | tee "$work/pmdk.out" >&2 \
  || fail "AotSmoke on arm64 with the native package"
grep -q '^Libpmem=.*/libpmem.so.1$' "$work/pmdk.out" || fail "no libpmem path reported"
echo "run: $((SECONDS - start)) s" >&2

log "AotSmoke on emulated aarch64, native asset removed"
cp -a "$work/app" "$work/app-managed"
rm -f "$work"/app-managed/lib{pmem,pmem2,ndctl,daxctl,kmod}.so.*
run "$work/app-managed/AotSmoke" --dir /dev/shm --expect-backend Managed --expect-source None | tee "$work/managed.out" >&2 \
  || fail "AotSmoke on arm64 without the native asset"
echo "arm64-check: OK (PmdkSharp $version on emulated linux-arm64: Pmdk from the package, Managed without it)" >&2
