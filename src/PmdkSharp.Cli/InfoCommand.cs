using System;
using System.Collections.Generic;
using System.CommandLine;
using System.IO;
using System.Linq;
using Spectre.Console;

namespace PmdkSharp.Cli;

/// <summary><c>pmemsharp info [PATH]</c>: the backend and why, libpmem, CPU flush support, THP, device-DAX devices, and what a file system offers.</summary>
internal static class InfoCommand
{
    public static Command Create()
    {
        var path = new Argument<string[]>("PATH")
        {
            Description = "Directories to probe (a file there is created, mapped on both backends and removed); default /dev/shm and /var/tmp",
            Arity = ArgumentArity.ZeroOrMore,
        };
        var json = new Option<bool>("--json") { Description = "Write one JSON object (runtime diagnostics and each directory's probe) instead of tables" };
        var command = new Command("info", "Show the backend, libpmem, CPU flush features, huge page settings, device-DAX devices and, per directory, DAX / MAP_SYNC / pmem.");
        command.Arguments.Add(path);
        command.Options.Add(json);
        command.SetAction(result =>
        {
            string[] dirs = result.GetValue(path) is { Length: > 0 } given ? given : ["/dev/shm", "/var/tmp"];
            if (result.GetValue(json))
                InfoJson.Write(Console.OpenStandardOutput(), dirs);
            else
                Print(dirs);
            return 0;
        });
        return command;
    }

    public static void Print(IEnumerable<string> dirs)
    {
        PmemDiagnostics d = PmemRuntime.GetDiagnostics();
        var runtime = new Table().Border(TableBorder.Rounded).Title("[bold]runtime[/]").AddColumn("item").AddColumn("value");
        runtime.AddRow("default backend", Markup.Escape($"{d.Backend}: {d.Reason}"));
        runtime.AddRow("libpmem", Markup.Escape($"{d.LibpmemPath ?? "not loaded"} ({d.LibpmemSource}), API {d.LibpmemVersion ?? "n/a"}"));
        if (d.PmdkUnavailableReason is not null)
            runtime.AddRow("PMDK unavailable", Markup.Escape(d.PmdkUnavailableReason));
        runtime.AddRow("libpmem2", Markup.Escape($"{d.Libpmem2Path ?? "not loaded"} ({d.Libpmem2Source})"));
        runtime.AddRow("hw drain (pmem_has_hw_drain)", Describe(d.HasHardwareDrain));
        runtime.AddRow("auto flush (eADR)", Describe(d.HasAutoFlush));
        runtime.AddRow("PMEM_IS_PMEM_FORCE", d.PmemForced switch { true => "1 (every mapping counts as pmem)", false => "0", null => "unset" });

        HashSet<string> flags = Sys.CpuFlags();
        string[] flushes = ["clwb", "clflushopt", "clflush", "movdir64b"];
        runtime.AddRow("CPU", Markup.Escape(Sys.CpuModel()));
        runtime.AddRow("CPU flush features", string.Join(", ", flushes.Select(f => flags.Contains(f) ? $"{f} yes" : $"{f} no")));
        runtime.AddRow("managed cache-line flush", Markup.Escape(PmdkSharp.Durability.CacheLineFlushSupport.Current.Reason));
        runtime.AddRow("THP enabled", Sys.SysfsChoice("/sys/kernel/mm/transparent_hugepage/enabled"));
        runtime.AddRow("THP shmem_enabled", Sys.SysfsChoice("/sys/kernel/mm/transparent_hugepage/shmem_enabled"));
        runtime.AddRow("kernel", Markup.Escape(Sys.KernelRelease()));
        runtime.AddRow("hypervisor (CPUID)", Markup.Escape(PrefaultProbe.HypervisorSignature() ?? "none"));
        AnsiConsole.Write(runtime);
        AnsiConsole.Write(DeviceDaxTable(d.DeviceDaxDevices));

        foreach (string dir in dirs)
            AnsiConsole.Write(ProbeTable(dir));
    }

    private static Table DeviceDaxTable(IReadOnlyList<DeviceDaxDevice> devices)
    {
        var table = new Table().Border(TableBorder.Rounded).Title("[bold]device DAX[/]")
            .AddColumn("device").AddColumn("size").AddColumn("alignment").AddColumn("persistence domain").AddColumn("PMDK backend").AddColumn("managed backend");
        if (devices.Count == 0)
            table.AddRow("none", "-", "-", "-", "-", "-");
        foreach (DeviceDaxDevice device in devices)
        {
            string[] backends = ProbeDevice(device.Path).Select(p => Markup.Escape(p.Persist == "-" ? p.Note : $"{p.Persist}, {p.Granularity}")).ToArray();
            table.AddRow(Markup.Escape(device.Path), $"{device.Size} ({device.Size >> 20} MiB)", $"{device.Alignment >> 10} KiB",
                Markup.Escape(device.PersistenceDomain ?? "unknown (ADR assumed)"), backends[0], backends[1]);
        }
        return table;
    }

    /// <summary>Maps a device-DAX device read-only on both backends (nothing is written) to show how each would persist there.</summary>
    internal static List<ProbeResult> ProbeDevice(string device)
    {
        var results = new List<ProbeResult>();
        foreach (PmemBackendKind backend in new[] { PmemBackendKind.Pmdk, PmemBackendKind.Managed })
        {
            try
            {
                using var pmem = PmemFile.Open(device, new PmemFileOptions { Mode = FileMode.Open, ReadOnly = true, Backend = backend });
                results.Add(new ProbeResult(backend.ToString(), pmem.UsesMapSync ? "yes" : "no", pmem.IsPersistentMemory ? "yes" : "no",
                    pmem.PersistMethod.ToString(), pmem.Granularity.ToString(), pmem.Mapping.Method));
            }
            catch (Exception e) when (e is PmemBackendUnavailableException or IOException or UnauthorizedAccessException or NotSupportedException)
            {
                results.Add(new ProbeResult(backend.ToString(), "-", "-", "-", "-", e.Message));
            }
        }
        return results;
    }

    private static string Describe(bool? value) => value switch { true => "yes", false => "no", null => "unknown (no libpmem)" };

    private static Table ProbeTable(string dir)
    {
        var table = new Table().Border(TableBorder.Rounded).Title($"[bold]{Markup.Escape(dir)}[/]")
            .AddColumn("mapping").AddColumn("MAP_SYNC").AddColumn("pmem").AddColumn("persist").AddColumn("granularity").AddColumn("note");
        MountInfo? mount = Directory.Exists(dir) ? Sys.MountOf(dir) : null;
        if (mount is null)
        {
            table.AddRow("-", "-", "-", "-", "-", "directory not found");
            return table;
        }
        table.Caption(Markup.Escape($"{mount.Type} on {mount.MountPoint} ({mount.Device}), dax: {mount.DaxOption ?? "no"}, options {mount.Options}"));
        foreach (ProbeResult r in Probe(dir))
            table.AddRow(Markup.Escape(r.Mapping), r.MapSync, r.Pmem, r.Persist, r.Granularity, Markup.Escape(r.Note));
        if (PrefaultProbeOrNull(dir) is { } prefault)
            table.AddRow("prefault", "-", "-", "-", "-", Markup.Escape(
                $"first 4 KiB write per page, p50: None {prefault.NoneUs:F2} us, PopulateWrite {prefault.PopulateWriteUs:F2} us, Touch {prefault.TouchUs:F2} us. {prefault.Verdict}"));
        return table;
    }

    /// <summary>The prefault probe, or null where the directory takes no file (read-only, full).</summary>
    internal static PrefaultProbe.Result? PrefaultProbeOrNull(string dir)
    {
        try
        {
            return PrefaultProbe.Measure(dir);
        }
        catch (Exception e) when (e is PmemBackendUnavailableException or IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    internal sealed record ProbeResult(string Mapping, string MapSync, string Pmem, string Persist, string Granularity, string Note);

    /// <summary>Maps a small file in <paramref name="dir"/> on both backends, fixed-size and growable.</summary>
    internal static List<ProbeResult> Probe(string dir)
    {
        var results = new List<ProbeResult>();
        string file = Path.Combine(dir, $".pmemsharp-probe-{Environment.ProcessId}");
        const long length = 4 << 20;
        foreach (PmemBackendKind backend in new[] { PmemBackendKind.Pmdk, PmemBackendKind.Managed })
        {
            foreach (bool growable in new[] { false, true })
            {
                string name = $"{backend}, {(growable ? "growable" : "fixed-size")}";
                try
                {
                    using var pmem = PmemFile.Open(file, new PmemFileOptions
                    {
                        Mode = FileMode.Create,
                        Length = length,
                        MaxLength = growable ? 2 * length : null,
                        Backend = backend,
                    });
                    results.Add(new ProbeResult(name, pmem.UsesMapSync ? "yes" : "no", pmem.IsPersistentMemory ? "yes" : "no",
                        pmem.PersistMethod.ToString(), pmem.Granularity.ToString(), pmem.Mapping.Method));
                }
                catch (Exception e) when (e is PmemBackendUnavailableException or IOException or UnauthorizedAccessException)
                {
                    results.Add(new ProbeResult(name, "-", "-", "-", "-", e.Message));
                }
                finally
                {
                    File.Delete(file);
                }
            }
        }
        return results;
    }
}
