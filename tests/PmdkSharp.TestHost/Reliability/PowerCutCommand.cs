using System;
using System.Collections.Generic;
using System.IO;

namespace PmdkSharp.TestHost.Reliability;

public static partial class ReliabilityCommands
{
    /// <summary>
    /// power-log MODE NAME=BACKEND:PATH...: the writer of tests/dax/power-cut.sh, run in the VM
    /// that the host kills with SIGKILL (no shutdown: a power cut for the guest).
    /// <para>
    /// First, for each log: recovers it and prints "recovered NAME COMMIT LAST" (or "corrupt NAME
    /// WHY"), then scans its control, PATH.control, printing "control NAME SURVIVED": the records
    /// of the previous boot's control that are still there. The host compares LAST with the last
    /// "ack" it saw before the cut, and SURVIVED with the records the control had written.
    /// </para>
    /// <para>
    /// MODE verify stops there. MODE persist (or no-persist, a mutation that must make the host's
    /// check fail) then starts a fresh control per log and appends forever, round-robin over the
    /// logs: control record N is stored without any persist (power cut loses it unless something
    /// else wrote it back), then log record N is appended and persisted, and only then "ack NAME N"
    /// is printed. The host reads the acks through the VM's 9p share, which writes each line to the
    /// host file before write(2) returns.
    /// </para>
    /// </summary>
    public static int PowerLog(string[] args)
    {
        if (args.Length < 2 || args[0] is not ("verify" or "persist" or "no-persist"))
            throw new ArgumentException("power-log <verify|persist|no-persist> <name>=<backend>:<path>...");
        bool append = args[0] != "verify";
        bool persist = args[0] == "persist";
        var logs = new List<(string Name, PmemFile Log, PmemFile Control, long Commit, long Sequence, long ControlCommit)>();
        TextWriter output = Console.Out; // autoflushed: one write(2) per line
        int status = Program.Success;
        try
        {
            foreach (string spec in args[1..])
            {
                int equals = spec.IndexOf('=', StringComparison.Ordinal);
                int colon = spec.IndexOf(':', equals + 1);
                if (equals <= 0 || colon < 0)
                    throw new ArgumentException($"'{spec}' is not NAME=BACKEND:PATH");
                string name = spec[..equals];
                PmemBackendKind backend = ParseBackend(spec[(equals + 1)..colon]);
                string path = spec[(colon + 1)..];

                PmemFile log = OpenLog(path, backend);
                ChecksummedLog.ScanResult recovered = ChecksummedLog.Scan(log);
                if (recovered.Error is not null)
                {
                    output.WriteLine($"corrupt {name} {recovered.Error}");
                    status = Program.Failed;
                    log.Dispose();
                    continue;
                }
                output.WriteLine($"recovered {name} {recovered.Commit} {recovered.LastSequence}");

                string controlPath = path + ".control";
                long survived = 0;
                if (File.Exists(controlPath))
                {
                    using PmemFile old = OpenLog(controlPath, backend);
                    ChecksummedLog.ScanResult control = ChecksummedLog.Scan(old);
                    survived = control.Error is null ? control.LastSequence : 0;
                }
                output.WriteLine($"control {name} {survived}");
                if (!append)
                {
                    log.Dispose();
                    continue;
                }
                if (log.Read<ulong>(ChecksummedLog.MagicOffset) == 0)
                    ChecksummedLog.Initialize(log);
                File.Delete(controlPath);
                PmemFile fresh = OpenLog(controlPath, backend);
                ChecksummedLog.Initialize(fresh);
                logs.Add((name, log, fresh, recovered.Commit, recovered.LastSequence, ChecksummedLog.HeaderSize));
            }
            if (!append || status != Program.Success)
                return status;

            output.WriteLine("appending");
            for (long round = 1; ; round++)
            {
                for (int i = 0; i < logs.Count; i++)
                {
                    var (name, log, control, commit, sequence, controlCommit) = logs[i];
                    controlCommit = ChecksummedLog.Append(control, controlCommit, round, persist: false);
                    sequence++;
                    commit = ChecksummedLog.Append(log, commit, sequence, persist);
                    output.WriteLine($"ack {name} {sequence}");
                    logs[i] = (name, log, control, commit, sequence, controlCommit);
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

        static PmemFile OpenLog(string path, PmemBackendKind backend) => PmemFile.Open(path, new PmemFileOptions
        {
            Backend = backend,
            Length = 64 << 10,
            MaxLength = 1L << 30,
        });
    }
}
