#!/usr/bin/env bash
# Run a command inside a qemu VM that has a real DAX file system.
#
#   tests/dax/run-in-vm.sh [--] COMMAND [ARGS...]
#
# The VM (Debian's stock kernel, a busybox initramfs, TCG: no KVM needed)
# sees the host's / through 9p under a writable overlay (writes are discarded
# when the VM ends) and has an emulated NVDIMM (ACPI NFIT, labelled
# namespaces). It runs COMMAND as root in that view, in the host's current
# directory, with:
#   PMDKSHARP_DAX_DIR=/mnt/dax      ext4 on the fsdax namespace (/dev/pmem0.1), -o dax
#   PMDKSHARP_DEVDAX=/dev/dax0.0    the devdax namespace (character device)
#   PMDKSHARP_PERSISTENCE_DOMAIN    the region's: memory_controller (ADR) or cpu_cache (eADR)
#   PMDKSHARP_NODAX_DIR=/mnt/nodax  ext4 on a virtio disk, -o dax=never
#   PMDKSHARP_DM_DISK=/dev/vdb      a blank virtio disk for device-mapper tests
#   PMDKSHARP_VM_OUT=<dir>          writable, shared with the host at the same
#                                   path (results, logs, TRX files...)
#   HOME, DOTNET_CLI_HOME under /tmp, DOTNET_CLI_TELEMETRY_OPTOUT=1,
#   DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1, PMEM_IS_PMEM_FORCE unset.
# COMMAND's stdout/stderr are streamed to the host's stdout/stderr and the
# script exits with COMMAND's exit code; 124 if the VM timed out, 125 if the
# VM failed to produce a result. See tests/dax/README.md.
#
# Environment (all optional):
#   PMDKSHARP_CACHE            cache root (default <repo>/.build); the kernel,
#                              initramfs and downloads live in $PMDKSHARP_CACHE/dax-vm
#   PMDKSHARP_VM_OUT_DIR       host dir shared as PMDKSHARP_VM_OUT (kept);
#                              default: a temporary dir, deleted afterwards
#   PMDKSHARP_VM_TIMEOUT       seconds before qemu is killed (default 900)
#   PMDKSHARP_VM_MEM           guest RAM (default 2G)
#   PMDKSHARP_VM_PERSISTENCE   adr (default: qemu nvdimm-persistence=mem-ctrl) or
#                              eadr (nvdimm-persistence=cpu: CPU caches are persistent)
#   PMDKSHARP_VM_NVDIMM_SIZE   size of the NVDIMM backing file (default 1G)
#   PMDKSHARP_VM_NVDIMM_IMAGE  NVDIMM backing file to keep across runs (namespaces
#                              and data survive); default: a fresh one per run
#   PMDKSHARP_VM_DEVDAX_SIZE   devdax namespace size on a fresh NVDIMM (default 256M);
#                              the fsdax namespace takes the rest
#   PMDKSHARP_VM_NODAX_SIZE    size of the sparse non-DAX disk (default 1G)
#   PMDKSHARP_VM_NODAX_IMAGE   non-DAX disk image to keep across runs (made if missing)
#   PMDKSHARP_VM_NODAX_OPTS    extra ext4 mount options for /mnt/nodax
#   PMDKSHARP_VM_SYSCTL        "name=value ..." written to /proc/sys before the command
#   PMDKSHARP_VM_DM_SIZE       size of the device-mapper scratch disk (default 64M)
#   PMDKSHARP_VM_SMP           vCPUs (default 2)
#   PMDKSHARP_VM_KERNEL_PKG    kernel package (default: what linux-image-amd64 depends on)
#   PMDKSHARP_VM_ENV           extra host variable names to pass into the VM
#   PMDKSHARP_VM_PIDFILE       qemu writes its pid here: a power-cut test SIGKILLs it
#                              (then this script exits 137)
#   PMDKSHARP_VM_VERBOSE=1     show the VM's console and harness details
#   PMDKSHARP_VM_KEEP=1        keep the per-run control dir (console log, dmesg)
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
cache=${PMDKSHARP_CACHE:-$repo/.build}/dax-vm
timeout_s=${PMDKSHARP_VM_TIMEOUT:-900}
mem=${PMDKSHARP_VM_MEM:-2G}
persistence=${PMDKSHARP_VM_PERSISTENCE:-adr}
nvdimm_size=${PMDKSHARP_VM_NVDIMM_SIZE:-1G}
devdax_size=${PMDKSHARP_VM_DEVDAX_SIZE:-256M}
nodax_size=${PMDKSHARP_VM_NODAX_SIZE:-1G}
dm_size=${PMDKSHARP_VM_DM_SIZE:-64M}
smp=${PMDKSHARP_VM_SMP:-2}
verbose=${PMDKSHARP_VM_VERBOSE:-0}
# Modules the guest needs, in any order (dependencies are resolved at build time).
modules="virtio_pci 9pnet_virtio 9p overlay virtio_blk nfit nd_pmem device_dax dax_pmem dm_mod dm_flakey ext4"
case $persistence in
    adr) persistence_opt=mem-ctrl ;;
    eadr) persistence_opt=cpu ;;
    *) echo "[dax-vm] error: PMDKSHARP_VM_PERSISTENCE must be adr or eadr, not '$persistence'" >&2; exit 125 ;;
esac

log() { echo "[dax-vm] $*" >&2; }
vlog() { [ "$verbose" = 1 ] && log "$@" || true; }
die() { log "error: $*"; exit 125; }

[ "${1:-}" = "--" ] && shift
[ $# -gt 0 ] || { sed -n '2,/^set -e/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2; exit 125; }

# ---------------------------------------------------------------- host tools
apt_updated=0
apt_install() {
    [ "$(id -u)" = 0 ] || die "missing packages ($*) and not root to install them"
    log "installing $*"
    export DEBIAN_FRONTEND=noninteractive
    if ! apt-get install -y -qq --no-install-recommends "$@" >/dev/null; then
        apt-get update -qq >/dev/null && apt_updated=1
        apt-get install -y -qq --no-install-recommends "$@" >/dev/null || die "apt-get install $* failed"
    fi
}
need=()
command -v qemu-system-x86_64 >/dev/null || need+=(qemu-system-x86)
[ -e /usr/share/seabios/bios-256k.bin ] || [ -e /usr/share/qemu/bios-256k.bin ] || need+=(seabios)
dpkg-query -W -f='${Status}' busybox-static 2>/dev/null | grep -q 'ok installed' || need+=(busybox-static)
command -v cpio >/dev/null || need+=(cpio)
command -v modprobe >/dev/null && command -v depmod >/dev/null || need+=(kmod)
[ -x /sbin/mke2fs ] || need+=(e2fsprogs)
command -v ndctl >/dev/null || need+=(ndctl)      # run in the guest from the host's /
command -v daxctl >/dev/null || need+=(daxctl)
command -v dmsetup >/dev/null || need+=(dmsetup)
command -v xz >/dev/null || need+=(xz-utils)
[ ${#need[@]} -eq 0 ] || apt_install "${need[@]}"

# ------------------------------------------------- kernel + initramfs (cached)
# The build is keyed on everything that shapes it; a stale key just rebuilds.

build_image() {
    local kpkg=${PMDKSHARP_VM_KERNEL_PKG:-}
    if [ -z "$kpkg" ]; then
        kpkg=$(apt-cache depends linux-image-amd64 2>/dev/null | awk '/Depends: linux-image-[0-9]/ {print $2; exit}')
        if [ -z "$kpkg" ] && [ $apt_updated = 0 ]; then
            apt-get update -qq >/dev/null && apt_updated=1
            kpkg=$(apt-cache depends linux-image-amd64 2>/dev/null | awk '/Depends: linux-image-[0-9]/ {print $2; exit}')
        fi
        [ -n "$kpkg" ] || die "cannot resolve the kernel package behind linux-image-amd64"
    fi
    mkdir -p "$cache/debs"
    local deb
    deb=$(ls "$cache/debs/${kpkg}_"*.deb 2>/dev/null | head -n1 || true)
    if [ -z "$deb" ]; then
        log "downloading $kpkg"
        (cd "$cache/debs" && { apt-get download -q "$kpkg" >/dev/null 2>&1 || {
            apt-get update -qq >/dev/null && apt-get download -q "$kpkg" >/dev/null 2>&1; }; }) \
            || die "apt-get download $kpkg failed"
        deb=$(ls "$cache/debs/${kpkg}_"*.deb | head -n1)
    fi
    log "building VM image from $(basename "$deb")"
    local tmp; tmp=$(mktemp -d "$cache/.tmp-build.XXXXXX")
    dpkg-deb -x "$deb" "$tmp/k"
    local kver; kver=$(ls "$tmp/k/lib/modules" | head -n1)
    depmod -b "$tmp/k" "$kver"

    local ird=$tmp/initramfs
    mkdir -p "$ird/bin" "$ird/etc" "$ird/lib/modules"
    cp /bin/busybox "$ird/bin/busybox"
    cp "$here/guest-init.sh" "$ird/init"
    chmod 755 "$ird/init"
    local m line f seen=" "
    : > "$ird/etc/modules.list"
    for m in $modules; do
        while read -r line; do
            set -- $line
            [ "$1" = insmod ] || continue          # skips "builtin ..." lines
            f=$(basename "$2")
            case "$seen" in *" $f "*) continue ;; esac
            seen="$seen$f "
            case "$f" in
                *.ko) cp "$2" "$ird/lib/modules/$f" ;;
                *.ko.xz) xz -dc "$2" > "$ird/lib/modules/${f%.xz}"; f=${f%.xz} ;;
                *.ko.zst) zstd -qdc "$2" > "$ird/lib/modules/${f%.zst}"; f=${f%.zst} ;;
                *) die "unexpected module file $f" ;;
            esac
            echo "$f" >> "$ird/etc/modules.list"
        done < <(modprobe -C /dev/null -d "$tmp/k" -S "$kver" --show-depends "$m" \
                 || die "module $m not found in $kpkg")
    done
    (cd "$ird" && find . | cpio -o -H newc --quiet | gzip -1) > "$tmp/initramfs.cpio.gz"
    # Boot the uncompressed ELF through qemu's PVH entry when we can: under
    # TCG, decompressing the xz bzImage alone takes ~3 s of every boot.
    local bz=$tmp/k/boot/vmlinuz-$kver off
    off=$(LC_ALL=C grep -obUaP '\xFD7zXZ\x00' "$bz" | head -n1 | cut -d: -f1 || true)
    if [ -n "$off" ] && command -v xz >/dev/null \
       && { tail -c +$((off + 1)) "$bz" || true; } | xz -dc --single-stream > "$tmp/vmlinux" 2>/dev/null \
       && [ "$(head -c4 "$tmp/vmlinux" | od -An -c | tr -d ' ')" = '177ELF' ]; then
        mv "$tmp/vmlinux" "$tmp/kernel"
    else
        log "note: cannot extract an ELF kernel from the bzImage; booting it compressed (slower)"
        cp "$bz" "$tmp/kernel"
    fi
    echo "$kpkg $kver" > "$tmp/kernel.txt"
    rm -rf "$build" && mkdir -p "$build"
    mv "$tmp/kernel" "$tmp/initramfs.cpio.gz" "$tmp/kernel.txt" "$build/"
    rm -rf "$tmp"
    # Drop images of other keys; keep the downloaded package.
    find "$cache" -maxdepth 1 -name 'build-*' ! -name "build-$key" -exec rm -rf {} +
}

key_src="$(cat "$here/guest-init.sh"; declare -f build_image; echo "$modules ${PMDKSHARP_VM_KERNEL_PKG:-auto}")"
key=$(printf '%s' "$key_src" | sha256sum | cut -c1-16)
build=$cache/build-$key
mkdir -p "$cache"
exec 9>"$cache/.lock"
flock 9
[ -s "$build/initramfs.cpio.gz" ] && [ -s "$build/kernel" ] || build_image
flock -u 9
vlog "kernel $(cat "$build/kernel.txt")"

# ------------------------------------------------------------------ run dirs
ctl=$(mktemp -d "${TMPDIR:-/tmp}/dax-vm.XXXXXX")
if [ -n "${PMDKSHARP_VM_OUT_DIR:-}" ]; then
    mkdir -p "$PMDKSHARP_VM_OUT_DIR"
    out=$(cd "$PMDKSHARP_VM_OUT_DIR" && pwd)
else
    out=$ctl/out
    mkdir -p "$out"
fi
qemu_pid=
tail_pids=()
cleanup() {
    if [ -n "$qemu_pid" ]; then
        # $qemu_pid is timeout(1): TERM makes it pass the signal on to qemu.
        kill -TERM "$qemu_pid" 2>/dev/null || true
        for _ in 1 2 3 4 5 6 7 8 9 10; do kill -0 "$qemu_pid" 2>/dev/null || break; sleep 0.3; done
        pkill -KILL -P "$qemu_pid" 2>/dev/null || true
        kill -KILL "$qemu_pid" 2>/dev/null || true
    fi
    for p in "${tail_pids[@]}"; do kill "$p" 2>/dev/null || true; done
    if [ "${PMDKSHARP_VM_KEEP:-0}" = 1 ]; then log "kept $ctl"; else rm -rf "$ctl"; fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

nodax_img=${PMDKSHARP_VM_NODAX_IMAGE:-$ctl/nodax.img}
if [ ! -s "$nodax_img" ]; then
    truncate -s "$nodax_size" "$nodax_img"
    /sbin/mke2fs -q -F -t ext4 -b 4096 -E lazy_itable_init=1 "$nodax_img" || die "mke2fs $nodax_img"
fi
# A blank NVDIMM backing file: the guest writes labels and namespaces on first use.
nvdimm_img=${PMDKSHARP_VM_NVDIMM_IMAGE:-$ctl/nvdimm.img}
[ -e "$nvdimm_img" ] || truncate -s "$nvdimm_size" "$nvdimm_img"
truncate -s "$dm_size" "$ctl/dm.img"

# --------------------------------------------------------------- job script
cwd=$(pwd -P)
{
    echo "# generated by run-in-vm.sh"
    # Variables from the host worth keeping (PATH first: the host's tools).
    extra=" ${PMDKSHARP_VM_ENV:-} "
    while IFS= read -r name; do
        case "$name" in
            PMEM_IS_PMEM_FORCE|PMDKSHARP_DAX_DIR|PMDKSHARP_NODAX_DIR|PMDKSHARP_DEVDAX|PMDKSHARP_PERSISTENCE_DOMAIN|PMDKSHARP_DM_DISK|PMDKSHARP_VM_OUT|HOME|DOTNET_CLI_HOME) continue ;;
        esac
        if [[ $name =~ ^(PATH|LANG|LANGUAGE|LC_[A-Z]+|TERM|TZ|CI|GITHUB_ACTIONS|TF_BUILD|DOTNET_.*|NUGET_.*|MSBUILD.*|VSTEST_.*|PMEM_.*|PMEM2_.*|PMDKSHARP_.*)$ ]] \
           || [[ $extra == *" $name "* ]]; then
            printf 'export %s=%q\n' "$name" "${!name}"
        fi
    done < <(compgen -e)
    printf 'export %s=%q\n' \
        PMDKSHARP_DAX_DIR /mnt/dax \
        PMDKSHARP_NODAX_DIR /mnt/nodax \
        PMDKSHARP_DM_DISK /dev/vdb \
        PMDKSHARP_VM_OUT "$out" \
        PMDKSHARP_IN_DAX_VM 1 \
        HOME /tmp/dax-vm-home \
        DOTNET_CLI_HOME /tmp/dax-vm-home \
        DOTNET_CLI_TELEMETRY_OPTOUT 1 \
        DOTNET_SKIP_FIRST_TIME_EXPERIENCE 1 \
        DOTNET_NOLOGO 1
    echo 'unset PMEM_IS_PMEM_FORCE'
    echo '. /mnt/.vm-ctl/guest.env   # PMDKSHARP_DEVDAX, PMDKSHARP_PERSISTENCE_DOMAIN (found by the guest)'
    echo 'export PMDKSHARP_TEST_DIRS=${PMDKSHARP_TEST_DIRS:-/mnt/dax:/mnt/nodax}'
    echo 'mkdir -p "$HOME"'
    printf 'cd -- %q || { echo "[dax-vm] cannot cd to %q in the VM" >&2; exit 125; }\n' "$cwd" "$cwd"
    printf 'exec'; printf ' %q' "$@"; printf '\n'
} > "$ctl/job.sh"
cat > "$ctl/guest.conf" <<CONF
OUT_PATH='$out'
JOB=job.sh
NODAX=/dev/vda
NODAX_OPTS='${PMDKSHARP_VM_NODAX_OPTS:-}'
DMDISK=/dev/vdb
DEVDAX_SIZE='$devdax_size'
SYSCTL='${PMDKSHARP_VM_SYSCTL:-}'
CONF
[[ $out != *"'"* ]] || die "PMDKSHARP_VM_OUT_DIR must not contain a quote"
: > "$ctl/stdout"; : > "$ctl/stderr"

# --------------------------------------------------------------------- boot
qemu=(qemu-system-x86_64
    -machine "pc,nvdimm=on,nvdimm-persistence=$persistence_opt"
    -accel tcg,thread=multi -cpu max -smp "$smp" -m "$mem,slots=2,maxmem=64G"
    -object "memory-backend-file,id=nvmem,share=on,mem-path=$nvdimm_img,size=$nvdimm_size,align=2M"
    -device nvdimm,id=nvdimm0,memdev=nvmem,label-size=128K
    -display none -vga none -monitor none -serial "file:$ctl/console.log"
    -no-reboot
    -kernel "$build/kernel" -initrd "$build/initramfs.cpio.gz"
    -append "console=ttyS0 quiet loglevel=3 panic=-1"
    -virtfs "local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap"
    -virtfs "local,path=$ctl,mount_tag=vmctl,security_model=none"
    -virtfs "local,path=$out,mount_tag=vmout,security_model=none"
    -drive "file=$nodax_img,format=raw,if=virtio,cache=unsafe"
    -drive "file=$ctl/dm.img,format=raw,if=virtio,cache=unsafe"
    -nic none
)
[ -z "${PMDKSHARP_VM_PIDFILE:-}" ] || qemu+=(-pidfile "$PMDKSHARP_VM_PIDFILE")
vlog "cwd $cwd; results $out; control $ctl"
t0=$(date +%s.%N)
timeout -k 10 "$timeout_s" "${qemu[@]}" < /dev/null > "$ctl/qemu.log" 2>&1 &
qemu_pid=$!
tail -n +1 -s 0.2 -f --pid="$qemu_pid" "$ctl/stdout" &
tail_pids+=($!)
tail -n +1 -s 0.2 -f --pid="$qemu_pid" "$ctl/stderr" >&2 &
tail_pids+=($!)
if [ "$verbose" = 1 ]; then
    : > "$ctl/console.log"
    tail -n +1 -s 0.2 -f --pid="$qemu_pid" "$ctl/console.log" | sed 's/^/[console] /' >&2 &
    tail_pids+=($!)
fi
set +e
wait "$qemu_pid"; qrc=$?
set -e
qemu_pid=
wait "${tail_pids[@]}" 2>/dev/null || true
tail_pids=()
t1=$(date +%s.%N)

# ------------------------------------------------------------------- result
total=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }')
if [ "$qrc" = 137 ] && [ -n "${PMDKSHARP_VM_PIDFILE:-}" ] && [ ! -s "$ctl/rc" ] \
   && awk -v t="$total" -v l="$timeout_s" 'BEGIN { exit !(t < l) }'; then
    log "qemu was killed from outside after ${total}s (power cut)"
    exit 137
fi
if [ "$qrc" = 124 ] || [ "$qrc" = 137 ]; then
    log "timed out after ${timeout_s}s (PMDKSHARP_VM_TIMEOUT); last console lines:"
    tail -n 20 "$ctl/console.log" >&2 || true
    exit 124
fi
if [ ! -s "$ctl/rc" ]; then
    log "the VM produced no result (qemu exit $qrc, ${total}s)"
    [ -s "$ctl/error" ] && log "guest: $(cat "$ctl/error")"
    log "qemu: $(tail -n 5 "$ctl/qemu.log" 2>/dev/null)"
    log "last console lines:"; tail -n 30 "$ctl/console.log" >&2 || true
    [ "${PMDKSHARP_VM_KEEP:-0}" = 1 ] || log "rerun with PMDKSHARP_VM_KEEP=1 to keep $ctl"
    exit 125
fi
rc=$(cat "$ctl/rc")
# Host-clock timings: qemu writes these files when the guest does. (The TCG
# guest's own clock runs slow, so /proc/uptime would understate them.)
ts_start=$(stat -c %.Y "$ctl/t_start" 2>/dev/null || echo "$t0")
ts_end=$(stat -c %.Y "$ctl/t_end" 2>/dev/null || echo "$t1")
times=$(awk -v a="$t0" -v s="$ts_start" -v e="$ts_end" -v b="$t1" \
    'BEGIN { printf "boot-to-command %.1fs, command %.1fs, shutdown %.1fs", s - a, e - s, b - e }')
log "exit $rc; $times, total ${total}s"
exit "$rc"
