#!/usr/bin/env bash
# Power cuts in the DAX VM: proves that what PmemFile.Persist and PmemLog.Append acknowledged survive qemu being
# SIGKILLed (no shutdown, no sync: for the guest, the power went out).
#
#   tests/dax/power-cut.sh [--cycles N] [--mode persist|no-persist|no-persist-drops] [--seed S] [--out DIR] [--host-dll DLL]
#
# Every cycle is one boot of tests/dax/run-in-vm.sh with the same disk and NVDIMM images. In the
# guest, `PmdkSharp.TestHost power-log` first recovers thirteen logs (the test host's ChecksummedLog and
# the library's PmemLog, each backend, on the msync path, ext4 on the virtio disk, and on DAX, ext4
# -o dax on the NVDIMM's fsdax namespace; and the PmemLog over the device-DAX namespace) and prints what it found, then appends records
# round-robin (PmemLog: single records and batches of 2..16) and prints "ack NAME SEQ" for each
# record once its Persist or Append/AppendBatch returned; a recovered PmemLog record must be exactly
# the record of its sequence number.
# Four more PmemLogs (each backend, msync path and DAX) are rings of 256 KiB that drop their head
# as they append (a drop now and then, at points the seed chooses): the writer prints "dropping
# NAME K" before TruncateBefore and "dropped NAME K" after it (K: the first record that stays), and
# recovery prints "recovered NAME FIRST LAST". Such a log must hold FIRST..LAST with LAST at least
# the last ack (no live record lost), FIRST at least the last "dropped" K (no dropped record back)
# and at most the last "dropping" K (a drop in flight may or may not have happened, nothing more).
# The host reads those lines as they are written (9p), waits for K acks per log (K random), and
# SIGKILLs qemu 0-300 ms later. The next boot's recovery must hold every acknowledged record.
# A last boot only recovers.
#
# On the msync path the guest's dirty-page writeback is held back (vm.dirty_writeback_centisecs=0,
# a huge dirty_expire_centisecs, ext4 commit=600), so a page nobody msynced is still only in guest
# RAM when the power goes: next to each log, a control log gets the same records with no persist
# at all, and the figures show how many of those a cut lost. --mode no-persist drops the logs'
# persists too (a mutation): the check must then fail. --mode no-persist-drops drops only the
# persists of the rings' TruncateBefore (a mutation: the msync-path rings' checks must fail). On DAX nothing is lost either way: TCG
# models no CPU cache, every store reaches the NVDIMM's backing file at once, so there the cycle
# proves that the namespace and its file system keep data across boots, not that flushes happen.
#
# Results: DIR/results.txt (one line per log and cycle, then a summary) and DIR/power-cut.trx
# (counted by tests/summarize-trx.sh). Exit 0 when every check passed.
# --host-dll: the PmdkSharp.TestHost build to run (default: the Release net10.0 one); the
# PMDKSHARP_VM_* settings of run-in-vm.sh apply.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
cycles=3 mode=persist seed=$RANDOM$RANDOM out=$repo/.build/power-cut
host_dll=$repo/tests/PmdkSharp.TestHost/bin/Release/net10.0/PmdkSharp.TestHost.dll
while [ $# -gt 0 ]; do
    case $1 in
        --cycles) cycles=$2; shift 2 ;;
        --mode) mode=$2; shift 2 ;;
        --seed) seed=$2; shift 2 ;;
        --out) out=$2; shift 2 ;;
        --host-dll) host_dll=$2; shift 2 ;;
        *) sed -n '2,/^set -e/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2; exit 2 ;;
    esac
done
case $mode in persist|no-persist|no-persist-drops) ;; *) echo "power-cut: --mode persist|no-persist|no-persist-drops" >&2; exit 2 ;; esac
[ -f "$host_dll" ] || { echo "power-cut: build tests/PmdkSharp.TestHost first ($host_dll)" >&2; exit 2; }

# The test host's ChecksummedLog and the library's PmemLog (pmemlog+), each backend, each mount;
# and PmemLog on the device-DAX namespace, whole (one device holds one log, so the backends take
# turns: PMDK writes it on odd boots, the managed backend on even ones, each recovering the other's);
# and the rings that drop their head (pmemlog-ring+).
# The last log takes one record per round: the host counts its acks.
logs=(nodax-pmdk=pmdk:/mnt/nodax/power-pmdk.log nodax-managed=managed:/mnt/nodax/power-managed.log
      nodax-pmemlog-pmdk=pmemlog+pmdk:/mnt/nodax/power-pmemlog-pmdk.log
      nodax-pmemlog-managed=pmemlog+managed:/mnt/nodax/power-pmemlog-managed.log
      dax-pmemlog-pmdk=pmemlog+pmdk:/mnt/dax/power-pmemlog-pmdk.log
      dax-pmemlog-managed=pmemlog+managed:/mnt/dax/power-pmemlog-managed.log
      devdax-pmemlog=pmemlog+pmdk:/dev/dax0.0
      nodax-ring-pmdk=pmemlog-ring+pmdk:/mnt/nodax/power-ring-pmdk.log
      nodax-ring-managed=pmemlog-ring+managed:/mnt/nodax/power-ring-managed.log
      dax-ring-pmdk=pmemlog-ring+pmdk:/mnt/dax/power-ring-pmdk.log
      dax-ring-managed=pmemlog-ring+managed:/mnt/dax/power-ring-managed.log
      dax-pmdk=pmdk:/mnt/dax/power-pmdk.log dax-managed=managed:/mnt/dax/power-managed.log)
names=(); for l in "${logs[@]}"; do names+=("${l%%=*}"); done
last=${names[${#names[@]}-1]}

rm -rf "$out"; mkdir -p "$out/images"
results=$out/results.txt
RANDOM=$seed
echo "power-cut: mode $mode, $cycles cycles, seed $seed" | tee "$results"

export PMDKSHARP_VM_NODAX_IMAGE=$out/images/nodax.img PMDKSHARP_VM_NVDIMM_IMAGE=$out/images/nvdimm.img
export PMDKSHARP_VM_SYSCTL="vm.dirty_writeback_centisecs=0 vm.dirty_expire_centisecs=360000"
export PMDKSHARP_VM_NODAX_OPTS=commit=600 PMDKSHARP_VM_PIDFILE=$out/qemu.pid
declare -A acked lost corrupt control_written control_lost control_cycles acks_total
# Rings: the first record may be no earlier than `floor` (the last completed drop's K) and no
# later than `ceiling` (the last drop begun); records that came back; drops; laps.
declare -A ring floor ceiling back drops_total drops_cycles laps
for n in "${names[@]}"; do acked[$n]=0 lost[$n]=0 corrupt[$n]=0 control_written[$n]=0 control_lost[$n]=0 control_cycles[$n]=0 acks_total[$n]=0; done
for l in "${logs[@]}"; do
    n=${l%%=*}
    case $l in *=pmemlog-ring+*) ring[$n]=1 floor[$n]=1 ceiling[$n]=1 back[$n]=0 drops_total[$n]=0 drops_cycles[$n]="" laps[$n]=0 ;; esac
done
failures=()
t_start=$(date +%s)

# A boot log without a last line the cut may have torn ("dropping x 12" of "dropping x 123").
complete_lines() {
    if [ -s "$1" ] && [ "$(tail -c 1 "$1" | wc -l)" = 0 ]; then sed '$d' "$1"; else cat "$1"; fi
}

# Checks one boot's recovery lines against what was acknowledged before the cut.
check_recovery() {
    local boot=$1 file=$2 n word name a b from seen=0
    while read -r word name a b; do
        case $word in
            recovered)
                seen=$((seen + 1))
                # A ring's records before the last drop begun may be gone by right: they are not counted.
                from=$((b + 1))
                [ -n "${ring[$name]:-}" ] && [ "${ceiling[$name]}" -gt "$from" ] && from=${ceiling[$name]}
                if [ "$b" -lt "${acked[$name]}" ] && [ "$from" -le "${acked[$name]}" ]; then
                    lost[$name]=$(( ${lost[$name]} + ${acked[$name]} - from + 1 ))
                    echo "boot $boot $name: LOST acknowledged records $from..${acked[$name]} (log ends at $b)" | tee -a "$results"
                fi
                if [ -n "${ring[$name]:-}" ]; then
                    # An empty ring ("1 0") has no first record to check; the writer goes on from LAST + 1.
                    if [ "$b" -ge "$a" ] && [ "$a" -lt "${floor[$name]}" ]; then
                        back[$name]=$(( ${back[$name]} + ${floor[$name]} - a ))
                        echo "boot $boot $name: DROPPED records $a..$(( ${floor[$name]} - 1 )) came BACK (the last drop that returned kept ${floor[$name]})" | tee -a "$results"
                    fi
                    if [ "$b" -ge "$a" ] && [ "$a" -gt "${ceiling[$name]}" ]; then
                        lost[$name]=$(( ${lost[$name]} + a - ${ceiling[$name]} ))
                        echo "boot $boot $name: LOST live records ${ceiling[$name]}..$((a - 1)) (log starts at $a, the last drop begun kept ${ceiling[$name]})" | tee -a "$results"
                    fi
                    floor[$name]=$a ceiling[$name]=$a
                fi
                acked[$name]=$b ;;
            corrupt)
                seen=$((seen + 1)); corrupt[$name]=$(( ${corrupt[$name]} + 1 ))
                echo "boot $boot $name: CORRUPT $a $b" | tee -a "$results" ;;
            laps) laps[$name]=$a ;;
            control)
                local written=${control_written[$name]}
                if [ "$written" -gt 0 ]; then
                    local gone=$(( written > a ? written - a : 0 ))
                    control_lost[$name]=$(( ${control_lost[$name]} + gone ))
                    [ "$gone" -gt 0 ] && control_cycles[$name]=$(( ${control_cycles[$name]} + 1 ))
                    echo "boot $boot $name: control kept $a of $written un-persisted records (lost $gone)" >> "$results"
                fi ;;
        esac
    done < <(grep -E '^(recovered|corrupt|control|laps) ' "$file" || true)
    [ "$seen" = "${#names[@]}" ] || { failures+=("boot $boot: recovery reported $seen of ${#names[@]} logs"); return 1; }
}

for ((boot = 1; boot <= cycles + 1; boot++)); do
    log=$out/boot-$boot.log
    rm -f "$PMDKSHARP_VM_PIDFILE"
    if ((boot <= cycles)); then
        want=$((20 + RANDOM % 130)) delay_ms=$((RANDOM % 300))
        job_mode=$mode
    else
        want=0 delay_ms=0 job_mode=verify
    fi
    tb=$(date +%s.%N) ta=""
    set +e
    boot_logs=("${logs[@]}")
    if ((boot % 2 == 0)); then boot_logs=("${boot_logs[@]/#devdax-pmemlog=pmemlog+pmdk:/devdax-pmemlog=pmemlog+managed:}"); fi
    "$here/run-in-vm.sh" dotnet "$host_dll" power-log "$job_mode" "seed=$RANDOM" "${boot_logs[@]}" > "$log" 2> "$log.err" &
    vm=$!
    set -e
    if ((boot <= cycles)); then
        # Wait for K acks of the last log (round-robin: every other log has K too), then cut.
        deadline=$(( $(date +%s) + ${PMDKSHARP_POWER_CUT_TIMEOUT:-600} ))
        while kill -0 "$vm" 2>/dev/null; do
            if [ -z "$ta" ] && grep -q '^appending' "$log"; then ta=$(date +%s.%N); fi
            if [ -n "$ta" ] && [ "$(grep -c "^ack $last " "$log")" -ge "$want" ]; then
                sleep "$(awk -v m="$delay_ms" 'BEGIN { printf "%.3f", m / 1000 }')"
                kill -KILL "$(cat "$PMDKSHARP_VM_PIDFILE")"
                break
            fi
            if [ "$(date +%s)" -ge "$deadline" ]; then
                failures+=("boot $boot: no $want acks within the timeout"); kill -KILL "$(cat "$PMDKSHARP_VM_PIDFILE")" 2>/dev/null || true
                break
            fi
            sleep 0.2
        done
    fi
    set +e; wait "$vm"; rc=$?; set -e
    te=$(date +%s.%N)
    secs=$(awk -v a="$tb" -v b="$te" 'BEGIN { printf "%.1f", b - a }')
    if ((boot <= cycles)) && [ "$rc" != 137 ]; then
        failures+=("boot $boot: the VM ended with $rc instead of being cut"); cat "$log.err" >&2
    elif ((boot > cycles)) && [ "$rc" != 0 ]; then
        failures+=("boot $boot (verify): exit $rc"); cat "$log.err" >&2
    fi
    check_recovery "$boot" "$log" || true
    complete_lines "$log" > "$log.complete"
    summary="boot $boot ($job_mode, ${secs}s"
    [ -n "$ta" ] && summary+=$(awk -v a="$ta" -v b="$te" 'BEGIN { printf ", %.1fs appending", b - a }')
    summary+="):"
    for n in "${names[@]}"; do
        # Acks the host saw, all of them: the ones written between the decision and the kill count too.
        a=$(grep "^ack $n " "$log.complete" | tail -n 1 | cut -d' ' -f3 || true)
        if [ -n "$a" ]; then
            cycle_acks=$(( a - ${acked[$n]} ))
            acks_total[$n]=$(( ${acks_total[$n]} + cycle_acks ))
            control_written[$n]=$cycle_acks
            acked[$n]=$a
        else
            control_written[$n]=0
        fi
        summary="$summary $n acked ${acked[$n]}"
        if [ -n "${ring[$n]:-}" ] && ((boot <= cycles)); then
            d=$(grep -c "^dropped $n " "$log.complete" || true)
            k=$(grep "^dropped $n " "$log.complete" | tail -n 1 | cut -d' ' -f3 || true)
            [ -n "$k" ] && floor[$n]=$k
            k=$(grep "^dropping $n " "$log.complete" | tail -n 1 | cut -d' ' -f3 || true)
            [ -n "$k" ] && ceiling[$n]=$k
            drops_total[$n]=$(( ${drops_total[$n]} + d ))
            drops_cycles[$n]+="${drops_cycles[$n]:+/}$d"
            summary="$summary (laps ${laps[$n]} at boot, $d drops, next first record ${floor[$n]}..${ceiling[$n]})"
        fi
    done
    echo "$summary" | tee -a "$results"
done
t_end=$(date +%s)

# --------------------------------------------------------------- verdicts
trx_results="" passed=0 failed=0
verdict() {
    local name=$1 ok=$2 message=$3
    local outcome=Passed
    if [ "$ok" = 1 ]; then passed=$((passed + 1)); else outcome=Failed; failed=$((failed + 1)); fi
    echo "$outcome: $name: $message" | tee -a "$results"
    message=${message//&/&amp;}; message=${message//</&lt;}; message=${message//>/&gt;}; message=${message//\"/&quot;}
    trx_results+="    <UnitTestResult testName=\"PowerCut.$name\" outcome=\"$outcome\"><Output><StdOut>$message</StdOut></Output></UnitTestResult>
"
}
for f in "${failures[@]}"; do echo "harness: $f" | tee -a "$results"; done
harness_ok=$(( ${#failures[@]} == 0 ))
nodax_control_lost=0
for n in "${names[@]}"; do
    ok=$(( harness_ok && ${lost[$n]} == 0 && ${corrupt[$n]} == 0 && ${acks_total[$n]} > 0 ))
    verdict "Every_acknowledged_record_survives($n)" "$ok" \
        "$cycles cuts, ${acks_total[$n]} records acknowledged, ${lost[$n]} lost, ${corrupt[$n]} corrupt recoveries; control: ${control_lost[$n]} un-persisted records lost in ${control_cycles[$n]} of $cycles cuts"
    if [ -n "${ring[$n]:-}" ]; then
        # Without drops the check could not fail.
        ok=$(( harness_ok && ${back[$n]} == 0 && ${corrupt[$n]} == 0 && ${drops_total[$n]} > 0 ))
        verdict "No_dropped_record_comes_back($n)" "$ok" \
            "$cycles cuts, ${drops_total[$n]} head drops (${drops_cycles[$n]} per cycle), ${back[$n]} dropped records back, ${laps[$n]} laps of the ring"
    fi
    case $n in nodax-*) nodax_control_lost=$(( nodax_control_lost + ${control_lost[$n]} )) ;; esac
done
# Without this the check above could never fail: un-persisted pages must be at risk.
verdict "Unpersisted_records_on_the_msync_path_are_lost" $(( harness_ok && nodax_control_lost > 0 )) \
    "$nodax_control_lost un-persisted control records lost over $cycles cuts on the msync path"
echo "power-cut: $passed passed, $failed failed; $((t_end - t_start)) s for $cycles cuts + 1 verify boot" | tee -a "$results"

cat > "$out/power-cut.trx" <<TRX
<?xml version="1.0" encoding="UTF-8"?>
<TestRun name="power-cut $mode seed $seed" xmlns="http://microsoft.com/schemas/VisualStudio/TeamTest/2010">
  <Results>
$trx_results  </Results>
  <ResultSummary outcome="$( ((failed == 0)) && echo Completed || echo Failed )">
    <Counters total="$((passed + failed))" executed="$((passed + failed))" passed="$passed" failed="$failed" error="0" notExecuted="0" />
  </ResultSummary>
</TestRun>
TRX
((failed == 0)) && rm -rf "$out/images"
((failed == 0))
