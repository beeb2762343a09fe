using System;
using System.Collections.Generic;
using System.IO;
using System.Runtime.InteropServices;
using System.Text.Json;

namespace PmdkSharp.Cli;

/// <summary>
/// <c>pmemsharp info --json</c>: what <c>info</c> shows, as one JSON object for scripts. Property names are
/// stable: <c>backend</c>, <c>reason</c>, <c>libpmem</c> {path, source, version, unavailableReason},
/// <c>libpmem2</c> {path, source}, <c>hasHardwareDrain</c>, <c>hasAutoFlush</c>, <c>pmemForced</c>,
/// <c>architecture</c>, <c>kernel</c>, <c>deviceDax</c> [{path, size, alignment, persistenceDomain, probes
/// [{mapping, mapSync, pmem, persist, granularity, note}]}] (probes map the device read-only), <c>directories</c> [{path, fileSystem, mountPoint, dax, probes
/// [{mapping, mapSync, pmem, persist, granularity, note}]}]. Written with Utf8JsonWriter: no reflection.
/// </summary>
internal static class InfoJson
{
    public static void Write(Stream output, IEnumerable<string> dirs)
    {
        PmemDiagnostics d = PmemRuntime.GetDiagnostics();
        using var json = new Utf8JsonWriter(output, new JsonWriterOptions { Indented = true });
        json.WriteStartObject();
        json.WriteString("backend", d.Backend.ToString());
        json.WriteString("reason", d.Reason);
        json.WriteStartObject("libpmem");
        json.WriteString("path", d.LibpmemPath);
        json.WriteString("source", d.LibpmemSource.ToString());
        json.WriteString("version", d.LibpmemVersion);
        json.WriteString("unavailableReason", d.PmdkUnavailableReason);
        json.WriteEndObject();
        json.WriteStartObject("libpmem2");
        json.WriteString("path", d.Libpmem2Path);
        json.WriteString("source", d.Libpmem2Source.ToString());
        json.WriteEndObject();
        WriteNullable(json, "hasHardwareDrain", d.HasHardwareDrain);
        json.WriteBoolean("hasAutoFlush", d.HasAutoFlush);
        WriteNullable(json, "pmemForced", d.PmemForced);
        json.WriteString("architecture", RuntimeInformation.ProcessArchitecture.ToString());
        json.WriteString("kernel", Sys.KernelRelease());
        json.WriteString("hypervisor", PrefaultProbe.HypervisorSignature());
        json.WriteStartArray("deviceDax");
        foreach (DeviceDaxDevice device in d.DeviceDaxDevices)
        {
            json.WriteStartObject();
            json.WriteString("path", device.Path);
            json.WriteNumber("size", device.Size);
            json.WriteNumber("alignment", device.Alignment);
            json.WriteString("persistenceDomain", device.PersistenceDomain);
            WriteProbes(json, InfoCommand.ProbeDevice(device.Path));
            json.WriteEndObject();
        }
        json.WriteEndArray();
        json.WriteStartArray("directories");
        foreach (string dir in dirs)
        {
            json.WriteStartObject();
            json.WriteString("path", dir);
            MountInfo? mount = Directory.Exists(dir) ? Sys.MountOf(dir) : null;
            if (mount is null)
            {
                json.WriteString("error", "directory not found");
            }
            else
            {
                json.WriteString("fileSystem", mount.Type);
                json.WriteString("mountPoint", mount.MountPoint);
                json.WriteString("dax", mount.DaxOption);
                WriteProbes(json, InfoCommand.Probe(dir));
                if (InfoCommand.PrefaultProbeOrNull(dir) is { } prefault)
                {
                    json.WriteStartObject("prefault");
                    json.WriteNumber("firstWriteUsNone", prefault.NoneUs);
                    json.WriteNumber("firstWriteUsPopulateWrite", prefault.PopulateWriteUs);
                    json.WriteNumber("firstWriteUsTouch", prefault.TouchUs);
                    json.WriteNumber("secondWriteUs", prefault.SecondPassUs);
                    json.WriteBoolean("populateLeavesFirstAccessCost", prefault.PopulateLeavesFirstAccessCost);
                    json.WriteString("verdict", prefault.Verdict);
                    json.WriteEndObject();
                }
            }
            json.WriteEndObject();
        }
        json.WriteEndArray();
        json.WriteEndObject();
        json.Flush();
        output.Write("\n"u8);
    }

    private static void WriteProbes(Utf8JsonWriter json, IEnumerable<InfoCommand.ProbeResult> probes)
    {
        json.WriteStartArray("probes");
        foreach (InfoCommand.ProbeResult probe in probes)
        {
            json.WriteStartObject();
            json.WriteString("mapping", probe.Mapping);
            json.WriteString("mapSync", probe.MapSync);
            json.WriteString("pmem", probe.Pmem);
            json.WriteString("persist", probe.Persist);
            json.WriteString("granularity", probe.Granularity);
            json.WriteString("note", probe.Note);
            json.WriteEndObject();
        }
        json.WriteEndArray();
    }

    private static void WriteNullable(Utf8JsonWriter json, string name, bool? value)
    {
        if (value is { } v)
            json.WriteBoolean(name, v);
        else
            json.WriteNull(name);
    }
}
