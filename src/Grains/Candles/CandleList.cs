using System.Collections;

namespace TradingPlatform.Candles;

/// <summary>
/// A growable list of bars in chunks of <see cref="ChunkSize"/>. A <see cref="Candle"/> is 88 bytes, so one array of
/// 1,000 (a page of <c>GET /v1/candles</c>) is above the 85,000-byte threshold of the large-object heap, and one such
/// allocation per request fills it fast enough to force a full collection every few seconds: pauses that end up in the
/// p99 of the endpoint. Chunks of 512 (45 KB) stay in the small-object heap.
/// </summary>
internal sealed class CandleList : IReadOnlyList<Candle>
{
    public const int ChunkSize = 512;

    private readonly List<Candle[]> _chunks = [];

    public int Count { get; private set; }

    public Candle this[int index]
    {
        get
        {
            ArgumentOutOfRangeException.ThrowIfNegative(index);
            ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, Count);
            return _chunks[index / ChunkSize][index % ChunkSize];
        }
    }

    public void Add(in Candle candle)
    {
        if (Count % ChunkSize == 0) _chunks.Add(new Candle[ChunkSize]);
        _chunks[^1][Count % ChunkSize] = candle;
        Count++;
    }

    public void AddRange(IEnumerable<Candle> candles)
    {
        foreach (var candle in candles) Add(candle);
    }

    public IEnumerator<Candle> GetEnumerator()
    {
        for (var i = 0; i < Count; i++) yield return _chunks[i / ChunkSize][i % ChunkSize];
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
