using System;
using System.CommandLine;
using System.IO;
using System.Text.Json;

namespace PmdkSharp.Cli.Bench;

/// <summary>
/// <c>pmemsharp bench-child</c> (hidden): the emulated-pmem half of <c>bench</c>, started by
/// <see cref="EmulatedPmemChild"/> with PMEM_IS_PMEM_FORCE=1. Not meant to be typed.
/// </summary>
internal static class BenchChildCommand
{
    public const string Name = "bench-child";

    public static Command Create()
    {
        var dir = new Option<string>("--dir") { Description = "The tmpfs or DAX directory to measure in", Required = true };
        var label = new Option<string>("--label") { Description = "The directory's label in the report", DefaultValueFactory = _ => "tmpfs" };
        var output = new Option<string>("--out") { Description = "File the report is written to (JSON)", Required = true };
        Option<string[]> only = BenchOptions.Only();
        Option<long?> size = BenchOptions.Size();
        Option<bool> quick = BenchOptions.Quick();
        Option<string?> native = BenchOptions.NativeBench();
        var command = new Command(Name, "The emulated-pmem part of bench, run in a child process with PMEM_IS_PMEM_FORCE=1.") { Hidden = true };
        foreach (Option o in new Option[] { dir, label, output, only, size, quick, native })
            command.Options.Add(o);
        command.SetAction(result =>
        {
            string path = result.GetValue(dir)!;
            var context = new BenchContext
            {
                Settings = BenchOptions.Settings(result.GetValue(size), result.GetValue(quick)),
                Dirs = [new BenchDir(path, result.GetValue(label)!, Sys.MountOf(path), Temporary: false)],
                InEmulatedPmemChild = true,
                NativeBench = result.GetValue(native) ?? BenchCommand.DefaultNativeBench(),
            };
            var progress = new StdoutProgress();
            foreach (IBenchSection section in BenchSections.Select(result.GetValue(only)))
                if (section.Steps(context) > 0)
                    section.Run(context, progress);
            File.WriteAllText(result.GetValue(output)!, JsonSerializer.Serialize(context.Report, BenchCommand.Json));
            return 0;
        });
        return command;
    }

    private sealed class StdoutProgress : IProgressSink
    {
        public void Step(string what) => Console.WriteLine(EmulatedPmemChild.StepPrefix + what);
    }
}
