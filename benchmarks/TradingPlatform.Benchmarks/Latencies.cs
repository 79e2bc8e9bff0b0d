using System.Diagnostics;
using System.Globalization;

namespace TradingPlatform.Benchmarks;

/// <summary>Latency samples (Stopwatch ticks) and their nearest-rank percentiles in milliseconds.</summary>
public sealed class Latencies
{
    private readonly long[] _sorted;

    public Latencies(IEnumerable<List<long>> samples)
    {
        _sorted = samples.SelectMany(s => s).ToArray();
        Array.Sort(_sorted);
    }

    public int Count => _sorted.Length;

    public double P50 => Percentile(50);
    public double P90 => Percentile(90);
    public double P99 => Percentile(99);
    public double Max => _sorted.Length == 0 ? double.NaN : Ms(_sorted[^1]);

    public double Percentile(double p)
    {
        if (_sorted.Length == 0) return double.NaN;
        var rank = (int)Math.Ceiling(p / 100 * _sorted.Length);
        return Ms(_sorted[Math.Clamp(rank - 1, 0, _sorted.Length - 1)]);
    }

    public static double Ms(long ticks) => ticks * 1000.0 / Stopwatch.Frequency;

    public static string Format(double ms) => double.IsNaN(ms) ? "n/a" : ms.ToString(ms < 10 ? "0.00" : "0.0", CultureInfo.InvariantCulture);
}

/// <summary>Formatting that does not depend on the machine's culture.</summary>
public static class Text
{
    public static string N0(double value) => value.ToString("#,0", CultureInfo.InvariantCulture);

    public static string F(double value, string format) => value.ToString(format, CultureInfo.InvariantCulture);

    public static string I(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
