namespace TradingPlatform.Strategies.Signals;

/// <summary>
/// The highest and lowest of the last <c>lookback</c> values added, in amortized O(1) per value with
/// two monotonic deques (each value enters and leaves each deque at most once; no scan of the window,
/// no allocation after construction). <see cref="Max"/>/<see cref="Min"/> are null until
/// <c>lookback</c> values have been added.
/// </summary>
/// <remarks>
/// For "the previous <c>lookback</c> prices", read <see cref="Max"/>/<see cref="Min"/> before adding
/// the current price.
/// </remarks>
public sealed class RollingExtremes
{
    private readonly MonotonicDeque _max;
    private readonly MonotonicDeque _min;
    private long _count;

    /// <param name="lookback">How many of the latest values count (at least 1).</param>
    public RollingExtremes(int lookback)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(lookback, 1);
        Lookback = lookback;
        _max = new MonotonicDeque(lookback, keepsMaximum: true);
        _min = new MonotonicDeque(lookback, keepsMaximum: false);
    }

    public int Lookback { get; }

    public bool IsReady => _count >= Lookback;

    /// <summary>How many values the window holds (up to <see cref="Lookback"/>).</summary>
    public int Count => (int)Math.Min(_count, Lookback);

    /// <summary>The highest of the last <see cref="Lookback"/> values, or null while warming up.</summary>
    public decimal? Max => IsReady ? _max.Front : null;

    /// <summary>The lowest of the last <see cref="Lookback"/> values, or null while warming up.</summary>
    public decimal? Min => IsReady ? _min.Front : null;

    public void Add(decimal value)
    {
        var index = _count++;
        _max.Add(index, value);
        _min.Add(index, value);
    }

    /// <summary>
    /// Candidates for the window's extreme, in arrival order, each strictly better than every later one:
    /// the front is the extreme. Stored in a ring of <c>lookback</c> slots (the deque never holds more,
    /// because it only holds values from the window).
    /// </summary>
    private sealed class MonotonicDeque(int lookback, bool keepsMaximum)
    {
        private readonly long[] _indices = new long[lookback];
        private readonly decimal[] _values = new decimal[lookback];
        private int _head;
        private int _size;

        public decimal Front => _values[_head];

        public void Add(long index, decimal value)
        {
            // Drop the front once it is older than the window that ends at this value.
            if (_size > 0 && _indices[_head] <= index - lookback)
            {
                _head = Next(_head);
                _size--;
            }

            // Drop candidates from the back that the new value dominates (ties: the newer one lives longer).
            while (_size > 0)
            {
                var back = Slot(_size - 1);
                var dominated = keepsMaximum ? _values[back] <= value : _values[back] >= value;
                if (!dominated) break;
                _size--;
            }

            var slot = Slot(_size);
            _indices[slot] = index;
            _values[slot] = value;
            _size++;
        }

        private int Slot(int offset)
        {
            var slot = _head + offset;
            return slot >= _values.Length ? slot - _values.Length : slot;
        }

        private int Next(int slot) => slot + 1 == _values.Length ? 0 : slot + 1;
    }
}
