using System.Runtime.CompilerServices;

namespace TradingPlatform.Candles;

/// <summary>
/// The candle store of the embedded mode: the same contract as <see cref="PostgresCandleStore"/>, in memory (lost with
/// the process). Each series is one sorted array, replaced whole by a write (copy on write, under one lock), so readers
/// never lock while they scan and never see half an import. Aggregation is <see cref="CandleAggregation"/>.
/// </summary>
public sealed class InMemoryCandleStore : ICandleStore
{
    private readonly Lock _lock = new();
    private readonly Dictionary<(string Symbol, Timeframe Timeframe), Candle[]> _series = [];

    public async Task<CandleImportResult> Import(Stream csv, CancellationToken cancellationToken = default)
    {
        var parser = new CandleCsvParser();
        var incoming = new Dictionary<(string, Timeframe), List<Candle>>();
        await foreach (var batch in parser.ReadAsync(csv, cancellationToken))
        {
            foreach (var row in batch)
            {
                if (!incoming.TryGetValue((row.Symbol, row.Timeframe), out var list)) incoming[(row.Symbol, row.Timeframe)] = list = [];
                list.Add(row.Candle);
            }
        }
        if (parser.Unreadable is { } why) throw new CandleFileException(why);
        Write(incoming);
        return parser.Result(parser.Valid);
    }

    public Task<int> Upsert(string symbol, Timeframe timeframe, IEnumerable<Candle> candles, CancellationToken cancellationToken = default)
    {
        var rows = CandleRules.Rows(symbol, timeframe, candles);
        cancellationToken.ThrowIfCancellationRequested();
        if (rows.Count > 0) Write(new() { [(rows[0].Symbol, timeframe)] = rows.ConvertAll(r => r.Candle) });
        return Task.FromResult(rows.Count);
    }

    public async Task<IReadOnlyList<Candle>> Query(string symbol, Timeframe timeframe, DateTime? fromUtc, DateTime? toUtc, int limit, CancellationToken cancellationToken = default) =>
        (await Page(symbol, timeframe, fromUtc, toUtc, limit, cancellationToken)).Bars;

    public Task<CandlePage> Page(string symbol, Timeframe timeframe, DateTime? fromUtc, DateTime? toUtc, int limit, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        var source = SourceOf(CandleRules.NormalizeSymbol(symbol), timeframe);
        var bars = Read(source, timeframe, fromUtc, toUtc);
        if (bars is ArraySegment<Candle> stored) // stored arrays are never changed: a slice of one needs no copy
            return Task.FromResult(new CandlePage(source?.Timeframe, stored.Slice(0, Math.Min(limit, stored.Count))));
        var aggregated = new CandleList();
        aggregated.AddRange(bars.Take(limit));
        return Task.FromResult(new CandlePage(source?.Timeframe, aggregated));
    }

    public async IAsyncEnumerable<Candle[]> ReadBatches(string symbol, Timeframe timeframe, DateTime fromUtc, DateTime toUtc, int batchSize,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        await Task.CompletedTask;
        foreach (var chunk in Read(SourceOf(CandleRules.NormalizeSymbol(symbol), timeframe), timeframe, fromUtc, toUtc).Chunk(batchSize))
        {
            cancellationToken.ThrowIfCancellationRequested();
            yield return chunk;
        }
    }

    public Task<Timeframe?> Source(string symbol, Timeframe timeframe, CancellationToken cancellationToken = default) =>
        Task.FromResult(SourceOf(CandleRules.NormalizeSymbol(symbol), timeframe)?.Timeframe);

    public Task<CandleCoverage?> Describe(string symbol, Timeframe timeframe, CancellationToken cancellationToken = default)
    {
        var normalized = CandleRules.NormalizeSymbol(symbol);
        if (SourceOf(normalized, timeframe) is not (var source, var bars)) return Task.FromResult<CandleCoverage?>(null);
        var count = source == timeframe ? bars.Length : CandleAggregation.Aggregate(bars, timeframe).LongCount();
        return Task.FromResult<CandleCoverage?>(new CandleCoverage(normalized, timeframe, source,
            timeframe.Floor(bars[0].TimeUtc), timeframe.Floor(bars[^1].TimeUtc), count));
    }

    /// <summary>The bars of [from, to), built from the source timeframe when the requested one is not stored.</summary>
    private static IEnumerable<Candle> Read((Timeframe Timeframe, Candle[] Bars)? found, Timeframe timeframe, DateTime? fromUtc, DateTime? toUtc)
    {
        if (found is not (var source, var bars)) return [];
        // A bar is in the range when its open time is; an aggregated bar takes every source bar of its bucket, so the
        // source range is [first bucket at or after from, first bucket at or after to).
        var lower = fromUtc is { } from ? LowerBound(bars, timeframe.Ceiling(Utc(from))) : 0;
        var upper = toUtc is { } to ? LowerBound(bars, timeframe.Ceiling(Utc(to))) : bars.Length;
        if (upper <= lower) return [];
        var slice = new ArraySegment<Candle>(bars, lower, upper - lower);
        return source == timeframe ? slice : CandleAggregation.Aggregate(slice, timeframe);
    }

    private (Timeframe Timeframe, Candle[] Bars)? SourceOf(string symbol, Timeframe timeframe)
    {
        lock (_lock)
        {
            foreach (var candidate in timeframe.Sources())
                if (_series.TryGetValue((symbol, candidate), out var bars) && bars.Length > 0) return (candidate, bars);
        }
        return null;
    }

    private void Write(Dictionary<(string, Timeframe), List<Candle>> incoming)
    {
        foreach (var list in incoming.Values) list.Sort(static (a, b) => a.TimeUtc.CompareTo(b.TimeUtc));
        lock (_lock)
        {
            foreach (var (key, list) in incoming)
                _series[key] = _series.TryGetValue(key, out var existing) ? Merge(existing, list) : [.. list];
        }
    }

    /// <summary>Both sorted, without repeats of their own; on an equal time the incoming bar replaces the stored one.</summary>
    private static Candle[] Merge(Candle[] existing, List<Candle> incoming)
    {
        var merged = new List<Candle>(existing.Length + incoming.Count);
        int i = 0, j = 0;
        while (i < existing.Length && j < incoming.Count)
        {
            var order = existing[i].TimeUtc.CompareTo(incoming[j].TimeUtc);
            if (order < 0) merged.Add(existing[i++]);
            else
            {
                if (order == 0) i++;
                merged.Add(incoming[j++]);
            }
        }
        while (i < existing.Length) merged.Add(existing[i++]);
        while (j < incoming.Count) merged.Add(incoming[j++]);
        return [.. merged];
    }

    private static int LowerBound(Candle[] bars, DateTime timeUtc)
    {
        int lo = 0, hi = bars.Length;
        while (lo < hi)
        {
            var mid = lo + ((hi - lo) >> 1);
            if (bars[mid].TimeUtc < timeUtc) lo = mid + 1;
            else hi = mid;
        }
        return lo;
    }

    internal static DateTime Utc(DateTime time) =>
        time.Kind == DateTimeKind.Local ? time.ToUniversalTime() : DateTime.SpecifyKind(time, DateTimeKind.Utc);
}
