#!/usr/bin/env bash
# Runs README.md's "Use it from your project" block verbatim, as a new user would: in an empty directory outside
# the repository (so none of its MSBuild or NuGet files apply), with PMDKSHARP pointing at the repository and a
# fresh NuGet packages folder. The program it writes must print the reopened, grown file and the diagnostics.
# Usage: samples/readme-check.sh   (after ./build.sh pack)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
fail() { echo "readme-check: FAIL: $*" >&2; exit 1; }
[[ -f $root/.build/packages/version.txt ]] || fail "no packed feed: run ./build.sh pack"
work=$(mktemp -d /tmp/pmdksharp-readme-check.XXXXXX)
trap 'rm -rf "$work"' EXIT
script=$work/readme-block.sh
# The fenced block between the readme-check markers, without the fence lines.
sed -n '/<!-- readme-check:begin/,/<!-- readme-check:end -->/p' "$root/README.md" | sed '1,2d; $d' | sed '$d' >"$script"
[[ $(grep -c . "$script") -gt 10 ]] || fail "README.md's readme-check block not found"
mkdir "$work/empty"
echo "== readme-check: README.md's block, verbatim, in $work/empty (PMDKSHARP=$root, version $(cat "$root/.build/packages/version.txt"))" >&2
start=$SECONDS
(cd "$work/empty" && env PMDKSHARP="$root" NUGET_PACKAGES="$work/nuget" DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 \
  bash -euo pipefail "$script") >"$work/out.txt" 2>&1 || { cat "$work/out.txt" >&2; fail "the README block failed"; }
tail -n 3 "$work/out.txt" >&2
grep -q '^hello: 4194304 of 67108864 bytes$' "$work/out.txt" || { cat "$work/out.txt" >&2; fail "unexpected output"; }
grep -q 'LibpmemSource = Package' "$work/out.txt" || { cat "$work/out.txt" >&2; fail "libpmem did not come from the package"; }
echo "readme-check: OK ($((SECONDS - start)) s)" >&2
