namespace TradingPlatform.Strategies.Signals;

/// <summary>
/// The last <c>capacity</c> values in a ring buffer with their running sum (and optionally the running
/// sum of squares), updated in O(1) per value without allocating.
/// </summary>
/// <remarks>
/// Decimal addition and subtraction are exact while results fit in 28-29 significant digits, which holds
/// for prices with a handful of decimals; values with more digits than that are rounded on each update.
/// So that such rounding can never drift, the sums are recomputed from the buffer once every
/// <c>capacity</c> values: amortized O(1), and the sums then depend only on the values in the window.
/// </remarks>
internal sealed class RollingWindow
{
    private readonly decimal[] _values;
    private readonly bool _trackSquares;
    private int _next;
    private int _sinceResync;

    public RollingWindow(int capacity, bool trackSquares)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _values = new decimal[capacity];
        _trackSquares = trackSquares;
    }

    public int Capacity => _values.Length;

    /// <summary>How many values the window holds (up to <see cref="Capacity"/>).</summary>
    public int Count { get; private set; }

    public bool IsFull => Count == _values.Length;

    public decimal Sum { get; private set; }

    /// <summary>The sum of the squares of the values (zero unless squares are tracked).</summary>
    public decimal SumOfSquares { get; private set; }

    public void Add(decimal value)
    {
        if (IsFull)
        {
            var oldest = _values[_next];
            Sum -= oldest;
            if (_trackSquares) SumOfSquares -= oldest * oldest;
        }
        else
        {
            Count++;
        }

        _values[_next] = value;
        Sum += value;
        if (_trackSquares) SumOfSquares += value * value;
        _next = _next + 1 == _values.Length ? 0 : _next + 1;

        if (++_sinceResync == _values.Length) Resync();
    }

    private void Resync()
    {
        _sinceResync = 0;
        var sum = 0m;
        var squares = 0m;
        for (var i = 0; i < Count; i++)
        {
            var value = _values[i];
            sum += value;
            if (_trackSquares) squares += value * value;
        }
        Sum = sum;
        SumOfSquares = squares;
    }
}
