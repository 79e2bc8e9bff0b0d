using BenchmarkDotNet.Attributes;
using TradingPlatform.Backtesting;
using TradingPlatform.Candles;
using TradingPlatform.Strategies;
using TradingPlatform.Strategies.Signals;

namespace TradingPlatform.Benchmarks.Engine;

/// <summary>
/// sma_cross(10, 50) backtests over one million pre-generated one-minute bars, compute only (no I/O). Each benchmark
/// is one whole run (engine construction, <c>Run</c> over the array, <c>Complete</c> with metrics);
/// <see cref="OperationsPerInvoke"/> makes the reported time per bar, so bars/s = 10⁹ / (ns per op).
/// </summary>
[MemoryDiagnoser]
public class EngineBenchmarks
{
    public const int Bars = 1_000_000;
    private const int Fast = 10;
    private const int Slow = 50;
    private const decimal Quantity = 10m;
    private static readonly BacktestSettings Settings = new(InitialCapital: 100_000m, FeeBps: 1m, SlippageBps: 2m);

    private Candle[] _bars = [];

    [GlobalSetup]
    public void Setup()
    {
        _bars = SyntheticBars.Generate(Bars, seed: 20260101);

        // Equal work or no comparison: all three must trade identically before anything is timed.
        var engine = Engine();
        var division = DivisionEngine();
        var (naiveEquity, naiveFills) = Naive();
        if (engine.Metrics.FinalEquity != naiveEquity || engine.Trades.Count != naiveFills
            || division.Metrics.FinalEquity != naiveEquity || division.Trades.Count != naiveFills)
            throw new InvalidOperationException(
                $"The backtests disagree: engine {engine.Metrics.FinalEquity}/{engine.Trades.Count}, division {division.Metrics.FinalEquity}/{division.Trades.Count}, naive {naiveEquity}/{naiveFills}.");
        Console.WriteLine($"// sanity: {engine.Trades.Count} fills, final equity {engine.Metrics.FinalEquity}, {engine.EquityCurve.Count} days, identical in all three");
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Bars, Description = "naive: both SMAs recomputed every bar")]
    public decimal NaiveRecompute() => Naive().FinalEquity;

    [Benchmark(OperationsPerInvoke = Bars, Description = "engine + old sma_cross (divides both SMAs every bar)")]
    public decimal EngineDivisionSma() => DivisionEngine().Metrics.FinalEquity;

    [Benchmark(OperationsPerInvoke = Bars, Description = "engine + sma_cross (SignalFactory)")]
    public decimal EngineSmaCross() => Engine().Metrics.FinalEquity;

    [Benchmark(OperationsPerInvoke = Bars, Description = "engine + manual (never trades: the engine's own per-bar cost)")]
    public decimal EngineManual() => Run(ManualSignal.Instance).Metrics.FinalEquity;

    private BacktestResult Engine()
    {
        var signal = SignalFactory.Create(StrategyKind.SmaCross,
            new Dictionary<string, decimal> { ["fast"] = Fast, ["slow"] = Slow, ["quantity"] = Quantity });
        return Run(signal);
    }

    private BacktestResult DivisionEngine() => Run(new DivisionSmaCrossSignal(Fast, Slow, Quantity));

    private BacktestResult Run(ISignal signal)
    {
        var engine = new BacktestEngine(signal, Settings);
        engine.Run(_bars);
        return engine.Complete();
    }

    private (decimal FinalEquity, int Fills) Naive() =>
        NaiveSmaCrossBacktest.Run(_bars, Fast, Slow, Quantity, Settings.InitialCapital, Settings.FeeBps, Settings.SlippageBps);
}
