#!/usr/bin/env bash
# ./build.sh mutation-check [--smoke] [--baseline] [NAME...]: every mutant in eng/mutants.txt (or the smoke subset, or
# the ones named) applied one at a time to a scratch copy of the tree (never this one), built, and run against the test
# classes that should kill it. A mutant is killed only when a test fails by assertion: the TRX must list a failed test
# and must not report a crashed or aborted test host. Fails unless every mutant run is killed; pending ones are listed.
# --baseline first runs every listed test class on the unmutated copy (each must pass there, or a kill proves nothing).
# Output: one line per mutant (KILLED by which test, SURVIVED, CRASHED, PENDING, BROKEN), then a summary; the TRX files
# (renamed *.trx.mutant) and logs are under $OUT/mutation/results, the scratch copy under /var/tmp. Only net10.0 is built
# and run: the library in the copy, the tests and test host here (unmutated), their outputs copied next to the copy.
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
OUT=${PMDKSHARP_OUT:-$ROOT/.build}/mutation
CONFIG=${CONFIGURATION:-Release}
LIST=${PMDKSHARP_MUTANTS:-$ROOT/eng/mutants.txt}
RESULTS=$OUT/results
# The scratch copy lives outside the repository: tools that search the tree for project files (BenchmarkDotNet, dotnet sln)
# must not find a second copy of every project. One per checkout, kept between runs so the next build is incremental.
SCRATCH=${PMDKSHARP_MUTATION_SCRATCH:-/var/tmp/pmdksharp-mutation-$(printf %s "$ROOT" | md5sum | cut -c1-12)}
TREE=$SCRATCH/tree
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1 DOTNET_NOLOGO=1 PMDKSHARP_REQUIRE_PMDK=1

smoke=0 baseline=0 only=()
for arg in "$@"; do
  case $arg in
    --smoke) smoke=1 ;;
    --baseline) baseline=1 ;;
    -*) echo "mutation-check: unknown option $arg" >&2; exit 2 ;;
    *) only+=("$arg") ;;
  esac
done

# --- the list: parallel arrays, one entry per mutant block
names=() files=() finds=() replaces=() tests=() settings=() smokes=() pendings=()
add_block() {
  [[ -n ${m_name:-} ]] || return 0
  names+=("$m_name") files+=("$m_file") finds+=("$m_find") replaces+=("$m_replace") tests+=("$m_tests")
  settings+=("$m_settings") smokes+=("${m_smoke:-no}") pendings+=("${m_pending:-}")
  m_name= m_file= m_find= m_replace= m_tests= m_settings= m_smoke= m_pending=
}
m_name=
while IFS= read -r line || [[ -n $line ]]; do
  [[ $line =~ ^[[:space:]]*(#|$) ]] && continue
  key=${line%%[[:space:]]*} value=${line#"$key"}; value=${value#"${value%%[![:space:]]*}"}
  case $key in
    mutant) add_block; m_name=$value ;;
    file) m_file=$value ;; find) m_find=$value ;; replace) m_replace=$value ;; tests) m_tests=$value ;;
    settings) m_settings=$value ;; smoke) m_smoke=$value ;; pending) m_pending=$value ;;
    *) echo "mutation-check: $LIST: unknown key '$key'" >&2; exit 2 ;;
  esac
done <"$LIST"
add_block

selected=()
for i in "${!names[@]}"; do
  if ((${#only[@]})); then
    for n in "${only[@]}"; do [[ ${names[i]} == "$n" ]] && selected+=("$i"); done
  elif ((smoke == 0)) || [[ ${smokes[i]} == yes ]]; then
    selected+=("$i")
  fi
done
((${#selected[@]})) || { echo "mutation-check: no mutant selected" >&2; exit 2; }

# --- the scratch copy: the tracked files as they are in the working tree (uncommitted edits included)
log() { printf '\n== [mutation-check] %s\n' "$*" >&2; }
t0=$SECONDS
log "scratch copy in $TREE"
mkdir -p "$TREE" "$RESULTS"
exec 9>"$SCRATCH/lock"
flock -n 9 || { log "another mutation-check holds $SCRATCH/lock: waiting"; flock 9; }
rm -rf "$RESULTS"/*
# Sources only, as tracked now (files deleted or moved since the last run go): bin/ and obj/ of an earlier run stay, and
# tar keeps each file's mtime, so a second run builds incrementally.
find "$TREE" -mindepth 1 \( -name bin -o -name obj \) -prune -o -type f -print0 | xargs -0 -r rm -f
git ls-files -z | tar --null -T - --ignore-failed-read -cf - 2>/dev/null | tar -C "$TREE" -xf -
# A file mutated by an earlier run got its old mtime back from tar, older than the mutant's build: touch it, or MSBuild
# would call that build up to date.
if [[ -f $SCRATCH/mutated ]]; then (cd "$TREE" && xargs -r -d '\n' touch -c -- <"$SCRATCH/mutated"); rm -f "$SCRATCH/mutated"; fi

# Every mutant is in the library, and a one-line change leaves its API alone: only the library is built in the copy. The
# tests and the test host come built from this checkout (their net10.0 output, copied beside the copy's sources so the
# tests find the copy's test host) and run against the mutated PmdkSharp.dll copied over theirs.
TESTS_BIN=tests/PmdkSharp.Tests/bin/$CONFIG/net10.0 HOST_BIN=tests/PmdkSharp.TestHost/bin/$CONFIG/net10.0
LIBRARY_BIN=src/PmdkSharp/bin/$CONFIG/net10.0
build() {  # build LOG: the library for net10.0 in the scratch copy, then into the copied test outputs
  # ContinuousIntegrationBuild (CI=true) wants deterministic source paths from a git repository: the copy is none.
  dotnet build "$TREE/src/PmdkSharp" -c "$CONFIG" -f net10.0 --nologo -v q -clp:ErrorsOnly \
    -p:TreatWarningsAsErrors=false -p:ContinuousIntegrationBuild=false >"$1" 2>&1 || return 1
  cp "$TREE/$LIBRARY_BIN"/PmdkSharp.{dll,pdb} "$TREE/$TESTS_BIN/" && cp "$TREE/$LIBRARY_BIN"/PmdkSharp.{dll,pdb} "$TREE/$HOST_BIN/"
}

filter_of() {  # "A B" -> FullyQualifiedName~A|FullyQualifiedName~B
  local f= t
  for t in $1; do f+="${f:+|}FullyQualifiedName~$t"; done
  printf '%s' "$f"
}

# A mutant can hang a test (an append waiting for a commit the mutant never publishes): the blame collector kills
# the test host after PMDKSHARP_MUTANT_HANG_TIMEOUT, and the aborted run counts as CRASHED, not as a kill.
run_tests() {  # run_tests TRX SETTING FILTER: the exit status of dotnet test
  env -u PMEM_IS_PMEM_FORCE -u PMDKSHARP_TEST_DIRS dotnet test "$TREE/$TESTS_BIN/PmdkSharp.Tests.dll" \
    --nologo --settings "$TREE/tests/$2.runsettings" --filter "$3" --logger "trx;LogFileName=$1" --results-directory "$RESULTS" \
    --blame-hang-timeout "${PMDKSHARP_MUTANT_HANG_TIMEOUT:-10m}" \
    >"$RESULTS/${1%.trx}.log" 2>&1
}

failed_tests() {  # the names of the failed tests in a TRX, one a line
  perl -ne 'while (/<UnitTestResult\b[^>]*>/g) { my $r = $&; my $n; if ($r =~ /outcome="Failed"/ && $r =~ /testName="([^"]*)"/) { ($n = $1) =~ s/&quot;/"/g; $n =~ s/&lt;/</g; $n =~ s/&gt;/>/g; $n =~ s/&amp;/&/g; print "$n\n" } }' "$1"
}

crashed() {  # whether a TRX reports a test host that crashed or a run that was aborted
  [[ ! -s $1 ]] || grep -qiE 'test host process crashed|test run was aborted|outcome="Aborted"' "$1"
}

log "tests and test host built here (net10.0), copied to the scratch copy"
dotnet build "$ROOT/tests/PmdkSharp.Tests" -c "$CONFIG" -f net10.0 --nologo -v q -clp:ErrorsOnly >"$RESULTS/build-tests.log" 2>&1 \
  || { tail -n 30 "$RESULTS/build-tests.log" >&2; echo "mutation-check: the tests do not build" >&2; exit 1; }
for bin in "$TESTS_BIN" "$HOST_BIN"; do
  rm -rf "${TREE:?}/$bin"; mkdir -p "$TREE/$bin"; cp -a "$ROOT/$bin/." "$TREE/$bin/"
done

status=0
# The unmutated copy is built first, so a mutant's build is always incremental: a fresh copy's first build (restore, the
# native package projects) once failed under load where its retry passed, and must never be blamed on a mutant.
log "build (unmutated)"
if ! build "$RESULTS/build-unmutated.log"; then
  tail -n 30 "$RESULTS/build-unmutated.log" >&2
  log "the unmutated copy did not build: once more"
  if ! build "$RESULTS/build-unmutated.log"; then
    tail -n 30 "$RESULTS/build-unmutated.log" >&2
    echo "mutation-check: the unmutated copy does not build" >&2
    exit 1
  fi
fi
if ((baseline)); then
  for setting in emulated-pmem msync-path; do
    classes=
    for i in "${selected[@]}"; do
      [[ -z ${pendings[i]} && " ${settings[i]} " == *" $setting "* ]] && classes+=" ${tests[i]}"
    done
    classes=$(tr ' ' '\n' <<<"$classes" | sort -u | tr '\n' ' ')
    [[ -n ${classes// /} ]] || continue
    log "baseline ($setting): $classes"
    run_tests "baseline-$setting.trx" "$setting" "$(filter_of "$classes")"
    if crashed "$RESULTS/baseline-$setting.trx" || [[ -n $(failed_tests "$RESULTS/baseline-$setting.trx") ]]; then
      echo "mutation-check: the baseline fails ($setting): $(failed_tests "$RESULTS/baseline-$setting.trx" | tr '\n' ' ')" >&2
      status=1
    fi
  done
fi

killed=0 survived=0 pending=0 broken=0 report=()
for i in "${selected[@]}"; do
  name=${names[i]}
  if [[ -n ${pendings[i]} ]]; then
    report+=("PENDING   $name: needs ${pendings[i]}")
    pending=$((pending + 1))
    continue
  fi
  mapfile -t matches < <(git -C "$ROOT" ls-files src | grep -E "(^|/)${files[i]//./\\.}\$")
  if ((${#matches[@]} != 1)); then
    report+=("BROKEN    $name: '${files[i]}' names ${#matches[@]} files under src/")
    broken=$((broken + 1)); continue
  fi
  target=$TREE/${matches[0]}
  cp "$target" "$SCRATCH/original"
  printf '%s\n' "${matches[0]}" >>"$SCRATCH/mutated"
  count=$(FIND=${finds[i]} perl -0ne '$f = $ENV{FIND}; $f =~ s/\\n/\n/g; $n = () = /\Q$f\E/g; print $n' "$target")
  if [[ $count != 1 ]]; then
    report+=("BROKEN    $name: the find text occurs $count times in ${matches[0]}")
    broken=$((broken + 1)); continue
  fi
  FIND=${finds[i]} REPLACE=${replaces[i]} perl -0pi -e \
    '$f = $ENV{FIND}; $r = $ENV{REPLACE}; s/\\n/\n/g for $f, $r; s/\Q$f\E/$r/' "$target"
  log "$name (${matches[0]})"
  verdict= m0=$SECONDS
  if ! build "$RESULTS/build-$name.log"; then
    verdict="BROKEN    $name: does not compile (see $RESULTS/build-$name.log)"
    grep -E 'error|cannot|denied' "$RESULTS/build-$name.log" | head -n 10 >&2 || tail -n 10 "$RESULTS/build-$name.log" >&2
    broken=$((broken + 1))
  else
    for setting in ${settings[i]}; do
      trx=$name-$setting.trx
      run_tests "$trx" "$setting" "$(filter_of "${tests[i]}")"
      if crashed "$RESULTS/$trx"; then
        verdict="CRASHED   $name ($setting): the test host crashed or the run was aborted, no assertion failed"
        continue
      fi
      mapfile -t failed < <(failed_tests "$RESULTS/$trx")
      if ((${#failed[@]})); then
        classes=$(printf '%s\n' "${failed[@]}" | sed -E 's/\(.*//; s/\.[^.]*$//; s/.*\.//' | sort -u | tr '\n' ' ')
        verdict="KILLED    $name ($setting, $((SECONDS - m0)) s) by ${failed[0]}$( ((${#failed[@]} > 1)) && printf ' and %d more' $((${#failed[@]} - 1))) [${classes% }]"
        break
      fi
      verdict="SURVIVED  $name (${tests[i]} passed on ${settings[i]})"
    done
    if [[ $verdict == KILLED* ]]; then killed=$((killed + 1)); else survived=$((survived + 1)); fi
  fi
  report+=("$verdict")
  echo "$verdict" >&2
  cp "$SCRATCH/original" "$target"
done
# The TRX files hold the failures that killed the mutants: renamed so a sum over .build (tests/summarize-trx.sh) skips them.
for trx in "$RESULTS"/*.trx; do [[ -e $trx ]] && mv "$trx" "$trx.mutant"; done
# The copy is left unmutated (sources restored after each mutant); the next run's first build is incremental.

echo
printf '%s\n' "${report[@]}"
total=$((killed + survived + broken))
echo "mutation-check: $total run, $killed killed, $survived not killed, $broken broken, $pending pending ($((SECONDS - t0)) s)"
((survived == 0 && broken == 0 && status == 0))
