#!/usr/bin/env bash
# Regenerates generated/*.g.cs from the configs in this directory.
# Needs: dotnet, libclang1-14 + libclang-common-14-dev, and the -dev packages whose headers are bound
# (libpmem-dev, libpmem2-dev, libc6-dev), plus their runtime libraries for the export check.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"

version() {
    local v
    v="$(dpkg-query -W -f='${Version}' "$1" 2>/dev/null)" || true
    if [[ -z "$v" ]]; then
        echo "regen.sh: package $1 is not installed" >&2
        exit 1
    fi
    printf '%s' "$v"
}

args=(--out "$root/generated")
for pkg in libpmem-dev libpmem2-dev libc6-dev; do
    args+=(--package-version "$pkg=$(version "$pkg")")
done

# One config per output file; the generator rewrites a file only when its text changes.
dotnet run --project "$root/src/PmdkSharp.Generator/PmdkSharp.Generator.csproj" -c Release --no-launch-profile -- \
    "${args[@]}" "$here/libpmem.json" "$here/libpmem2.json" "$here/libc.json"
