using System.Diagnostics;
using System.Runtime;
using TradingPlatform.Benchmarks;

if (BacktestBench.Wants(args)) return await BacktestBench.Run(args);
// `--scenario soak …`: the soak client against running processes (benchmarks/soak.sh), options of its own.
if (TradingPlatform.Benchmarks.Soak.SoakBench.Wants(args)) return await TradingPlatform.Benchmarks.Soak.SoakBench.Run(args);
// `-- candles …`: the candle store benchmark (CandleBench), a separate run with options of its own.
if (args is ["candles", ..]) return await CandleBench.Run(args[1..]);

BenchOptions? options;
try
{
    options = BenchOptions.Parse(args);
}
catch (ArgumentException e)
{
    Console.Error.WriteLine($"{e.Message}\n\n{BenchOptions.Usage}");
    return 2;
}
if (options is null) return 2;

Console.Error.WriteLine(Text.I(
    $"trading-core benchmark: modes {string.Join(",", options.Modes)}, orders {options.Orders}, killswitch {options.KillSwitch}, {Environment.ProcessorCount} cores, server GC {GCSettings.IsServerGC}"));
var clock = Stopwatch.StartNew();
var log = new WarningLog();
var orders = new List<OrdersReport>();
var killSwitches = new List<KillSwitchReport>();
foreach (var mode in options.Modes)
{
    if (options.Orders)
    {
        var silo = await BenchSilo.Start(mode, "orders", options, log);
        try
        {
            using var scenario = new OrdersScenario(silo, options, log);
            orders.Add(await scenario.Run());
        }
        finally
        {
            await Stop(silo);
        }
    }
    if (options.KillSwitch)
    {
        var silo = await BenchSilo.Start(mode, "ks", options, log);
        try
        {
            killSwitches.Add(await new KillSwitchScenario(silo, options, log).Run());
        }
        finally
        {
            await Stop(silo);
        }
    }
}
clock.Stop();

var report = Report.Markdown(options, orders, killSwitches, clock.Elapsed);
Console.Out.Write(report);
if (options.Output is { } path) await File.WriteAllTextAsync(path, report);
Console.Error.WriteLine(Text.I($"done in {clock.Elapsed.TotalSeconds:0} s"));
return 0;

// What a silo logs while it stops (grains deactivating and calling grains already gone) is not part of a measurement.
async Task Stop(BenchSilo silo)
{
    log.Muted = true;
    await silo.DisposeAsync();
    var atShutdown = log.Take();
    log.Muted = false;
    if (atShutdown.Count > 0)
        Console.Error.WriteLine(Text.I($"  [{silo.Mode}] while the silo stopped: {string.Join(", ", atShutdown.Select(kv => $"{kv.Key} ×{kv.Value}"))}"));
}
