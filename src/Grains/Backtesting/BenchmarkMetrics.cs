using TradingPlatform.Candles;

namespace TradingPlatform.Backtesting;

/// <summary>A benchmark's close on one UTC day: the close of its last bar that day.</summary>
/// <param name="DayUtc">The day, at 00:00 UTC.</param>
public readonly record struct DailyClose(DateTime DayUtc, decimal Close);

/// <summary>
/// A benchmark's bars over a run's range, reduced as they stream by: the last close of each UTC day (the same sampling
/// as the strategy's daily equity), and the first and last close of the whole range.
/// </summary>
public sealed class BenchmarkSeries
{
    private readonly List<DailyClose> _closes = [];
    private decimal? _firstClose;
    private decimal _lastClose;
    private long _lastTicks = long.MinValue;

    /// <summary>The last close of each UTC day with a bar, ascending.</summary>
    public IReadOnlyList<DailyClose> DailyCloses => _closes;

    /// <summary>Bars seen.</summary>
    public long Bars { get; private set; }

    /// <summary>Close-to-close return over the range: last bar's close / first bar's close − 1; null without bars.</summary>
    public decimal? TotalReturn => _firstClose is { } first && first != 0m ? _lastClose / first - 1m : null;

    /// <summary>Adds the next bars; times must be strictly ascending across calls.</summary>
    /// <exception cref="ArgumentException">A bar is not later than the one before it.</exception>
    public void Add(ReadOnlySpan<Candle> bars)
    {
        foreach (ref readonly var bar in bars)
        {
            var ticks = bar.TimeUtc.Ticks;
            if (ticks <= _lastTicks)
                throw new ArgumentException($"Benchmark bars must be in strictly ascending time: {bar.TimeUtc:O} follows {new DateTime(_lastTicks, DateTimeKind.Utc):O}.", nameof(bars));
            var day = new DateTime(ticks / TimeSpan.TicksPerDay * TimeSpan.TicksPerDay, DateTimeKind.Utc);
            if (_closes.Count > 0 && _closes[^1].DayUtc == day) _closes[^1] = new DailyClose(day, bar.Close);
            else _closes.Add(new DailyClose(day, bar.Close));
            _firstClose ??= bar.Close;
            _lastClose = bar.Close;
            _lastTicks = ticks;
            Bars++;
        }
    }
}

/// <summary>How a run compares with its benchmark (<see cref="BenchmarkMetrics.Compare"/>).</summary>
/// <param name="Symbol">The benchmark's symbol.</param>
/// <param name="Beta">See <see cref="PerformanceMetrics.Beta"/>; null when undefined.</param>
/// <param name="Alpha">See <see cref="PerformanceMetrics.Alpha"/>; null when undefined.</param>
/// <param name="Return">The benchmark's close-to-close return over the range; null without bars.</param>
/// <param name="AlignedDays">Days on which both the strategy and the benchmark have a daily return.</param>
public sealed record BenchmarkComparison(string Symbol, double? Beta, double? Alpha, decimal? Return, int AlignedDays);

/// <summary>
/// Benchmark-relative metrics in empyrical's conventions. Daily returns of the strategy are those of the other metrics
/// (<see cref="PerformanceMetrics.DailyReturns"/>: the first against the initial capital); the benchmark's are
/// <c>bⱼ = closeⱼ / closeⱼ₋₁ − 1</c> between its consecutive days with bars (its first day has none). The two series are
/// aligned on the UTC days both have (as empyrical aligns two return series by date), and beta and alpha are computed
/// over those days only.
/// </summary>
public static class BenchmarkMetrics
{
    public static BenchmarkComparison Compare(string symbol, decimal initialCapital, IReadOnlyList<EquityPoint> equityCurve, BenchmarkSeries benchmark,
        int periodsPerYear, double riskFreeRate)
    {
        ArgumentNullException.ThrowIfNull(equityCurve);
        ArgumentNullException.ThrowIfNull(benchmark);
        var equity = new double[equityCurve.Count];
        for (var i = 0; i < equity.Length; i++) equity[i] = (double)equityCurve[i].Equity;
        var returns = PerformanceMetrics.DailyReturns((double)initialCapital, equity);

        var benchmarkReturns = new Dictionary<DateTime, double>(benchmark.DailyCloses.Count);
        for (var j = 1; j < benchmark.DailyCloses.Count; j++)
        {
            var previous = benchmark.DailyCloses[j - 1].Close;
            if (previous != 0m) benchmarkReturns[benchmark.DailyCloses[j].DayUtc] = (double)(benchmark.DailyCloses[j].Close / previous - 1m);
        }

        var r = new List<double>(returns.Length);
        var b = new List<double>(returns.Length);
        for (var i = 0; i < returns.Length; i++)
        {
            if (!benchmarkReturns.TryGetValue(equityCurve[i].TimeUtc, out var benchmarkReturn)) continue;
            r.Add(returns[i]);
            b.Add(benchmarkReturn);
        }
        double[] strategy = [.. r], market = [.. b];
        return new BenchmarkComparison(symbol, PerformanceMetrics.Beta(strategy, market),
            PerformanceMetrics.Alpha(strategy, market, periodsPerYear, riskFreeRate), benchmark.TotalReturn, strategy.Length);
    }
}
