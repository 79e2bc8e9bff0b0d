namespace TradingPlatform.Strategies.Signals;

/// <summary>
/// Bollinger Bands over the last <c>period</c> values: <see cref="Middle"/> is their simple mean,
/// <see cref="Upper"/>/<see cref="Lower"/> are <c>Middle ± k · σ</c> where σ is the population
/// standard deviation of the window (divide by <c>period</c>, not <c>period - 1</c>: the population
/// form reproduces the reference Bollinger(20, 2) of QuantConnect LEAN, the sample form is off by 0.3).
/// O(1) per value from running sums; all values are null until <c>period</c> values have been added.
/// </summary>
/// <remarks>
/// Variance is computed in decimal as <c>Σx²/n − mean²</c> from exact running sums (clamped at 0),
/// and its square root to decimal precision by <see cref="DecimalMath.Sqrt"/> (a double estimate then
/// two Newton steps in decimal).
/// </remarks>
public sealed class BollingerBands
{
    private readonly RollingWindow _window;

    /// <param name="period">How many values the bands cover (at least 1).</param>
    /// <param name="k">How many standard deviations the bands sit from the middle (not negative).</param>
    public BollingerBands(int period, decimal k)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(period, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(k);
        _window = new RollingWindow(period, trackSquares: true);
        K = k;
    }

    public int Period => _window.Capacity;

    public decimal K { get; }

    public bool IsReady => _window.IsFull;

    /// <summary>How many values the window holds (up to <see cref="Period"/>).</summary>
    public int Count => _window.Count;

    /// <summary>The simple mean of the window.</summary>
    public decimal? Middle { get; private set; }

    /// <summary><c>Middle + k · σ</c>.</summary>
    public decimal? Upper { get; private set; }

    /// <summary><c>Middle − k · σ</c>.</summary>
    public decimal? Lower { get; private set; }

    /// <summary>The population standard deviation σ of the window.</summary>
    public decimal? StandardDeviation { get; private set; }

    public void Add(decimal value)
    {
        _window.Add(value);
        if (!_window.IsFull) return;

        var n = _window.Capacity;
        var mean = _window.Sum / n;
        var variance = _window.SumOfSquares / n - mean * mean;
        var deviation = DecimalMath.Sqrt(variance > 0m ? variance : 0m);
        var width = K * deviation;
        Middle = mean;
        StandardDeviation = deviation;
        Upper = mean + width;
        Lower = mean - width;
    }
}
