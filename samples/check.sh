#!/usr/bin/env bash
# The samples as an application's CI would run them, against the packages ./build.sh pack wrote to
# .build/packages (samples/NuGet.config), restored into a fresh packages folder so no cached copy of
# an earlier PmdkSharp can be used:
#   1. AotSmoke: native AOT publish with zero warnings, then run with and without the system's libpmem;
#      both must report Backend=Pmdk, Source=Package.
#   2. RecordLog: run the service with the system's libpmem hidden, append records, restart it
#      (gracefully, then with kill -9 in the middle of appends) and check every acknowledged record is back.
# Usage: samples/check.sh WORK_DIR
set -euo pipefail
cd "$(dirname "$0")"
SAMPLES=$PWD
work=${1:?usage: check.sh WORK_DIR}
rm -rf "$work"; mkdir -p "$work"; work=$(realpath "$work")
feed=$(realpath -m "$SAMPLES/../.build/packages")
nuget=$work/nuget
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

log() { printf '\n== sample-check: %s\n' "$*" >&2; }
fail() { echo "sample-check: FAIL: $*" >&2; exit 1; }

version=$(dotnet msbuild AotSmoke/AotSmoke.csproj -getProperty:PmdkSharpPackageVersion)
[[ -f $feed/PmdkSharp.$version.nupkg && -f $feed/PmdkSharp.Native.linux-x64.$version.nupkg ]] \
  || fail "PmdkSharp $version packages not in $feed: run ./build.sh pack"

# The restored packages must be byte-for-byte the ones in the feed.
check_restored_from_feed() {
  local id
  for id in PmdkSharp PmdkSharp.Native.linux-x64; do
    local lower=${id,,}
    local restored=$nuget/$lower/$version/$lower.$version.nupkg.sha512
    [[ -f $restored ]] || fail "$id $version was not restored into $nuget"
    [[ $(cat "$restored") == $(openssl dgst -sha512 -binary "$feed/$id.$version.nupkg" | base64 -w0) ]] \
      || fail "$id $version in $nuget differs from $feed"
  done
}

# ---- 1. AotSmoke
log "AotSmoke: dotnet publish -r linux-x64 PublishAot=true (PmdkSharp $version from $feed)"
start=$SECONDS
dotnet publish AotSmoke/AotSmoke.csproj -c Release -r linux-x64 --packages "$nuget" -o "$work/aot" --nologo \
  >"$work/aot-publish.log" 2>&1 || { cat "$work/aot-publish.log" >&2; fail "AOT publish failed"; }
if grep -E ': warning [A-Z]+[0-9]+' "$work/aot-publish.log" >&2; then fail "the AOT publish has warnings"; fi
check_restored_from_feed
echo "AOT publish: $((SECONDS - start)) s, no warnings" >&2

log "AotSmoke with the system's libpmem available"
"$work/aot/AotSmoke" --dir /dev/shm --expect-backend Pmdk --expect-source Package || fail "AotSmoke"
log "AotSmoke without a system libpmem"
./without-system-libpmem.sh "$work/aot/AotSmoke" --dir /dev/shm --expect-backend Pmdk --expect-source Package \
  || fail "AotSmoke without a system libpmem"

# ---- 2. RecordLog
log "RecordLog: dotnet publish (framework-dependent, PmdkSharp $version from $feed)"
dotnet publish RecordLog/RecordLog.csproj -c Release --packages "$nuget" -o "$work/recordlog" --nologo \
  >"$work/recordlog-publish.log" 2>&1 || { cat "$work/recordlog-publish.log" >&2; fail "RecordLog publish failed"; }

data=/dev/shm/pmdksharp-recordlog-$$.bin
acked=$work/acked            # "position payload-file", one line per 201 response
mkdir -p "$work/payloads" "$work/read"
: >"$acked"
pid=
address=
cleanup() {
  if [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null; then kill -9 "$pid"; fi
  rm -f "$data"
}
trap cleanup EXIT

start_service() {
  rm -f "$work/address"
  # Emulated pmem, so records are persisted with cache-line flushes (PMEM_IS_PMEM_FORCE=1), and no system libpmem.
  PMEM_IS_PMEM_FORCE=1 ./without-system-libpmem.sh "$work/recordlog/RecordLog" --urls http://127.0.0.1:0 \
    --Pmem:Logs:records:Path="$data" --Pmem:Logs:records:Length=16384 --Pmem:Logs:records:MaxLength=268435456 \
    --RecordLog:AddressFile="$work/address" --Logging:LogLevel:Default=Warning --Logging:LogLevel:RecordLog=Information --Logging:LogLevel:PmdkSharp=Information \
    >>"$work/recordlog.log" 2>&1 &
  pid=$!
  local i
  for ((i = 0; i < 300; i++)); do
    [[ -s $work/address ]] && break
    kill -0 "$pid" 2>/dev/null || { cat "$work/recordlog.log" >&2; fail "RecordLog exited while starting"; }
    sleep 0.1
  done
  address=$(cat "$work/address" 2>/dev/null) || true
  [[ -n $address ]] || { cat "$work/recordlog.log" >&2; fail "RecordLog did not start"; }
}

stop_service() { # $1: TERM or KILL
  kill -"$1" "$pid"
  wait "$pid" 2>/dev/null || true
  pid=
}

n=0
append() { # appends one random record of 1..3000 bytes; acknowledged ones go to $acked
  local file=$work/payloads/$n size=$((RANDOM % 3000 + 1)) response
  n=$((n + 1))
  head -c "$size" /dev/urandom >"$file"
  response=$(curl -sf --max-time 10 -X POST --data-binary "@$file" "$address/records") || return 1
  [[ $response =~ \"position\":([0-9]+) ]] || fail "unexpected append response: $response"
  echo "${BASH_REMATCH[1]} $file" >>"$acked"
}

verify_all() {
  local position file count=0
  while read -r position file; do
    curl -sf --max-time 10 -o "$work/read/$position" "$address/records/$position" || fail "record at $position is missing"
    cmp -s "$file" "$work/read/$position" || fail "record at $position differs from what was acknowledged"
    count=$((count + 1))
  done <"$acked"
  echo "all $count acknowledged records are back" >&2
}

log "RecordLog: first run, 80 appends (the log grows from 16 KiB)"
start_service
status=$(curl -sf "$address/status")
echo "$status" >&2
[[ $status == *'"backend":"Pmdk"'* && $status == *'"libpmemSource":"Package"'* ]] \
  || fail "RecordLog is not on the PMDK backend from the package asset"
for ((i = 0; i < 80; i++)); do append || fail "append $i failed"; done
verify_all
metrics=$(curl -sf "$address/metrics")
health=$(curl -sf "$address/health") || fail "GET /health failed"
[[ $health == Healthy ]] || fail "GET /health: $health"
for m in pmdksharp_persist_calls pmdksharp_persist_bytes pmdksharp_grows pmdksharp_mapped_bytes recordlog_appends; do
  grep -q "^$m " <<<"$metrics" || { echo "$metrics" >&2; fail "/metrics lacks $m"; }
done

log "RecordLog: graceful restart, then 40 more appends"
stop_service TERM
grep -q 'Closed pmem log records' "$work/recordlog.log" || fail "the host did not close the log on graceful shutdown"
start_service
verify_all
for ((i = 0; i < 40; i++)); do append || fail "append $i after restart failed"; done

log "RecordLog: kill -9 during appends, restart, every acknowledged record back"
( while append; do :; done ) &
appender=$!
sleep 1
stop_service KILL
wait "$appender" 2>/dev/null || true
start_service
verify_all
status=$(curl -sf "$address/status")
echo "$status" >&2
acked_count=$(wc -l <"$acked")
[[ $status =~ \"count\":([0-9]+) ]] && ((BASH_REMATCH[1] >= acked_count)) || fail "fewer records than acknowledged"
[[ $status =~ \"fileLength\":([0-9]+) ]] && ((BASH_REMATCH[1] > 16384)) || fail "the log did not grow"
stop_service TERM
echo "sample-check: OK ($acked_count records acknowledged and recovered across 2 restarts, one of them kill -9)" >&2
