#!/usr/bin/env bash
# One entry point for everything: ./build.sh <command>. Installs what it needs itself.
#   deps         apt packages (libpmem, libpmem2, libclang, gcc) as root, NuGet restore
#   build        NuGet restore + build the solution (Release); needs no root and no apt packages
#   regen        regenerate generated/ from the installed headers (apt packages first)
#   check-regen  regen, then fail if generated/ differs from what is committed
#   test         deps + build + check-regen + every test suite, on both backends; prints "N passed, N failed, N skipped"
#   test-library the library suite alone, already built (FRAMEWORK, PMDKSHARP_TEST_SETTINGS select it); same summary line
#   demo         the main job: pmemsharp info + bench --quick
#   bench        BenchmarkDotNet micro-benchmarks
#   bench-smoke  pmemsharp bench at a tiny size, and a short log-soak (CI; no timing assertions)
#   log-soak     a log that runs forever: 10^9 64 B appends (PMDKSHARP_SOAK_APPENDS) on emulated pmem through a 256 MiB
#                ring with the head dropped as it goes, 10^6 on ext4; bounds checked, figures in .build/log-soak.txt
#   peer-bench   PmemLog against the .NET peers (FileStream, MemoryMappedFile, FasterLog, a bare CopyPersist loop) on
#                ext4, tmpfs and emulated pmem, flushes per append counted with strace: .build/peer-bench/peers.md
#                (docs/peers.md); extra arguments go to it (--seconds S, --rounds N, --media ext4,tmpfs-msync,tmpfs-pmem,
#                --sizes 64,256, --appenders 1,4)
#   peer-bench-smoke  peer-bench at a tiny size (CI; no timing assertions)
#   test-dax     DAX suites in a qemu VM with an emulated NVDIMM (ADR, eADR) and power-cut cycles
#   pack         PmdkSharp, PmdkSharp.Native.linux-x64/-arm64, PmdkSharp.Extensions.Hosting and the pmemsharp tool into
#                .build/packages/ (a fresh prerelease version per pack, in .build/packages/version.txt)
#   sample-check pack, then the AOT smoke app (no system libpmem), the RecordLog service (restart, every record back),
#                the pmemsharp tool installed from the feed (info, info --json), and README's project recipe verbatim
#   arm64-check  pack, the bindings regenerated for aarch64 and diffed, the AotSmoke app for linux-arm64 under qemu-user
#   reliability  the reliability suite in long mode (1000 kill cycles per setting, 30 s growth under load); figures in .build/reliability.txt
#   test-docker  docker/Dockerfile built and run here (eng/test-docker.sh: own dockerd, debootstrap base image): ./build.sh test in a
#                container; PMDKSHARP_DOCKER_SUITE=emulated runs only the emulated-pmem setting on net10.0 there (CI)
#   mutation-check [--smoke] [--baseline] [NAME...]  the one-line mutants of eng/mutants.txt, each on a scratch copy of the
#                tree against the tests that must kill it (eng/mutation-check.sh); fails unless each is killed by an assertion
# CONFIGURATION (default Release) and FRAMEWORK (default: each project's own) select the build that is run;
# PMDKSHARP_TEST_SETTINGS (default "emulated-pmem msync-path") the library suite's settings.
set -euo pipefail
cd "$(dirname "$0")"
ROOT=$PWD
OUT=${PMDKSHARP_OUT:-$ROOT/.build}
CONFIG=${CONFIGURATION:-Release}
FRAMEWORK=${FRAMEWORK:-}
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1 DOTNET_NOLOGO=1

APT_PACKAGES=(libpmem1 libpmem-dev libpmem2 libpmem2-dev libclang1-14 libclang-common-14-dev gcc libc6-dev
  patchelf zlib1g-dev curl util-linux libpmem1-debug)
# pack: patchelf; native AOT: gcc + zlib1g-dev; sample-check: curl, unshare; libpmem1-debug: libpmem's debug build, whose
# log of every flush and drain tests/PmdkSharp.Tests/Durability/DebugLibpmemTests reads

log() { printf '\n== %s\n' "$*" >&2; }

apt_deps() {
  local missing=()
  for p in "${APT_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  if ((${#missing[@]})); then
    if [[ $(id -u) -ne 0 ]]; then
      echo "missing packages: ${missing[*]} (run as root, or apt-get install them)" >&2
      exit 1
    fi
    log "apt-get install ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
}

restore() {
  log "dotnet restore"
  dotnet restore PmdkSharp.sln --nologo -v q
}

deps() {
  apt_deps
  restore
}

build() {
  log "dotnet build ($CONFIG)"
  dotnet build PmdkSharp.sln -c "$CONFIG" --no-restore --nologo -v q -clp:ErrorsOnly
}

regen() {
  apt_deps
  log "regenerating generated/"
  native/bindings/regen.sh
}

check_regen() {
  regen
  if git rev-parse --git-dir >/dev/null 2>&1 && ! git diff --exit-code --stat -- generated/; then
    echo "generated/ drifted from the generator's output: run ./build.sh regen and commit" >&2
    exit 1
  fi
}

# A project's main output in $CONFIG (and $FRAMEWORK, else its only or last, the newest, target framework), as MSBuild
# computes it: bin/<configuration>/<framework>/<assembly>.dll.
target_path() {
  local project=$1 framework=$FRAMEWORK
  if [[ -z $framework ]]; then
    framework=$(dotnet msbuild "$project" -nologo -getProperty:TargetFramework)
    [[ -n $framework ]] || framework=$(dotnet msbuild "$project" -nologo -getProperty:TargetFrameworks)
    framework=${framework##*;}
  fi
  dotnet msbuild "$project" -nologo -getProperty:TargetPath -p:Configuration="$CONFIG" -p:TargetFramework="$framework"
}

# tests/NAME.runsettings, or a copy with PMDKSHARP_DISK_DIR in place of the default disk directory.
settings_file() {
  local file=tests/$1.runsettings disk=${PMDKSHARP_DISK_DIR:-}
  if [[ -n $disk && $disk != /var/tmp/pmdksharp-tests ]]; then
    mkdir -p "$OUT"
    sed "s|/var/tmp/pmdksharp-tests|$disk|g" "$file" >"$OUT/$1.runsettings"
    file=$OUT/$1.runsettings
  fi
  printf '%s' "$file"
}

# The target frameworks a project builds for ($FRAMEWORK alone when set), space-separated.
frameworks_of() {
  if [[ -n $FRAMEWORK ]]; then printf '%s' "$FRAMEWORK"; return; fi
  local frameworks
  frameworks=$(dotnet msbuild "$1" -nologo -getProperty:TargetFrameworks)
  [[ -n $frameworks ]] || frameworks=$(dotnet msbuild "$1" -nologo -getProperty:TargetFramework)
  printf '%s' "${frameworks//;/ }"
}

# Runs one test project's tests for one target framework, with tests/SETTINGS.runsettings when a fourth
# argument names one; TRX files land in $OUT/test-results. DAX tests need the VM's file systems: ./build.sh test-dax runs them.
run_tests() {
  local name=$1 project=$2 framework=$3 settings=${4:-} status=0
  local args=(-c "$CONFIG" -f "$framework" --no-build --nologo --logger "trx;LogFileName=$name-$framework.trx"
    --results-directory "$OUT/test-results" --filter "Category!=Dax")
  log "tests: $name ($framework)${settings:+ (tests/$settings.runsettings)}"
  if [[ -n $settings ]]; then
    # The settings file sets the variables; -u keeps one exported in this shell from leaking into a run that leaves it empty.
    env -u PMEM_IS_PMEM_FORCE -u PMDKSHARP_TEST_DIRS dotnet test "$project" "${args[@]}" --settings "$(settings_file "$settings")" || status=$?
  else
    dotnet test "$project" "${args[@]}" -- RunConfiguration.TreatNoTestsAsError=true || status=$?
  fi
  if ((status != 0)); then echo "$name ($framework): dotnet test exited with $status" >>"$OUT/test-results/exit-codes"; fi
}

# The library suite (tests/PmdkSharp.Tests) in each setting of PMDKSHARP_TEST_SETTINGS, for each target framework.
library_suite() {
  local framework setting
  for framework in $(frameworks_of tests/PmdkSharp.Tests); do
    for setting in ${PMDKSHARP_TEST_SETTINGS:-emulated-pmem msync-path}; do
      run_tests "$setting" tests/PmdkSharp.Tests "$framework" "$setting"
    done
  done
}

test_library() {
  rm -rf "$OUT/test-results"; mkdir -p "$OUT/test-results"
  library_suite
  tests/summarize-trx.sh "$OUT/test-results"
}

test_all() {
  deps
  build
  check_regen
  rm -rf "$OUT/test-results"; mkdir -p "$OUT/test-results"
  local framework
  for framework in $(frameworks_of tests/PmdkSharp.Generator.Tests); do run_tests generator tests/PmdkSharp.Generator.Tests "$framework"; done
  for framework in $(frameworks_of tests/PmdkSharp.Cli.Tests); do run_tests cli tests/PmdkSharp.Cli.Tests "$framework"; done
  # The library ships net8.0 and net10.0 and its suite runs on both (the net8.0 build is self-contained: it
  # brings the .NET 8 runtime, which is not installed). libpmem reads PMEM_IS_PMEM_FORCE once per process,
  # so emulated pmem and the msync path are two runs.
  library_suite
  for framework in $(frameworks_of tests/PmdkSharp.Extensions.Hosting.Tests); do
    run_tests hosting tests/PmdkSharp.Extensions.Hosting.Tests "$framework" msync-path
  done
  tests/summarize-trx.sh "$OUT/test-results"
}

# The pmemsharp tool (src/PmdkSharp.Cli; its apphost beside the .dll, set by build_tool) and the C baseline
# it compares CopyPersist against.
PMEMSHARP=
NATIVE_BENCH="$OUT/native/copy_persist"

build_tool() {
  log "dotnet build src/PmdkSharp.Cli ($CONFIG)"
  dotnet build src/PmdkSharp.Cli -c "$CONFIG" --no-restore --nologo -v q -clp:ErrorsOnly
  PMEMSHARP=$(target_path src/PmdkSharp.Cli/PmdkSharp.Cli.csproj)
  PMEMSHARP=${PMEMSHARP%.dll}
  log "gcc native/bench/copy_persist.c"
  mkdir -p "$OUT/native"
  gcc -O2 -Wall -Wextra -Werror -o "$NATIVE_BENCH" native/bench/copy_persist.c -lpmem -lpthread
}

demo() {
  deps >/dev/null
  build_tool
  log "pmemsharp info"
  "$PMEMSHARP" info
  log "pmemsharp bench --quick --out $OUT/bench"
  "$PMEMSHARP" bench --quick --out "$OUT/bench" --native-bench "$NATIVE_BENCH"
}

# CI smoke: every bench section at a tiny size; no timing is asserted, only that it runs and writes its files.
bench_smoke() {
  build_tool
  log "pmemsharp bench --size 8M (smoke)"
  rm -rf "$OUT/bench-smoke"
  "$PMEMSHARP" bench --size 8M --out "$OUT/bench-smoke" --native-bench "$NATIVE_BENCH"
  for f in results.json results.csv results.md first-touch.png growth.png copy-persist.png; do
    [[ -s "$OUT/bench-smoke/$f" ]] || { echo "bench smoke: $f missing" >&2; return 1; }
  done
  log "log-retention (smoke: 300000 appends through a 4 MiB ring; the bounds are checked)"
  log_retention /dev/shm 300000 4 1 PMEM_IS_PMEM_FORCE=1
}

# One log-retention run (tests/PmdkSharp.Benchmarks/LogRetentionRun.cs): DIR APPENDS WINDOW_MIB ROUNDS [VAR=VALUE...];
# it exits non-zero when the file, the mapping or its resident bytes passed the window. COMPARE_APPENDS, when set, is the
# appends of each round of the with/without head drops comparison (default: APPENDS, at most half the window).
log_retention() {
  local dir=$1 appends=$2 window=$3 rounds=$4 dll
  shift 4
  dll=$(target_path tests/PmdkSharp.Benchmarks/PmdkSharp.Benchmarks.csproj)
  [[ -f $dll ]] || dotnet build tests/PmdkSharp.Benchmarks -c "$CONFIG" --nologo -v q -clp:ErrorsOnly
  env "$@" dotnet "$dll" log-retention --dir "$dir" --appends "$appends" --window-mib "$window" --rounds "$rounds" \
    --compare-appends "${COMPARE_APPENDS:-0}"
}

log_soak() {
  deps >/dev/null
  build
  mkdir -p "$OUT" /var/tmp/pmdksharp-soak
  {
    log_retention /dev/shm "${PMDKSHARP_SOAK_APPENDS:-1000000000}" 256 3 PMEM_IS_PMEM_FORCE=1
    COMPARE_APPENDS=20000 log_retention /var/tmp/pmdksharp-soak "${PMDKSHARP_SOAK_DISK_APPENDS:-1000000}" 256 3
  } 2>&1 | tee "$OUT/log-soak.txt"
  return "${PIPESTATUS[0]}"
}

# tests/PmdkSharp.PeerBench: its own project, so the shipped pmemsharp tool carries no peer dependency.
peer_bench() {
  log "dotnet build tests/PmdkSharp.PeerBench ($CONFIG)"
  dotnet build tests/PmdkSharp.PeerBench -c "$CONFIG" --no-restore --nologo -v q -clp:ErrorsOnly
  local exe
  exe=$(target_path tests/PmdkSharp.PeerBench/PmdkSharp.PeerBench.csproj)
  log "peerbench $*"
  "${exe%.dll}" "$@"
}

peer_bench_smoke() {
  rm -rf "$OUT/peer-bench-smoke"
  peer_bench --smoke --out "$OUT/peer-bench-smoke"
  for f in peers.md results.json; do
    [[ -s "$OUT/peer-bench-smoke/$f" ]] || { echo "peer-bench smoke: $f missing" >&2; return 1; }
  done
}

# BenchmarkDotNet micro costs (short job); extra arguments go to BenchmarkDotNet (e.g. --filter '*Persist*').
bench() {
  deps >/dev/null
  log "BenchmarkDotNet (tests/PmdkSharp.Benchmarks)"
  dotnet run -c Release --project tests/PmdkSharp.Benchmarks --no-restore -- --artifacts "$OUT/benchmarkdotnet" "$@"
}

# In a qemu VM with an emulated NVDIMM (tests/dax/), one VM at a time:
#   1. ADR (persistence domain memory_controller): how each backend maps a file on DAX and on plain
#      ext4, then the DAX tests (fsdax, devdax, failing disk) and every test that takes a directory
#      except the reliability suite's (time-based, far too slow under TCG; the power cuts cover it);
#   2. eADR (cpu_cache): the DAX tests again (granularity Byte, auto-flush), not the failing-disk ones
#      (msync path: the persistence domain does not matter there);
#   3. power cuts (tests/dax/power-cut.sh): qemu SIGKILLed PMDKSHARP_POWER_CUTS times (default 3).
# Every part writes a TRX into .build/test-results/dax; the timings go to stderr.
test_dax() {
  deps
  build
  local results="$OUT/test-results/dax" status=0 part=0 t0=$SECONDS t1 t2
  local host tests
  host=$(target_path tests/PmdkSharp.TestHost/PmdkSharp.TestHost.csproj)
  tests=$(target_path tests/PmdkSharp.Tests/PmdkSharp.Tests.csproj)
  rm -rf "$results"; mkdir -p "$results"
  log "test-dax 1/3: ADR, DAX tests and every test that takes a directory"
  PMDKSHARP_VM_TIMEOUT=${PMDKSHARP_VM_TIMEOUT:-1800} PMDKSHARP_VM_PERSISTENCE=adr PMDKSHARP_VM_OUT_DIR="$results" tests/dax/run-in-vm.sh bash -c '
    host=$1 tests=$2 results=$3
    for dir in "$PMDKSHARP_DAX_DIR" "$PMDKSHARP_NODAX_DIR"; do
      for backend in pmdk managed; do
        printf "probe %s %s: " "$dir" "$backend"
        dotnet "$host" open "$dir/probe-$backend.pmem" 4194304 "$backend" || exit 1
      done
    done
    exec dotnet test "$tests" --filter "Category=Dax|(DisplayName~/mnt/&FullyQualifiedName!~.Reliability.)" \
      --logger "trx;LogFileName=dax-adr.trx" --results-directory "$results"' test-dax "$host" "$tests" "$results" || part=$?
  if ((part != 0)); then echo "test-dax (ADR): exited with $part" >>"$OUT/test-results/exit-codes"; status=$part; part=0; fi
  t1=$SECONDS
  log "test-dax 2/3: eADR, DAX tests"
  PMDKSHARP_VM_PERSISTENCE=eadr PMDKSHARP_VM_OUT_DIR="$results" tests/dax/run-in-vm.sh \
    dotnet test "$tests" --filter "Category=Dax&FullyQualifiedName!~PersistIoError" --logger "trx;LogFileName=dax-eadr.trx" --results-directory "$results" || part=$?
  if ((part != 0)); then echo "test-dax (eADR): exited with $part" >>"$OUT/test-results/exit-codes"; status=$part; part=0; fi
  t2=$SECONDS
  log "test-dax 3/3: power cuts"
  tests/dax/power-cut.sh --host-dll "$host" --cycles "${PMDKSHARP_POWER_CUTS:-3}" --out "$results/power-cut" || part=$?
  if ((part != 0)); then echo "test-dax (power cuts): exited with $part" >>"$OUT/test-results/exit-codes"; status=$part; fi
  echo "test-dax timings: ADR $((t1 - t0)) s, eADR $((t2 - t1)) s, power cuts $((SECONDS - t2)) s, total $((SECONDS - t0)) s" >&2
  tests/summarize-trx.sh "$results"
  return $status
}

PACKAGES=$ROOT/.build/packages  # fixed: samples/NuGet.config points here
NATIVE_RIDS=(linux-x64 linux-arm64)

# Every package, from one version: $PmdkSharpVersion (Directory.Build.props) with a prerelease suffix that
# changes per pack (dev.COMMITS.EPOCH_SECONDS), so no NuGet cache can hold an older pack under the same version.
# PMDKSHARP_VERSION_SUFFIX overrides it; set it empty for the release version. The version packed is written to
# $PACKAGES/version.txt, where the samples and checks read it ($(PmdkSharpPackageVersion)).
pack() {
  deps >/dev/null
  local rid p suffix
  suffix=${PMDKSHARP_VERSION_SUFFIX-dev.$(git rev-list --count HEAD 2>/dev/null || echo 0).$(date -u +%s)}
  for rid in "${NATIVE_RIDS[@]}"; do
    log "staging $rid native assets (apt-get download, dpkg-deb -x, patchelf)"
    native/package/stage.sh "$OUT/native-stage/$rid" "$rid"
  done
  rm -rf "$PACKAGES"; mkdir -p "$PACKAGES"
  log "dotnet pack -> $PACKAGES (version suffix '${suffix}')"
  for p in native/package/PmdkSharp.Native.linux-x64.csproj native/package/PmdkSharp.Native.linux-arm64.csproj \
      src/PmdkSharp/PmdkSharp.csproj src/PmdkSharp.Extensions.Hosting/PmdkSharp.Extensions.Hosting.csproj \
      src/PmdkSharp.Cli/PmdkSharp.Cli.csproj; do
    dotnet pack "$p" -c Release --nologo -v q -clp:ErrorsOnly -p:ContinuousIntegrationBuild=true \
      -p:VersionSuffix="$suffix" \
      -p:NativeStagingDir="$OUT/native-stage/" -o "$PACKAGES"
  done
  dotnet msbuild src/PmdkSharp/PmdkSharp.csproj -getProperty:PmdkSharpVersion | tr -d '[:space:]' >"$PACKAGES/version.txt"
  [[ -z $suffix ]] || printf -- '-%s' "$suffix" >>"$PACKAGES/version.txt"
  ls -l "$PACKAGES" >&2
  echo "packed version $(cat "$PACKAGES/version.txt")" >&2
}

sample_check() {
  pack
  samples/check.sh "$OUT/samples"
  samples/tool-check.sh "$OUT/tool-check"
  samples/readme-check.sh
}

# linux-arm64 on this x86-64 machine: the bindings regenerated for aarch64 and diffed, then the packed feed's
# AotSmoke published self-contained for linux-arm64 and run under qemu-user, with and without the native asset.
# Packs first unless PMDKSHARP_REUSE_PACK=1 and a pack exists (CI runs it right after sample-check).
arm64_check() {
  deps >/dev/null
  if [[ ${PMDKSHARP_REUSE_PACK:-0} != 1 || ! -f $PACKAGES/version.txt ]]; then pack; fi
  native/bindings/check-arch.sh "$OUT/arm64-check" arm64
  samples/arm64-check.sh "$OUT/arm64-check/smoke"
}

# tests/PmdkSharp.Tests/Reliability alone, in both settings, long mode unless PMDKSHARP_LONG=0; on net10.0 only
# (./build.sh test runs the short mode on net8.0 too).
reliability() {
  deps
  build
  local report=$OUT/reliability.txt status=0
  mkdir -p "$OUT"; : >"$report"
  for setting in emulated-pmem msync-path; do
    log "reliability: tests/$setting.runsettings"
    env -u PMEM_IS_PMEM_FORCE -u PMDKSHARP_TEST_DIRS \
      PMDKSHARP_LONG="${PMDKSHARP_LONG:-1}" PMDKSHARP_REQUIRE_PMDK=1 PMDKSHARP_RELIABILITY_REPORT="$report" \
      dotnet test tests/PmdkSharp.Tests -c "$CONFIG" --no-build --nologo --settings "$(settings_file "$setting")" \
      -f "$(frameworks_of tests/PmdkSharp.Tests | awk '{print $NF}')" --filter "FullyQualifiedName~PmdkSharp.Tests.Reliability" || status=$?
  done
  log "figures ($report)"
  sort -t$'\t' -k3 "$report"
  return "$status"
}

case "${1:-}" in
  deps) deps ;;
  build) restore; build ;;
  regen) regen ;;
  check-regen) check_regen ;;
  test) test_all ;;
  test-library) test_library ;;
  demo) demo ;;
  bench) shift; bench "$@" ;;
  bench-smoke) deps >/dev/null; bench_smoke ;;
  peer-bench) shift; deps >/dev/null; peer_bench --out "$OUT/peer-bench" "$@" ;;
  peer-bench-smoke) deps >/dev/null; peer_bench_smoke ;;
  log-soak) log_soak ;;
  test-dax) test_dax ;;
  pack) pack ;;
  sample-check) sample_check ;;
  arm64-check) arm64_check ;;
  reliability) reliability ;;
  apt-deps) apt_deps ;;  # deps without the restore (docker/Dockerfile's cached layer)
  test-docker) eng/test-docker.sh ;;
  mutation-check) shift; apt_deps; eng/mutation-check.sh "$@" ;;
  *) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 2 ;;
esac
