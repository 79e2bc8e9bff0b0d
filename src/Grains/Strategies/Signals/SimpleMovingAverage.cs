namespace TradingPlatform.Strategies.Signals;

/// <summary>
/// The arithmetic mean of the last <c>period</c> values: a rolling sum, O(1) per value.
/// <see cref="Value"/> is null until <c>period</c> values have been added.
/// </summary>
/// <remarks>
/// Adding a value only updates the rolling sum; the division happens when <see cref="Value"/> is read.
/// Decimal division costs several times an addition, and a caller that only compares averages (as
/// <see cref="SmaCrossSignal"/> does, through <see cref="Sum"/>) never needs it: backtests feed millions of
/// prices through here.
/// </remarks>
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

    /// <summary>How many values the window holds (up to <see cref="Period"/>).</summary>
    public int Count => _window.Count;

    /// <summary>The mean of the last <see cref="Period"/> values, or null while warming up (computed on each read).</summary>
    public decimal? Value => _window.IsFull ? _window.Sum / _window.Capacity : null;

    /// <summary>The sum of the values in the window (of all values added so far while warming up).</summary>
    internal decimal Sum => _window.Sum;

    public void Add(decimal value) => _window.Add(value);
}
