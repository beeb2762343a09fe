// Native AOT smoke test: maps a file, writes, persists, grows, reopens, and prints what PmdkSharp chose.
// Usage: AotSmoke [--dir DIR] [--expect-backend Pmdk|Managed] [--expect-source Package|System|Explicit]
using System;
using System.Collections.Generic;
using System.Diagnostics.Metrics;
using System.IO;
using System.Text;
using PmdkSharp;

string dir = "/dev/shm";
string? expectBackend = null, expectSource = null;
for (int i = 0; i + 1 < args.Length; i += 2)
{
    switch (args[i])
    {
        case "--dir": dir = args[i + 1]; break;
        case "--expect-backend": expectBackend = args[i + 1]; break;
        case "--expect-source": expectSource = args[i + 1]; break;
        default: Console.Error.WriteLine($"unknown argument {args[i]}"); return 2;
    }
}

// Count what the library's meter reports, to show the instruments work after trimming.
var totals = new Dictionary<string, double>();
using var listener = new MeterListener();
listener.InstrumentPublished = (instrument, l) =>
{
    if (instrument.Meter.Name == PmemMetrics.MeterName)
        l.EnableMeasurementEvents(instrument);
};
listener.SetMeasurementEventCallback<long>((instrument, value, _, _) =>
    totals[instrument.Name] = totals.GetValueOrDefault(instrument.Name) + value);
listener.SetMeasurementEventCallback<double>((instrument, value, _, _) =>
    totals[instrument.Name] = totals.GetValueOrDefault(instrument.Name) + 1);
listener.Start();

string path = Path.Combine(dir, $"aotsmoke-{Environment.ProcessId}.bin");
byte[] hello = Encoding.UTF8.GetBytes("hello from native AOT");
try
{
    using (var file = PmemFile.Open(path, new PmemFileOptions
    {
        Length = 1 << 20,
        MaxLength = 16 << 20,
        Prefault = PrefaultMode.PopulateWrite,
    }))
    {
        file.CopyPersist(0, hello);
        file.Grow(4 << 20);
        file.Write(3 << 20, 0x1234_5678_9ABC_DEF0L);
        file.Persist(3 << 20, sizeof(long));
        Console.WriteLine(file);
        Console.WriteLine($"backend={file.Backend} pmem={file.IsPersistentMemory} granularity={file.Granularity}");
    }
    listener.RecordObservableInstruments();

    using (var again = PmemFile.OpenExisting(path, readOnly: true))
    {
        string text = Encoding.UTF8.GetString(again.GetReadOnlySpan(0, hello.Length));
        long value = again.Read<long>(3 << 20);
        if (text != "hello from native AOT" || value != 0x1234_5678_9ABC_DEF0L || again.Length != 4 << 20)
        {
            Console.Error.WriteLine($"FAIL: reopened file has '{text}', {value:X}, length {again.Length}");
            return 1;
        }
    }
}
finally
{
    File.Delete(path);
}

PmemDiagnostics diagnostics = PmemRuntime.GetDiagnostics();
Console.WriteLine($"Backend={diagnostics.Backend}");
Console.WriteLine($"Source={diagnostics.LibpmemSource}");
Console.WriteLine($"Libpmem={diagnostics.LibpmemPath}");
Console.WriteLine($"Libpmem2={diagnostics.Libpmem2Path} ({diagnostics.Libpmem2Source})");
Console.WriteLine($"Version={diagnostics.LibpmemVersion}");
Console.WriteLine($"Reason={diagnostics.Reason}");
foreach ((string name, double total) in totals)
    Console.WriteLine($"metric {name}={total}");

int failures = 0;
void Expect(bool condition, string what)
{
    if (!condition)
    {
        Console.Error.WriteLine($"FAIL: {what}");
        failures++;
    }
}
if (expectBackend is not null)
    Expect(diagnostics.Backend.ToString() == expectBackend, $"backend {diagnostics.Backend}, expected {expectBackend}");
if (expectSource is not null)
    Expect(diagnostics.LibpmemSource.ToString() == expectSource, $"libpmem source {diagnostics.LibpmemSource}, expected {expectSource}");
Expect(totals.GetValueOrDefault("pmdksharp.persist.calls") >= 2, "pmdksharp.persist.calls recorded");
Expect(totals.GetValueOrDefault("pmdksharp.grows") >= 1, "pmdksharp.grows recorded");
Console.WriteLine(failures == 0 ? "OK" : "FAILED");
return failures == 0 ? 0 : 1;
