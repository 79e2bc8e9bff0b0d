namespace TradingPlatform.Strategies.Signals;

/// <summary>
/// The arithmetic mean of the last <c>period</c> values: a rolling sum, O(1) per value.
/// <see cref="Value"/> is null until <c>period</c> values have been added.
/// </summary>
public sealed class SimpleMovingAverage
{
    private readonly RollingWindow _window;

    /// <param name="period">How many values the mean covers (at least 1).</param>
    public SimpleMovingAverage(int period)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(period, 1);
        _window = new RollingWindow(period, trackSquares: false);
    }

    public int Period => _window.Capacity;

    public bool IsReady => _window.IsFull;

    /// <summary>The mean of the last <see cref="Period"/> values, or null while warming up.</summary>
    public decimal? Value { get; private set; }

    public void Add(decimal value)
    {
        _window.Add(value);
        if (_window.IsFull) Value = _window.Sum / _window.Capacity;
    }
}
