#!/usr/bin/env bash
# Proves the committed bindings (generated/*.g.cs, generated on x86-64) hold on another architecture:
#   native/bindings/check-arch.sh WORK_DIR [DEBIAN_ARCH=arm64]
# 1. Debian's libpmem-dev/libpmem2-dev headers for ARCH are byte-identical to the host's (they are what is parsed).
# 2. The generator runs again with clang targeting ARCH (--target=aarch64-linux-gnu) over ARCH's own glibc and
#    kernel headers (libc6-dev, linux-libc-dev for ARCH, dpkg-deb -x), and its output is diffed against generated/.
#    Every constant that differs must be one the library never uses (MAP_32BIT exists on x86-64 only, PROT_BTI and
#    PROT_MTE on aarch64 only); any other difference, or any difference in a function signature, fails.
# 3. Every function the bindings import is exported by ARCH's libpmem.so.1 / libpmem2.so.1 (readelf --dyn-syms).
# The comparison is written to WORK_DIR/bindings-ARCH.diff.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
work=${1:?usage: check-arch.sh WORK_DIR [DEBIAN_ARCH]}
arch=${2:-arm64}
case $arch in
  arm64) triplet=aarch64-linux-gnu ;;
  *) echo "check-arch.sh: no clang target known for $arch" >&2; exit 2 ;;
esac
fail() { echo "check-arch: FAIL: $*" >&2; exit 1; }
mkdir -p "$work"; work=$(realpath "$work")
debs=$work/debs-$arch sysroot=$work/headers-$arch out=$work/generated-$arch
rm -rf "$sysroot" "$out"; mkdir -p "$sysroot" "$out"

"$root/native/package/apt-download.sh" "$arch" "$debs" libc6-dev linux-libc-dev libpmem-dev libpmem2-dev libpmem1 libpmem2
for deb in "$debs"/*.deb; do dpkg-deb -x "$deb" "$sysroot"; done

# 1. The PMDK headers are architecture-independent: the host's copy is what the generator parses.
for h in libpmem.h libpmem2.h libpmem2; do
  diff -r "/usr/include/$h" "$sysroot/usr/include/$h" >/dev/null || fail "/usr/include/$h differs between the host and $arch"
done
echo "check-arch: libpmem.h, libpmem2.h, libpmem2/*.h identical for $(dpkg --print-architecture) and $arch" >&2

# 2. Generate for the target, with the host's package versions in the banner so only real differences show.
args=(--out "$out" --clang-arg "--target=$triplet" --clang-arg -isystem --clang-arg "$sysroot/usr/include/$triplet")
for pkg in libpmem-dev libpmem2-dev libc6-dev; do
  args+=(--package-version "$pkg=$(dpkg-query -W -f='${Version}' "$pkg")")
done
dotnet run --project "$root/src/PmdkSharp.Generator/PmdkSharp.Generator.csproj" -c Release --no-launch-profile -- \
  "${args[@]}" "$here/libpmem.json" "$here/libpmem2.json" "$here/libc.json" >&2
report=$work/bindings-$arch.diff
diff -u -r "$root/generated" "$out" >"$report" || true

# Which constants differ, and does the library use any of them?
changed=$(grep -E '^[-+] +public const ' "$report" | sed -E 's/^[-+] +public const [^ ]+ ([A-Za-z0-9_]+) = (.*);/\1 \2/' | sort -u || true)
other=$(grep -E '^[-+][^-+]' "$report" | grep -vE '^[-+] +public const ' | grep -vE '^[-+] +/// <summary>' | grep -vE '^[-+]$' || true)
[[ -z $other ]] || { cat "$report" >&2; fail "the $arch bindings differ beyond constants:"$'\n'"$other"; }
while read -r name _; do
  [[ -n $name ]] || continue
  if grep -rqw --include='*.cs' "$name" "$root/src"; then
    fail "$name differs on $arch and the library uses it: generate per architecture"
  fi
done <<<"$changed"
echo "check-arch: generated for $triplet; differing constants (none used by src/): $(awk '{print $1}' <<<"$changed" | sort -u | tr '\n' ' ')" >&2

# 3. Every imported function exists in the target's libraries.
for lib in libpmem.so.1:Libpmem.g.cs libpmem2.so.1:Libpmem2.g.cs; do
  so=$(find "$sysroot" -name "${lib%%:*}" | head -n 1)
  exports=$(LC_ALL=C readelf --dyn-syms -W "$so" | awk '$4 == "FUNC" && $7 != "UND" {sub(/@.*/, "", $8); print $8}' | sort -u)
  for fn in $(grep -oE 'public static (unsafe )?partial [^(]+ [a-z0-9_]+\(' "$root/generated/${lib##*:}" | sed -E 's/.* ([a-z0-9_]+)\($/\1/'); do
    grep -qx "$fn" <<<"$exports" || fail "$fn is imported but not exported by $arch's ${lib%%:*}"
  done
done
echo "check-arch: every imported libpmem/libpmem2 function is exported by the $arch libraries" >&2

# 4. The generated structs have ARCH's C layout: the probe PmdkSharp.TestHost writes (sizeof and offsetof of every
#    struct in generated/ with fields), cross-compiled statically and run under qemu-user, must print what .NET's
#    layout of those structs is (the TestHost's layout-expected; sequential structs of fixed-width fields and nuint
#    lay out alike on every 64-bit target). tests/PmdkSharp.Tests/Interop/GeneratedStructLayoutTests does the same on the host.
cc=$triplet-gcc qemu=qemu-$(cut -d- -f1 <<<"$triplet")-static
missing=()
command -v "$cc" >/dev/null || missing+=("gcc-$triplet")
dpkg-query -W -f='${Status}' "libc6-dev-$arch-cross" 2>/dev/null | grep -q 'install ok installed' || missing+=("libc6-dev-$arch-cross")
command -v "$qemu" >/dev/null || missing+=(qemu-user-static)
if ((${#missing[@]})); then
  echo "check-arch: apt-get install ${missing[*]}" >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
dotnet build "$root/tests/PmdkSharp.TestHost" -c Release -f net10.0 --nologo -v q -clp:ErrorsOnly >&2
testhost=(dotnet "$(dotnet msbuild "$root/tests/PmdkSharp.TestHost" -nologo -getProperty:TargetPath -p:Configuration=Release -p:TargetFramework=net10.0)")
"${testhost[@]}" layout-probe >"$work/layout-probe.c"
"${testhost[@]}" layout-expected >"$work/layout-expected.txt"
# The cross compiler's own glibc and kernel headers come first; the PMDK headers (identical on every architecture, step 1) after.
"$cc" -static -Wall -Werror -I "$here" -idirafter "$sysroot/usr/include" -o "$work/layout-probe-$arch" "$work/layout-probe.c"
"$qemu" "$work/layout-probe-$arch" >"$work/layout-$arch.txt"
diff -u "$work/layout-expected.txt" "$work/layout-$arch.txt" >&2 || fail "struct layouts on $arch differ from the generated structs"
echo "check-arch: $(grep -c ' size ' "$work/layout-$arch.txt") generated structs, $(grep -c ' offset ' "$work/layout-$arch.txt") fields: $arch's C layout equals .NET's" >&2
