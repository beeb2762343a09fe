#!/usr/bin/env bash
# The pmemsharp tool as a user installs it: `dotnet tool install` from the packed feed (.build/packages) into a
# temporary tool path and a fresh NuGet packages folder, then `pmemsharp info` and `pmemsharp info --json`, with
# and without a system libpmem (the tool carries the native packages' copy, so PMDK is used either way).
# Also checks that only the supported RIDs' native assets (linux-x64, linux-arm64) were shipped.
# Usage: samples/tool-check.sh WORK_DIR
set -euo pipefail
cd "$(dirname "$0")"
SAMPLES=$PWD
work=${1:?usage: tool-check.sh WORK_DIR}
rm -rf "$work"; mkdir -p "$work"; work=$(realpath "$work")
empty=$(mktemp -d /tmp/pmdksharp-tool-check.XXXXXX) # outside the repository: no NuGet.config of its own applies
trap 'rm -rf "$empty"' EXIT
feed=$(realpath -m "$SAMPLES/../.build/packages")
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 NUGET_PACKAGES=$work/nuget
log() { printf '\n== tool-check: %s\n' "$*" >&2; }
fail() { echo "tool-check: FAIL: $*" >&2; exit 1; }

version=$(cat "$feed/version.txt" 2>/dev/null) || fail "no packed feed in $feed: run ./build.sh pack"
log "dotnet tool install pmemsharp $version --add-source $feed --tool-path $work/tools"
start=$SECONDS
# From an empty directory, so no repository NuGet.config is involved.
(cd "$empty" && dotnet tool install pmemsharp --tool-path "$work/tools" --add-source "$feed" --version "$version") >&2 \
  || fail "dotnet tool install"
echo "install: $((SECONDS - start)) s, package $(du -k "$feed/pmemsharp.$version.nupkg" | cut -f1) KiB" >&2

rids=$(find "$work/tools/.store" -type d -regex '.*/runtimes/[^/]*' -printf '%f\n' | sort -u | tr '\n' ' ')
[[ $rids == "linux-arm64 linux-x64 " ]] || fail "the tool ships native assets for: $rids (expected linux-arm64 linux-x64)"
echo "native assets shipped for: $rids" >&2

log "pmemsharp info"
"$work/tools/pmemsharp" info /dev/shm >"$work/info.txt" || { cat "$work/info.txt" >&2; fail "pmemsharp info"; }
grep -q 'default backend' "$work/info.txt" || { cat "$work/info.txt" >&2; fail "pmemsharp info printed no runtime table"; }

log "pmemsharp info --json, without a system libpmem"
./without-system-libpmem.sh "$work/tools/pmemsharp" info --json /dev/shm >"$work/info.json" || fail "pmemsharp info --json"
cat "$work/info.json" >&2
grep -q '"backend": "Pmdk"' "$work/info.json" || fail "info --json: backend is not Pmdk"
grep -q '"source": "Package"' "$work/info.json" || fail "info --json: libpmem did not come from the tool's package asset"
grep -q '"mapping": "Pmdk, growable"' "$work/info.json" || fail "info --json: no probe of /dev/shm"
echo "tool-check: OK (pmemsharp $version installed from the feed; info and info --json work without a system libpmem)" >&2
