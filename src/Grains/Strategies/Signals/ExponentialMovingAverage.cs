namespace TradingPlatform.Strategies.Signals;

/// <summary>
/// An exponential moving average with <c>alpha = 2 / (period + 1)</c>, seeded with the simple mean of
/// the first <c>period</c> values (the seeding that reproduces the reference EMA(14) of QuantConnect
/// LEAN; seeding with the first value instead does not). After that, <c>ema += alpha * (value - ema)</c>.
/// <see cref="Value"/> is null until <c>period</c> values have been added.
/// </summary>
public sealed class ExponentialMovingAverage
{
    private readonly decimal _alpha;
    private decimal _seedSum;
    private int _count;

    /// <param name="period">The EMA's period (at least 1).</param>
    public ExponentialMovingAverage(int period)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(period, 1);
        Period = period;
        _alpha = 2m / (period + 1);
    }

    public int Period { get; }

    public bool IsReady => _count >= Period;

    /// <summary>The smoothing factor, <c>2 / (period + 1)</c>.</summary>
    public decimal Alpha => _alpha;

    /// <summary>The current average, or null while warming up.</summary>
    public decimal? Value { get; private set; }

    public void Add(decimal value)
    {
        if (_count < Period)
        {
            _seedSum += value;
            if (++_count == Period) Value = _seedSum / Period;
            return;
        }

        var ema = Value.GetValueOrDefault();
        Value = ema + _alpha * (value - ema);
    }
}
