#!/usr/bin/env bash
# Sums every TRX file under a directory into one line: "N passed, N failed, N skipped".
# A test run whose dotnet test failed without a failed test (a crashed host) counts as one failure.
# Each failed test is named on stderr, with the first line of its message, so a log's tail says which.
# Exits non-zero when anything failed.
set -euo pipefail
dir=${1:?usage: summarize-trx.sh DIR}
passed=0 failed=0 skipped=0
while IFS= read -r -d '' trx; do
  counters=$(grep -o '<Counters [^>]*>' "$trx" || true)
  get() { sed -n "s/.* $1=\"\([0-9]*\)\".*/\1/p" <<<"$counters"; }
  # xunit's skipped tests are results with outcome NotExecuted that no counter holds: total - executed counts them.
  p=$(get passed); f=$(get failed); e=$(get error); t=$(get total); x=$(get executed)
  passed=$((passed + ${p:-0})); failed=$((failed + ${f:-0} + ${e:-0})); skipped=$((skipped + ${t:-0} - ${x:-0}))
  if ((${f:-0} + ${e:-0} > 0)); then
    # A result element opens on one line (testName before outcome); its message starts a few lines below.
    awk -v trx="${trx#"$dir"/}" '
      /<UnitTestResult / && /outcome="(Failed|Error)"/ { match($0, /testName="[^"]*"/); name = substr($0, RSTART + 10, RLENGTH - 11); want = 1; next }
      want && /<Message>/ { sub(/.*<Message>/, ""); sub(/<\/Message>.*/, ""); gsub(/&quot;/, "\"", name); print "FAILED " name " [" trx "]: " $0 > "/dev/stderr"; want = 0 }
    ' "$trx"
  fi
done < <(find "$dir" -name '*.trx' -print0)
if [[ -f $dir/exit-codes ]]; then
  sed 's/^/FAILED run: /' "$dir/exit-codes" >&2
fi
if [[ -f $dir/exit-codes ]] && ((failed == 0)); then
  failed=$(wc -l <"$dir/exit-codes")
fi
echo "$passed passed, $failed failed, $skipped skipped"
((failed == 0))
