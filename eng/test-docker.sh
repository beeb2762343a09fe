#!/usr/bin/env bash
# ./build.sh test-docker: docker/Dockerfile built and run on this machine, which has no image registry.
# CI runs it with PMDKSHARP_DOCKER_SUITE=emulated (.ci/run). Details, settings and the last recorded run: docs/docker.md.
#
#  1. docker.io and debootstrap from apt when missing (root).
#  2. A dockerd of its own (started by PID, stopped on exit) unless one already answers on DOCKER_HOST or
#     /var/run/docker.sock. Ours: data root $DATA_ROOT, socket /run/pmdksharp-docker/docker.sock,
#     --bridge=none --iptables=false: no docker0, no iptables rules, nothing left behind; builds use the host's
#     network (--network host), test containers none (--network none: the tests need only loopback).
#  3. Base images, cached: pmdksharp-local/debian:bookworm (debootstrap --variant=minbase + docker import; the
#     rootfs tarball stays in $CACHE) and pmdksharp-local/dotnet-sdk:<version> (docker import of the host's
#     /usr/share/dotnet), passed as BASE_IMAGE and DOTNET_SDK_IMAGE.
#  4. docker build of a clean clone of HEAD (as CI sees the repo), tagged pmdksharp-test:latest and kept (it is
#     the layer cache for the next run; older builds are pruned).
#  5. docker run --shm-size=4g --cap-add SYS_ADMIN: ./build.sh test (PMDKSHARP_DOCKER_SUITE=emulated: ./build.sh
#     test-library, the library suite's emulated-pmem setting on net10.0 only); the TRX files are copied to
#     $CACHE/test-results, the container is removed, the summary line printed; exits with the suite's status.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
CACHE=${PMDKSHARP_CACHE:-$ROOT/.build}/docker
# Outside the repository: image layers hold copies of the source tree, which tools that search the
# tree for project files (BenchmarkDotNet, dotnet sln) would otherwise find.
DATA_ROOT=${PMDKSHARP_DOCKER_DATA_ROOT:-/var/lib/pmdksharp-docker}
DOCKER=/usr/bin/docker   # Debian's client (another one may come first in PATH)
IMAGE=${PMDKSHARP_DOCKER_IMAGE:-pmdksharp-test:latest}
LABEL=org.pmdksharp.test-docker=1
RUNDIR=/run/pmdksharp-docker
export DOCKER_BUILDKIT=0   # the classic builder: no buildx plugin needed, --network host allowed

log() { printf '\n== [test-docker] %s\n' "$*" >&2; }
die() { echo "test-docker: $*" >&2; exit 1; }
stage_start=$SECONDS started_at=$(date -u +%FT%TZ) timings=()
stage() { timings+=("$1 $((SECONDS - stage_start))s"); stage_start=$SECONDS; }

# The Debian mirror this machine's apt already uses (from the package lists its sources produced): the
# archive of its main suite, or with "security" of its security suite. Empty when apt knows none.
host_apt_mirror() {
  apt-get indextargets --format '$(REPO_URI) $(RELEASE) $(TARGET_OF)' 2>/dev/null | sort -u |
    while read -r uri release type; do
      [[ $type == deb ]] || continue
      case $1:$release in
        main:*-security | main:*-updates | main:*-backports | main:*-proposed-updates) ;;
        main:*) echo "${uri%/}"; break ;;
        security:*-security) echo "${uri%/}"; break ;;
      esac
    done
}

[[ $(id -u) -eq 0 ]] || die "needs root (dockerd, debootstrap, apt-get)"
mkdir -p "$CACHE"
exec 9>"$CACHE/lock"
flock -n 9 || { log "another test-docker run holds $CACHE/lock: waiting"; flock 9; }

avail_gb=$(df -P --block-size=1G "$CACHE" | awk 'NR==2 {print $4}')
((avail_gb >= ${PMDKSHARP_DOCKER_MIN_FREE_GB:-8})) || die "only ${avail_gb} GB free under $CACHE (need ${PMDKSHARP_DOCKER_MIN_FREE_GB:-8})"

# 1. packages
missing=()
[[ -x /usr/sbin/dockerd && -x $DOCKER ]] || missing+=(docker.io)
command -v debootstrap >/dev/null || missing+=(debootstrap)
if ((${#missing[@]})); then
  log "apt-get install ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# 2. the daemon
dockerd_pid= container=
cleanup() {
  local status=$?
  if [[ -n $container ]]; then $DOCKER rm -f -v "$container" >/dev/null 2>&1 || true; fi
  if [[ -n $dockerd_pid ]]; then
    log "stopping our dockerd (pid $dockerd_pid)"
    kill -TERM "$dockerd_pid" 2>/dev/null || true
    for _ in $(seq 60); do kill -0 "$dockerd_pid" 2>/dev/null || break; sleep 0.5; done
    if kill -0 "$dockerd_pid" 2>/dev/null; then kill -KILL "$dockerd_pid" 2>/dev/null || true; fi
    wait "$dockerd_pid" 2>/dev/null || true
    # dockerd unmounts its overlays and its data-root bind mount when it stops, but leaves its bind mount of the
    # host's network namespace (exec-root/netns/default): unmount whatever is left under our two directories.
    findmnt -rn -o TARGET | grep -F -e "$DATA_ROOT" -e "$RUNDIR" | sort -r | while read -r m; do umount -l "$m" || true; done
    rm -rf "$RUNDIR" || true
  fi
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if [[ -n ${DOCKER_HOST:-} ]] && $DOCKER info >/dev/null 2>&1; then
  log "using the dockerd at $DOCKER_HOST"
elif [[ -z ${DOCKER_HOST:-} ]] && $DOCKER info >/dev/null 2>&1; then
  log "using the running dockerd (/var/run/docker.sock)"
else
  # A dockerd of ours left by a run that was killed (we hold the lock, so no run owns it): stop it by its PID.
  if old=$(cat "$RUNDIR/dockerd.pid" 2>/dev/null) && [[ -n $old ]] && tr '\0' ' ' <"/proc/$old/cmdline" 2>/dev/null | grep -qF -- "--exec-root $RUNDIR/exec"; then
    log "stopping a dockerd left by an earlier run (pid $old)"
    kill -TERM "$old"
    for _ in $(seq 60); do kill -0 "$old" 2>/dev/null || break; sleep 0.5; done
  fi
  mkdir -p "$RUNDIR" "$DATA_ROOT"
  export DOCKER_HOST=unix://$RUNDIR/docker.sock
  log "starting dockerd (data root $DATA_ROOT, log $CACHE/dockerd.log)"
  /usr/sbin/dockerd --data-root "$DATA_ROOT" --exec-root "$RUNDIR/exec" --pidfile "$RUNDIR/dockerd.pid" \
    -H "$DOCKER_HOST" --storage-driver overlay2 --bridge=none --iptables=false --ip6tables=false --ip-masq=false \
    >"$CACHE/dockerd.log" 2>&1 &
  dockerd_pid=$!
  for _ in $(seq 120); do
    $DOCKER info >/dev/null 2>&1 && break
    kill -0 "$dockerd_pid" 2>/dev/null || { tail -n 20 "$CACHE/dockerd.log" >&2; die "dockerd exited"; }
    sleep 0.5
  done
  $DOCKER info >/dev/null 2>&1 || { tail -n 20 "$CACHE/dockerd.log" >&2; die "dockerd did not answer in 60 s"; }
fi
stage dockerd

# 3. base images (PMDKSHARP_DOCKER_BASE_IMAGE / PMDKSHARP_DOCKER_SDK_IMAGE name existing ones instead)
have_image() { $DOCKER image inspect "$1" >/dev/null 2>&1; }
base=${PMDKSHARP_DOCKER_BASE_IMAGE:-pmdksharp-local/debian:bookworm}
if [[ ${PMDKSHARP_DOCKER_REFRESH:-0} == 1 && -z ${PMDKSHARP_DOCKER_BASE_IMAGE:-} ]]; then
  $DOCKER image rm "$base" >/dev/null 2>&1 || true
  rm -f "$CACHE/debian-bookworm.tar"
fi
if ! have_image "$base"; then
  [[ -z ${PMDKSHARP_DOCKER_BASE_IMAGE:-} ]] || die "$base: no such image"
  tarball=$CACHE/debian-bookworm.tar
  if [[ ! -s $tarball ]]; then
    MIRROR=${PMDKSHARP_DEBIAN_MIRROR:-$(host_apt_mirror main)}
    SECURITY_MIRROR=${PMDKSHARP_DEBIAN_SECURITY_MIRROR:-$(host_apt_mirror security)}
    [[ -n $MIRROR ]] || die "no Debian mirror in this machine's apt sources (apt-get update, or set PMDKSHARP_DEBIAN_MIRROR)"
    log "debootstrap --variant=minbase bookworm ($MIRROR; log $CACHE/debootstrap.log)"
    rootfs=$CACHE/rootfs.tmp
    rm -rf "$rootfs"
    debootstrap --variant=minbase bookworm "$rootfs" "$MIRROR" >"$CACHE/debootstrap.log" 2>&1 \
      || { tail -n 20 "$CACHE/debootstrap.log" >&2; die "debootstrap failed"; }
    # The suites the official debian:bookworm image has, from the same mirrors; no package lists or .debs in the image.
    rm -f "$rootfs/etc/apt/sources.list"
    {
      printf 'Types: deb\nURIs: %s\nSuites: bookworm bookworm-updates\nComponents: main\nSigned-By: %s\n' \
        "$MIRROR" /usr/share/keyrings/debian-archive-keyring.gpg
      if [[ -n $SECURITY_MIRROR ]]; then
        printf '\nTypes: deb\nURIs: %s\nSuites: bookworm-security\nComponents: main\nSigned-By: %s\n' \
          "$SECURITY_MIRROR" /usr/share/keyrings/debian-archive-keyring.gpg
      else
        log "no security suite in this machine's apt sources: the image gets none (PMDKSHARP_DEBIAN_SECURITY_MIRROR sets one)"
      fi
    } >"$rootfs/etc/apt/sources.list.d/debian.sources"
    rm -rf "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/log/*.log
    tar --numeric-owner -C "$rootfs" -cf "$tarball.tmp" .
    mv "$tarball.tmp" "$tarball"
    rm -rf "$rootfs"
  fi
  log "docker import $tarball -> $base"
  $DOCKER import -c 'CMD ["bash"]' -m "debootstrap --variant=minbase bookworm" "$tarball" "$base" >/dev/null
fi
stage base-image

if [[ -n ${PMDKSHARP_DOCKER_SDK_IMAGE:-} ]]; then
  sdk=$PMDKSHARP_DOCKER_SDK_IMAGE
else
  [[ -x /usr/share/dotnet/dotnet ]] || die "no .NET SDK in /usr/share/dotnet (or set PMDKSHARP_DOCKER_SDK_IMAGE)"
  sdk=pmdksharp-local/dotnet-sdk:$(/usr/share/dotnet/dotnet --version)
  if ! have_image "$sdk"; then
    log "docker import /usr/share/dotnet -> $sdk"
    tar -C / -cf - usr/share/dotnet | $DOCKER import -m "the host's /usr/share/dotnet" - "$sdk" >/dev/null
  fi
fi
stage sdk-image

# 4. the image, from a clean clone of HEAD (PMDKSHARP_DOCKER_CONTEXT=worktree: the working tree as it is)
if [[ ${PMDKSHARP_DOCKER_CONTEXT:-head} == worktree ]]; then
  context=$ROOT
  revision="$(git rev-parse --short HEAD) + working tree"
else
  context=$CACHE/context
  rm -rf "$context"
  git clone -q --no-local "$ROOT" "$context"
  revision=$(git -C "$context" rev-parse --short HEAD)
fi
# The host's extra CAs (a TLS-inspecting proxy between this machine and the NuGet feed), for the build only.
added_cas=()
for crt in /usr/local/share/ca-certificates/*.crt; do
  [[ -f $crt && ! -e $context/docker/ca-certificates/${crt##*/} ]] || continue
  cp "$crt" "$context/docker/ca-certificates/" && added_cas+=("$context/docker/ca-certificates/${crt##*/}")
done
log "docker build ($revision; BASE_IMAGE=$base DOTNET_SDK_IMAGE=$sdk; log $CACHE/build.log)"
if ((${#added_cas[@]})); then log "extra CAs for the build: ${added_cas[*]##*/}"; fi
if ! $DOCKER build --network host --label "$LABEL" -f docker/Dockerfile -t "$IMAGE" \
    --build-arg BASE_IMAGE="$base" --build-arg DOTNET_SDK_IMAGE="$sdk" "$context" >"$CACHE/build.log" 2>&1; then
  tail -n 40 "$CACHE/build.log" >&2
  if [[ $context == "$ROOT" ]]; then rm -f "${added_cas[@]}"; fi
  die "docker build failed (full log: $CACHE/build.log)"
fi
if [[ $context == "$ROOT" ]]; then rm -f "${added_cas[@]}"; else rm -rf "$context"; fi
# Earlier builds of the image (now untagged) and their layers; tagged images are kept.
$DOCKER image prune -f --filter "label=$LABEL" >/dev/null || true
stage docker-build

# 5. the suite
container=pmdksharp-test-$$
suite=()
case ${PMDKSHARP_DOCKER_SUITE:-all} in
  all) ;;
  # The image is built; the host's own run has already done the drift check and the other suites.
  emulated) suite=(-e FRAMEWORK=net10.0 -e PMDKSHARP_TEST_SETTINGS=emulated-pmem "$IMAGE" ./build.sh test-library) ;;
  *) die "PMDKSHARP_DOCKER_SUITE must be all or emulated, not '$PMDKSHARP_DOCKER_SUITE'" ;;
esac
log "docker run ${suite[*]:-$IMAGE ./build.sh test} (log $CACHE/run.log)"
status=0
# 4g of /dev/shm: the suite's test classes run in parallel, and together they need more than 1g there (docs/docker.md).
$DOCKER run --name "$container" --init --network none --shm-size="${PMDKSHARP_DOCKER_SHM_SIZE:-4g}" --cap-add SYS_ADMIN "${suite[@]:-$IMAGE}" 2>&1 \
  | tee "$CACHE/run.log" || status=${PIPESTATUS[0]}
rm -rf "$CACHE/test-results"
$DOCKER cp "$container:/src/.build/test-results" "$CACHE/test-results" 2>/dev/null || mkdir -p "$CACHE/test-results"
$DOCKER rm -f -v "$container" >/dev/null   # -v: the anonymous volume (docker/Dockerfile's VOLUME)
container=
stage docker-run

summary=$(tests/summarize-trx.sh "$CACHE/test-results" || true)
if ((status != 0)) && [[ $summary == *" 0 failed"* ]]; then summary="${summary/ 0 failed/ 1 failed} (docker run exited with $status)"; fi
{
  echo "date: $started_at"
  echo "revision: $revision"
  echo "duration: $SECONDS s (${timings[*]})"
  echo "exit: $status"
  echo "result: $summary"
} >"$CACHE/last-run.txt"
log "$(tr '\n' ';' <"$CACHE/last-run.txt")"
echo "$summary"
exit "$status"
