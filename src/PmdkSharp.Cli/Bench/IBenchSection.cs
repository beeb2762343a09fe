namespace PmdkSharp.Cli.Bench;

/// <summary>
/// One section of <c>pmemsharp bench</c> (<c>--only NAME</c>). A section runs in the tool's own
/// process and, for what needs emulated pmem, in the child process started with
/// PMEM_IS_PMEM_FORCE=1 (<see cref="BenchContext.InEmulatedPmemChild"/>); it adds its tables,
/// findings and notes to <see cref="BenchContext.Report"/>.
/// </summary>
internal interface IBenchSection
{
    /// <summary>The name <c>--only</c> selects it by, e.g. <c>growth</c>.</summary>
    string Name { get; }

    /// <summary>Progress steps the section takes in this process; 0 when it has nothing to do here.</summary>
    int Steps(BenchContext context);

    /// <summary>Measures, then adds tables and findings to the report; calls <see cref="IProgressSink.Step"/> <see cref="Steps"/> times.</summary>
    void Run(BenchContext context, IProgressSink progress);
}
