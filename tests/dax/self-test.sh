#!/usr/bin/env bash
# Self-test of the DAX VM harness: builds tests/dax/probe (C, libpmem) and runs
# it in the VM. Passes when /mnt/dax gives is_pmem=1 and MAP_SYNC, and
# /mnt/nodax gives is_pmem=0 and EOPNOTSUPP. Exit code: the probe's.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
if ! command -v gcc >/dev/null || [ ! -e /usr/include/libpmem.h ]; then
    [ "$(id -u)" = 0 ] || { echo "[dax-vm] need gcc and libpmem-dev" >&2; exit 125; }
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y -qq --no-install-recommends gcc libc6-dev libpmem-dev >/dev/null \
        || { apt-get update -qq >/dev/null && apt-get install -y -qq --no-install-recommends gcc libc6-dev libpmem-dev >/dev/null; }
fi
gcc -O2 -Wall -Wextra -o "$here/probe" "$here/probe.c" -lpmem
cd "$here/../.."
exec tests/dax/run-in-vm.sh tests/dax/probe
