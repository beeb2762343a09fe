#!/usr/bin/env bash
# Runs a command on this machine as if it had no system PMDK: in a private mount namespace
# (unshare -m, root) where the system's libpmem, libpmem2, libndctl, libdaxctl and libkmod are
# /dev/null bind-mounted over, so the dynamic loader finds them but cannot load them
# ("file too short"). Nothing outside the namespace changes; it ends with the command.
# Usage: samples/without-system-libpmem.sh COMMAND [ARGS...]
set -euo pipefail
if [[ ${1:-} != --inside ]]; then
  exec unshare --mount --propagation private "$0" --inside "$@"
fi
shift
hidden=()
for so in libpmem.so.1 libpmem2.so.1 libndctl.so.6 libdaxctl.so.1 libkmod.so.2; do
  for dir in /usr/lib/x86_64-linux-gnu /lib/x86_64-linux-gnu /usr/lib /lib /usr/local/lib; do
    [[ -e $dir/$so ]] || continue
    real=$(readlink -f "$dir/$so")
    if [[ -s $real ]]; then
      mount --bind /dev/null "$real"
      hidden+=("$real")
    fi
  done
done
# Prove it: every copy the loader could find by name is now empty.
while read -r path; do
  [[ ! -s $(readlink -f "$path") ]] || { echo "without-system-libpmem: $path is still loadable" >&2; exit 1; }
done < <(ldconfig -p | awk '/lib(pmem|pmem2|ndctl|daxctl|kmod)\.so/ {print $NF}')
echo "without-system-libpmem: hidden ${hidden[*]:-nothing (no system copy)}" >&2
exec "$@"
