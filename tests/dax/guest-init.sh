#!/bin/busybox sh
# /init of the DAX test VM's initramfs (built by tests/dax/run-in-vm.sh).
#
# Loads the modules, mounts the host's / (9p, read-only) under a writable
# overlay, makes ext4 on /dev/pmem0 and mounts it with -o dax at /mnt/dax,
# mounts the non-DAX ext4 disk (virtio-blk) at /mnt/nodax, then runs the job
# script written by the host inside a chroot of that view. Output, exit code
# and timings go back to the host through the "vmctl" 9p share.
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
. /ctl/guest.conf   # OUT_PATH, JOB, NODAX
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

i=0
while [ ! -b /dev/pmem0 ]; do
    i=$((i + 1)); [ $i -le 100 ] || fail "/dev/pmem0 did not appear (memmap=...! missing?)"
    sleep 0.1
done
chroot $R /sbin/mke2fs -q -F -t ext4 -b 4096 -E lazy_itable_init=0,lazy_journal_init=0 /dev/pmem0 \
    || fail "mke2fs /dev/pmem0"
mount -t ext4 -o dax /dev/pmem0 $R/mnt/dax || fail "mount -o dax /dev/pmem0"
grep -q " $R/mnt/dax ext4 .*dax" /proc/mounts || fail "/mnt/dax is not mounted with dax"

if [ -n "$NODAX" ]; then
    [ -b "$NODAX" ] || fail "$NODAX missing"
    mount -t ext4 -o dax=never "$NODAX" $R/mnt/nodax || fail "mount $NODAX"
fi
chmod 1777 $R/mnt/dax $R/mnt/nodax

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
