using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;

namespace PmdkSharp.TestHost.Reliability;

public static partial class ReliabilityCommands
{
    /// <summary>
    /// power-log MODE [seed=S] NAME=[pmemlog+|pmemlog-ring+]BACKEND:PATH...: the writer of
    /// tests/dax/power-cut.sh, run in the VM that the host kills with SIGKILL (no shutdown: a power
    /// cut for the guest). A plain BACKEND is the test host's own <see cref="ChecksummedLog"/> over a
    /// PmemFile (PATH may be a device-DAX device, used whole);
    /// pmemlog+BACKEND is the library's PmemLog, appended one record or a batch of 2..16 at a time
    /// (chosen by S, printed as "seed S"); pmemlog-ring+BACKEND is a PmemLog of 256 KiB that wraps
    /// and drops its head as it goes, at points chosen by S (PowerCutHeadDrops.cs: "dropping NAME K"
    /// before a drop, "dropped NAME K" after it, K being the first record that stays).
    /// <para>
    /// First, for each log: recovers it and prints "recovered NAME - LAST" (a ring: "recovered NAME
    /// FIRST LAST" and "laps NAME LAPS"; or "corrupt NAME WHY": a damaged record, or one that is not
    /// exactly the record of its sequence number, or a gap), then scans
    /// its control, PATH.control, printing "control NAME SURVIVED": the records of the previous
    /// boot's control that are still there. The host compares LAST with the last "ack" it saw
    /// before the cut, and SURVIVED with the records the control had written.
    /// </para>
    /// <para>
    /// MODE verify stops there. MODE persist (or no-persist, a mutation that must make the host's
    /// check fail: the ChecksummedLog skips its persists, PmemLog's file drops every flush, drain
    /// and msync; or no-persist-drops, a mutation for the rings: their TruncateBefore persists
    /// nothing) then starts a fresh control per log and appends forever, round-robin over the
    /// logs: for each record N a control record is stored without any persist (power cut loses it
    /// unless something else wrote it back), then the log's records are appended, and only after
    /// Append returned "ack NAME N" is printed for each. The host reads the acks through the VM's
    /// 9p share, which writes each line to the host file before write(2) returns.
    /// </para>
    /// </summary>
    public static int PowerLog(string[] args)
    {
        if (args.Length < 2 || args[0] is not ("verify" or "persist" or "no-persist" or "no-persist-drops"))
            throw new ArgumentException("power-log <verify|persist|no-persist|no-persist-drops> [seed=S] <name>=[pmemlog+|pmemlog-ring+]<backend>:<path>...");
        bool append = args[0] != "verify";
        PowerCutPersists persists = args[0] switch
        {
            "no-persist" => PowerCutPersists.None,
            "no-persist-drops" => PowerCutPersists.AllButHeadDrops,
            _ => PowerCutPersists.All,
        };
        int specsFrom = 1;
        int seed = Environment.TickCount;
        if (args[1].StartsWith("seed=", StringComparison.Ordinal))
        {
            seed = int.Parse(args[1]["seed=".Length..]);
            specsFrom = 2;
        }
        var random = new Random(seed);
        var logs = new List<(string Name, IPowerCutLog Log, bool Batches, PmemFile Control, long ControlCommit, long ControlSequence)>();
        TextWriter output = Console.Out; // autoflushed: one write(2) per line
        output.WriteLine($"seed {seed}");
        int status = Program.Success;
        try
        {
            foreach (string spec in args[specsFrom..])
            {
                int equals = spec.IndexOf('=', StringComparison.Ordinal);
                int colon = spec.IndexOf(':', equals + 1);
                if (equals <= 0 || colon < 0)
                    throw new ArgumentException($"'{spec}' is not NAME=[pmemlog+]BACKEND:PATH");
                string name = spec[..equals];
                string kind = spec[(equals + 1)..colon];
                bool ring = kind.StartsWith("pmemlog-ring+", StringComparison.Ordinal);
                bool pmemLog = ring || kind.StartsWith("pmemlog+", StringComparison.Ordinal);
                PmemBackendKind backend = ParseBackend(pmemLog ? kind[(kind.IndexOf('+', StringComparison.Ordinal) + 1)..] : kind);
                string path = spec[(colon + 1)..];

                string? error;
                IPowerCutLog? log = pmemLog
                    ? PmemLogPowerCutLog.Recover(path, backend, persists, ring, out error)
                    : ChecksummedPowerCutLog.Recover(path, backend, persists != PowerCutPersists.None, out error);
                if (log is null)
                {
                    output.WriteLine($"corrupt {name} {error}");
                    status = Program.Failed;
                    continue;
                }
                output.WriteLine($"recovered {name} {log.FirstSequence?.ToString(CultureInfo.InvariantCulture) ?? "-"} {log.LastSequence}");
                if (log is PmemLogPowerCutLog { FirstSequence: not null } recoveredRing)
                {
                    output.WriteLine($"laps {name} {recoveredRing.Laps.ToString("F1", CultureInfo.InvariantCulture)}");
                    if (append)
                        recoveredRing.DropHeadWhileAppending(name, random, output);
                }

                // A device holds one log and nothing else: its control is a file on the fsdax mount.
                string controlPath = ChecksummedPowerCutLog.IsDevice(path)
                    ? Path.Combine(Environment.GetEnvironmentVariable("PMDKSHARP_DAX_DIR") ?? "/mnt/dax", name + ".control")
                    : path + ".control";
                long survived = 0;
                if (File.Exists(controlPath))
                {
                    using PmemFile old = ChecksummedPowerCutLog.OpenFile(controlPath, backend);
                    ChecksummedLog.ScanResult control = ChecksummedLog.Scan(old);
                    survived = control.Error is null ? control.LastSequence : 0;
                }
                output.WriteLine($"control {name} {survived}");
                if (!append)
                {
                    log.Dispose();
                    continue;
                }
                (log as ChecksummedPowerCutLog)?.Initialize();
                File.Delete(controlPath);
                PmemFile fresh = ChecksummedPowerCutLog.OpenFile(controlPath, backend);
                ChecksummedLog.Initialize(fresh);
                logs.Add((name, log, pmemLog, fresh, ChecksummedLog.HeaderSize, 0));
            }
            if (!append || status != Program.Success)
                return status;

            output.WriteLine("appending");
            while (true)
            {
                for (int i = 0; i < logs.Count; i++)
                {
                    var (name, log, batches, control, controlCommit, controlSequence) = logs[i];
                    int count = batches && random.Next(4) == 0 ? random.Next(2, 17) : 1;
                    for (int r = 0; r < count; r++)
                        controlCommit = ChecksummedLog.Append(control, controlCommit, ++controlSequence, persist: false);
                    long first = log.LastSequence + 1;
                    log.Append(count);
                    for (long sequence = first; sequence <= log.LastSequence; sequence++)
                        output.WriteLine($"ack {name} {sequence}");
                    logs[i] = (name, log, batches, control, controlCommit, controlSequence);
                }
            }
        }
        finally
        {
            foreach (var entry in logs)
            {
                entry.Log.Dispose();
                entry.Control.Dispose();
            }
        }
    }
}
