#!/bin/busybox sh
# /init of the DAX test VM's initramfs (built by tests/dax/run-in-vm.sh).
#
# Loads the modules, mounts the host's / (9p, read-only) under a writable
# overlay, finds (or on a blank NVDIMM creates) two labelled namespaces on the
# emulated NVDIMM: a devdax one (/dev/dax0.0) and an fsdax one (/dev/pmem0.1,
# ext4 mounted -o dax at /mnt/dax); mounts the non-DAX ext4 disk (virtio-blk)
# at /mnt/nodax, then runs the job script written by the host inside a chroot
# of that view. Output, exit code and timings go back to the host through the
# "vmctl" 9p share.
# Never returns: the VM resets (qemu runs with -no-reboot and exits).

/bin/busybox mkdir -p /bin /proc /sys /dev
/bin/busybox --install -s /bin
export PATH=/bin

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev

CTL=/ctl
say() { echo "[dax-vm] $*"; }
finish() {
    sync
    reboot -f
    sleep 5
    echo b > /proc/sysrq-trigger
}
fail() {
    say "FATAL: $*"
    [ -d "$CTL/." ] && { echo "$*" > "$CTL/error"; dmesg > "$CTL/dmesg" 2>/dev/null; }
    finish
}

while read -r m; do
    [ -n "$m" ] || continue
    insmod "/lib/modules/$m" || fail "insmod $m"
done < /etc/modules.list

P9="trans=virtio,version=9p2000.L,msize=262144"
mkdir -p /ctl /host /out /rw /root
mount -t 9p -o "$P9" vmctl /ctl || fail "mount vmctl share"
. /ctl/guest.conf   # OUT_PATH, JOB, NODAX, NODAX_OPTS, DMDISK, DEVDAX_SIZE, SYSCTL
mount -t 9p -o "$P9,cache=loose,ro" hostroot /host || fail "mount hostroot share"
mount -t 9p -o "$P9" vmout /out || fail "mount vmout share"

# Root of the command's world: host / read-only, writes land in guest RAM.
mount -t tmpfs -o mode=0755 rw /rw
mkdir -p /rw/upper /rw/work
if ! mount -t overlay -o lowerdir=/host,upperdir=/rw/upper,workdir=/rw/work overlay /root; then
    say "overlay over the host root failed; using it read-only with a tmpfs /tmp"
    mount -o bind /host /root || fail "bind host root"
    mount -t tmpfs -o mode=1777 tmp /root/tmp || fail "mount /tmp"
fi
R=/root
mount -t proc proc $R/proc
mount -t sysfs sysfs $R/sys
mount -t devtmpfs devtmpfs $R/dev
mkdir -p $R/dev/pts $R/dev/shm
mount -t devpts -o newinstance,ptmxmode=0666 devpts $R/dev/pts
mount -t tmpfs -o mode=1777 shm $R/dev/shm
mount -t tmpfs -o mode=0755 mnt $R/mnt || fail "mount /mnt"
mkdir -p $R/mnt/dax $R/mnt/nodax $R/mnt/.vm-ctl

# The NVDIMM (ACPI NFIT, 128 KiB label area). A blank backing file shows up
# label-less; then write labels and create the two namespaces. The labels live
# in the backing file, so a kept image finds the same namespaces next boot.
# The tools are the host's (ndctl, mke2fs), run in the chroot.
i=0
while [ ! -e /sys/bus/nd/devices/region0 ]; do
    i=$((i + 1)); [ $i -le 100 ] || fail "no nvdimm region appeared (qemu -machine nvdimm=on?)"
    sleep 0.1
done
nd() { chroot $R /usr/bin/ndctl "$@"; }
if ! nd list -N -r region0 | grep -q '"mode":"devdax"'; then
    nd disable-region region0 >/dev/null 2>&1 || fail "ndctl disable-region"
    nd init-labels -f nmem0 >/dev/null 2>&1 || fail "ndctl init-labels"
    nd enable-region region0 >/dev/null 2>&1 || fail "ndctl enable-region"
    nd create-namespace -r region0 -m devdax -a 2M -s "$DEVDAX_SIZE" >/dev/null || fail "ndctl create-namespace devdax"
    nd create-namespace -r region0 -m fsdax >/dev/null || fail "ndctl create-namespace fsdax"
    fresh=1
fi
ns=$(nd list -N -r region0 | tr -d ' \n')
devdax=/dev/$(echo "$ns" | sed -n 's/.*"chardev":"\(dax[0-9.]*\)".*/\1/p')
fsdax=/dev/$(echo "$ns" | sed -n 's/.*"blockdev":"\(pmem[0-9.]*\)".*/\1/p')
[ -c "$devdax" ] || fail "no devdax character device ($devdax) in: $ns"
[ -b "$fsdax" ] || fail "no fsdax block device ($fsdax) in: $ns"
if [ "${fresh:-0}" = 1 ]; then
    chroot $R /sbin/mke2fs -q -F -t ext4 -b 4096 -E lazy_itable_init=0,lazy_journal_init=0 "$fsdax" \
        || fail "mke2fs $fsdax"
fi
mount -t ext4 -o dax "$fsdax" $R/mnt/dax || fail "mount -o dax $fsdax"
grep -q " $R/mnt/dax ext4 .*dax" /proc/mounts || fail "/mnt/dax is not mounted with dax"
domain=$(cat /sys/bus/nd/devices/region0/persistence_domain 2>/dev/null || echo unknown)
{ echo "export PMDKSHARP_DEVDAX=$devdax"; echo "export PMDKSHARP_PERSISTENCE_DOMAIN=$domain"; } > /ctl/guest.env

if [ -n "$NODAX" ]; then
    [ -b "$NODAX" ] || fail "$NODAX missing"
    mount -t ext4 -o "dax=never${NODAX_OPTS:+,$NODAX_OPTS}" "$NODAX" $R/mnt/nodax || fail "mount $NODAX"
fi
chmod 1777 $R/mnt/dax $R/mnt/nodax

# Kernel settings the host asked for (e.g. writeback held back for power-cut tests).
for kv in $SYSCTL; do
    echo "${kv#*=}" > "/proc/sys/$(echo "${kv%%=*}" | tr . /)" || fail "sysctl $kv"
done
[ -z "$DMDISK" ] || [ -b "$DMDISK" ] || fail "$DMDISK missing"

mount -o bind /ctl $R/mnt/.vm-ctl
mkdir -p "$R$OUT_PATH" && mount -o bind /out "$R$OUT_PATH" || fail "bind results dir at $OUT_PATH"
ip link set lo up

read -r up _ < /proc/uptime
echo "$up" > /ctl/t_start
chroot $R /usr/bin/env -i /bin/bash "/mnt/.vm-ctl/$JOB" \
    < /dev/null > /ctl/stdout 2> /ctl/stderr
rc=$?
read -r up _ < /proc/uptime
echo "$up" > /ctl/t_end
dmesg > /ctl/dmesg 2>/dev/null
# Flush the ext4 file systems' journals before the reset (not needed for the
# result, but keeps the kernel log quiet) and publish the exit code last.
umount $R/mnt/dax $R/mnt/nodax 2>/dev/null
echo "$rc" > /ctl/rc.tmp && mv /ctl/rc.tmp /ctl/rc
finish
