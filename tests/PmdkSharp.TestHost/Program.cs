using System;
using System.Collections.Generic;
using System.IO;
using System.Text.Json;
using System.Text.Json.Serialization;

[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]

namespace PmdkSharp.TestHost;

/// <summary>
/// A small command dispatcher run by the tests as a child process, so each case starts with
/// a fresh backend choice and library resolution. Every command prints one JSON object on
/// stdout; the exit code says how it ended.
/// </summary>
public static class Program
{
    public const int Success = 0;
    public const int Usage = 2;
    public const int BackendUnavailable = 3;
    public const int Failed = 4;

    private static readonly Dictionary<string, (string Arguments, Func<string[], int> Run)> Commands = new()
    {
        ["diagnostics"] = ("", _ => Diagnostics()),
        ["runtime"] = ("", _ => RuntimeVersion()),
        ["open"] = ("<path> <length> [default|pmdk|managed]", Open),
        ["lock"] = ("<path> <length> <default|pmdk|managed>", Lock),
        ["default-backend"] = ("", _ => DefaultBackend()),
        // Reliability suite (tests/PmdkSharp.Tests/Reliability): line-oriented output, see each command.
        ["append-log"] = ("<path> <backend>", Reliability.ReliabilityCommands.AppendLog),
        ["append-pmemlog"] = ("<path> <backend> <seed>", Reliability.LogCommands.AppendPmemLog),
        ["grow-past-limit"] = ("<path> <backend> <preallocation> <length> <grow-to>", Reliability.ReliabilityCommands.GrowPastLimit),
        ["follow"] = ("<path> <backend> <preallocation>", Reliability.ReliabilityCommands.Follow),
        ["read"] = ("<path> <backend> <readonly|readwrite>", Reliability.ReliabilityCommands.Read),
        ["leak-loop"] = ("<dir> <backend> <seconds> <max-iterations> <dispose|finalize>", Reliability.ReliabilityCommands.LeakLoop),
        ["eintr-grow"] = ("<dir> <backend> <seconds>", Reliability.ReliabilityCommands.EintrGrow),
        // Every persisting member under libpmem's debug build (tests/PmdkSharp.Tests/Durability/DebugLibpmemTests).
        ["persisting-calls"] = ("<dir> [name...]", Durability.PersistingCallsCommand.Run),
        // The generated structs' layout: the C probe's source, and .NET's side in the probe's output format.
        ["layout-probe"] = ("", _ => { Console.Out.Write(Interop.GeneratedStructLayouts.ProbeSource()); return Success; }),
        ["layout-expected"] = ("", _ => { Console.Out.Write(Interop.GeneratedStructLayouts.Expected()); return Success; }),
        // Power cuts in the DAX VM (tests/dax/power-cut.sh).
        ["power-log"] = ("<verify|persist|no-persist|no-persist-drops> [seed=S] <name>=[pmemlog+|pmemlog-ring+]<backend>:<path>...", Reliability.ReliabilityCommands.PowerLog),
    };

    public static int Main(string[] args)
    {
        if (args.Length == 0 || !Commands.TryGetValue(args[0], out var command))
        {
            Console.Error.WriteLine("usage: PmdkSharp.TestHost <command> [arguments]");
            foreach ((string name, (string arguments, _)) in Commands)
                Console.Error.WriteLine($"  {name} {arguments}");
            return Usage;
        }
        try
        {
            return command.Run(args[1..]);
        }
        catch (PmemBackendUnavailableException e)
        {
            return Fail(e, BackendUnavailable);
        }
        catch (Exception e)
        {
            return Fail(e, Failed);
        }
    }

    /// <summary>Prints <see cref="PmemRuntime.GetDiagnostics"/>.</summary>
    private static int Diagnostics()
    {
        Write(PmemRuntime.GetDiagnostics(), HostJsonContext.Default.PmemDiagnostics);
        return Success;
    }

    /// <summary>Prints the runtime this process runs on, and the target framework of the PmdkSharp assembly it loaded.</summary>
    private static int RuntimeVersion()
    {
        string library = typeof(PmemFile).Assembly
            .GetCustomAttributes(typeof(System.Runtime.Versioning.TargetFrameworkAttribute), false)
            is [System.Runtime.Versioning.TargetFrameworkAttribute attribute] ? attribute.FrameworkName : "unknown";
        Write(new RuntimeResult(Environment.Version.ToString(), System.Runtime.InteropServices.RuntimeInformation.FrameworkDescription,
            System.Runtime.InteropServices.RuntimeEnvironment.GetRuntimeDirectory(), library), HostJsonContext.Default.RuntimeResult);
        return 0;
    }

    /// <summary>Prints what PmemRuntime.DefaultBackend's getter returns (it must not throw).</summary>
    private static int DefaultBackend()
    {
        Write(new DefaultBackendResult(PmemRuntime.DefaultBackend), HostJsonContext.Default.DefaultBackendResult);
        return Success;
    }

    /// <summary>Creates or opens a file, writes and persists a pattern, and reports how it was mapped.</summary>
    private static int Open(string[] args)
    {
        if (args.Length is < 2 or > 3)
            throw new ArgumentException("open <path> <length> [default|pmdk|managed]");
        var backend = args.Length == 3 ? Enum.Parse<PmemBackendKind>(args[2], ignoreCase: true) : PmemBackendKind.Default;
        using var file = PmemFile.Open(args[0], new PmemFileOptions { Length = long.Parse(args[1]), Backend = backend });
        byte[] pattern = new byte[Math.Min(file.Length, 4096)];
        Random.Shared.NextBytes(pattern);
        file.CopyPersist(0, pattern);
        Write(new OpenResult(file.Backend, file.Length, file.IsPersistentMemory, file.UsesMapSync, file.Granularity), HostJsonContext.Default.OpenResult);
        return Success;
    }

    /// <summary>Creates a file and locks all of it in memory: run under a low RLIMIT_MEMLOCK to see the refusal.</summary>
    private static int Lock(string[] args)
    {
        if (args.Length != 3)
            throw new ArgumentException("lock <path> <length> <default|pmdk|managed>");
        long length = long.Parse(args[1]);
        var backend = Enum.Parse<PmemBackendKind>(args[2], ignoreCase: true);
        using var file = PmemFile.Open(args[0], new PmemFileOptions { Length = length, Backend = backend });
        file.Lock(0, length);
        Write(new LockResult(length), HostJsonContext.Default.LockResult);
        return Success;
    }

    private static int Fail(Exception e, int exitCode)
    {
        Write(new ErrorResult(e.GetType().FullName ?? e.GetType().Name, e.Message), HostJsonContext.Default.ErrorResult);
        return exitCode;
    }

    private static void Write<T>(T value, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type) =>
        Console.Out.WriteLine(JsonSerializer.Serialize(value, type));
}

public sealed record OpenResult(PmemBackendKind Backend, long Length, bool IsPersistentMemory, bool UsesMapSync, StoreGranularity Granularity);

public sealed record ErrorResult(string Exception, string Message);

public sealed record RuntimeResult(string Version, string Framework, string RuntimeDirectory, string LibraryFramework);
public sealed record LockResult(long Locked);
public sealed record DefaultBackendResult(PmemBackendKind Backend);

[JsonSourceGenerationOptions(UseStringEnumConverter = true)]
[JsonSerializable(typeof(PmemDiagnostics))]
[JsonSerializable(typeof(OpenResult))]
[JsonSerializable(typeof(ErrorResult))]
[JsonSerializable(typeof(RuntimeResult))]
[JsonSerializable(typeof(LockResult))]
[JsonSerializable(typeof(DefaultBackendResult))]
internal sealed partial class HostJsonContext : JsonSerializerContext;
