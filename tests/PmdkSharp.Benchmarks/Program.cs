using System.Linq;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Environments;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Running;

namespace PmdkSharp.Benchmarks;

public static class Program
{
    /// <summary>A short job (3 warm-ups, 5 iterations, 1 launch) on emulated pmem: a minute or two, not an hour.</summary>
    public static int Main(string[] args)
    {
        if (args.Length > 0 && args[0] == "log-append")
            return LogAppendRun.Run(args[1..]); // a Stopwatch run with latency percentiles (LogAppendRun.cs), not BenchmarkDotNet
        if (args.Length > 0 && args[0] == "log-retention")
            return LogRetentionRun.Run(args[1..]); // a log that runs forever: bounds and the cost of dropping the head
        IConfig config = DefaultConfig.Instance
            .AddJob(Job.ShortRun.WithIterationCount(5)
                // libpmem reads this once per process; BenchmarkDotNet runs each benchmark in its own child process.
                .WithEnvironmentVariables(new EnvironmentVariable("PMEM_IS_PMEM_FORCE", "1"))
                .WithId("ShortPmemForced"))
            .WithOptions(ConfigOptions.DisableOptimizationsValidator);
        var summaries = BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args.Contains("--filter") ? args : [.. args, "--filter", "*"], config);
        foreach (var summary in summaries)
            if (summary.HasCriticalValidationErrors || summary.Reports.Any(r => !r.Success))
                return 1;
        return 0;
    }
}
