#!/usr/bin/env bash
# Downloads Debian packages for one architecture into a directory, on any Debian host:
#   native/package/apt-download.sh ARCH DEST_DIR PACKAGE...
# For the host's own architecture this is plain `apt-get download`. For another one (arm64 on an
# x86-64 machine) apt runs with a private state directory whose sources are the system's own Debian
# sources restricted to ARCH, so the system's apt configuration and dpkg architectures stay untouched.
# The private package lists are kept in $PMDKSHARP_APT_CACHE (default .build/apt-ARCH) and refreshed
# when older than a day.
set -euo pipefail
arch=${1:?usage: apt-download.sh ARCH DEST_DIR PACKAGE...}
dest=${2:?usage: apt-download.sh ARCH DEST_DIR PACKAGE...}
shift 2
mkdir -p "$dest"

if [[ $arch == "$(dpkg --print-architecture)" ]]; then
  (cd "$dest" && apt-get download -q "$@" >/dev/null 2>&1) || {
    # The package lists may be missing or stale (a fresh container): refresh once and retry.
    apt-get update -qq
    (cd "$dest" && apt-get download -q "$@" >/dev/null)
  }
  exit 0
fi

root=$(cd "$(dirname "$0")/../.." && pwd)
state=$(realpath -m "${PMDKSHARP_APT_CACHE:-$root/.build/apt-$arch}")
mkdir -p "$state/sources.list.d" "$state/lists/partial" "$state/cache/archives/partial"

# The system's deb822 sources (or one-line sources.list entries), each limited to ARCH.
sources=$state/sources.list.d/system.sources
: >"$sources.new"
for f in /etc/apt/sources.list.d/*.sources; do
  [[ -e $f ]] || continue
  sed -e '/^Architectures:/d' -e "s/^Types:.*/&\nArchitectures: $arch/" "$f" >>"$sources.new"
  echo >>"$sources.new"
done
if [[ -s /etc/apt/sources.list ]]; then
  grep -E '^deb ' /etc/apt/sources.list | sed -E "s/^deb (\[[^]]*\] )?/deb [arch=$arch] /" \
    >"$state/sources.list.d/system.list" || true
fi
mv "$sources.new" "$sources"

apt_private=(-o "APT::Architecture=$arch" -o "APT::Architectures::=$arch"
  -o "Dir::Etc::SourceList=/dev/null" -o "Dir::Etc::SourceParts=$state/sources.list.d"
  -o "Dir::State::Lists=$state/lists" -o "Dir::Cache=$state/cache" -o "Dir::State::status=/dev/null"
  -o "Debug::NoLocking=1" -o "APT::Sandbox::User=root")

if [[ -z $(find "$state/lists" -maxdepth 1 -name '*Packages*' -mmin -1440 -print -quit) ]]; then
  apt-get "${apt_private[@]}" update -qq
fi
(cd "$dest" && apt-get "${apt_private[@]}" download -q "${@/%/:$arch}" >/dev/null)
