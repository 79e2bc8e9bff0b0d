using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Running;

// A short job so the whole run stays within a few minutes on a shared 2-core machine: one process, 2 warm-up and
// 5 measured iterations per benchmark (each iteration is at least one full million-bar backtest). Command-line options
// (--filter '*' to run everything, --list flat, ...) go to BenchmarkDotNet.
var config = DefaultConfig.Instance
    .AddJob(Job.Default.WithLaunchCount(1).WithWarmupCount(2).WithIterationCount(5).WithId("short"))
    .AddColumn(StatisticColumn.Min, StatisticColumn.Max)
    .WithOptions(ConfigOptions.JoinSummary);

BenchmarkSwitcher.FromAssembly(typeof(TradingPlatform.Benchmarks.Engine.EngineBenchmarks).Assembly).Run(args, config);
