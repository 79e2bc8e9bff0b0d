namespace TradingPlatform.Candles;

/// <summary>
/// Historical OHLCV bars per (symbol, timeframe): imported from CSV, read for charts (<see cref="Query"/>) and for
/// backtests (<see cref="ReadBatches"/>). Two implementations keep the same contract: <see cref="PostgresCandleStore"/>
/// (table <c>candles</c>, migration 0005) and <see cref="InMemoryCandleStore"/> (embedded mode).
/// </summary>
/// <remarks>
/// <para><b>Times.</b> Every time is UTC; a bar's time is its open time, and bars start at whole multiples of their length
/// since 1970-01-01T00:00:00Z (a <c>1d</c> bar is a UTC day). Ranges are half-open: a bar is in [from, to) when its open
/// time is.</para>
/// <para><b>Aggregation.</b> A timeframe that is stored for the symbol is served as stored. Otherwise its bars are built
/// from the finest stored timeframe that divides it (<see cref="Timeframes.Sources"/>): open of the first bar in the
/// bucket, highest high, lowest low, close of the last bar, summed volume. Only buckets holding at least one source
/// bar exist, and an aggregated bar always covers its whole bucket (all of its source bars, even when <c>from</c>
/// falls inside it: it is then not in the range). One answer never mixes source timeframes: the choice is made per
/// symbol, so a symbol with <c>1d</c> bars for 20 years and <c>1m</c> bars for one week serves <c>1d</c> as stored and
/// <c>1h</c>/<c>4h</c> from the week of <c>1m</c> bars.</para>
/// <para><b>Symbols</b> are compared after <see cref="CandleRules.NormalizeSymbol"/> (trimmed, upper case).</para>
/// </remarks>
public interface ICandleStore
{
    /// <summary>
    /// Reads a CSV (<see cref="CandleCsvParser"/>) and upserts its valid rows by (symbol, timeframe, time) in one
    /// transaction: all of them or, on failure, none. Rejected rows are counted and described, never written.
    /// </summary>
    /// <exception cref="CandleFileException">Nothing in the stream is a candle row (empty, header only, not this CSV); nothing was written.</exception>
    Task<CandleImportResult> Import(Stream csv, CancellationToken cancellationToken = default);

    /// <summary>
    /// Upserts bars of one series in one transaction (tools, generators and tests; the same rules as a CSV row).
    /// Returns how many were written.
    /// </summary>
    /// <exception cref="ArgumentException">A bar breaks a rule (<see cref="CandleRules"/>) or repeats a time; nothing was written.</exception>
    Task<int> Upsert(string symbol, Timeframe timeframe, IEnumerable<Candle> candles, CancellationToken cancellationToken = default);

    /// <summary>Up to <paramref name="limit"/> bars in [from, to), ascending; a null bound is open.</summary>
    Task<IReadOnlyList<Candle>> Query(string symbol, Timeframe timeframe, DateTime? fromUtc, DateTime? toUtc, int limit, CancellationToken cancellationToken = default);

    /// <summary><see cref="Query"/> and <see cref="Source"/> in one go (one round trip on Postgres when the timeframe is stored): what the API serves.</summary>
    Task<CandlePage> Page(string symbol, Timeframe timeframe, DateTime? fromUtc, DateTime? toUtc, int limit, CancellationToken cancellationToken = default);

    /// <summary>
    /// Every bar in [from, to), ascending, in arrays of at most <paramref name="batchSize"/> (each a new array the caller
    /// may keep). Made for backtests: stored bars stream from Postgres with a binary COPY.
    /// </summary>
    IAsyncEnumerable<Candle[]> ReadBatches(string symbol, Timeframe timeframe, DateTime fromUtc, DateTime toUtc, int batchSize, CancellationToken cancellationToken = default);

    /// <summary>The timeframe bars of <paramref name="timeframe"/> come from for this symbol, or null when there are none.</summary>
    Task<Timeframe?> Source(string symbol, Timeframe timeframe, CancellationToken cancellationToken = default);

    /// <summary>
    /// What is available for (symbol, timeframe): first and last bar time and how many bars (aggregated ones
    /// counted as served), or null when there are none. Counts every bar: for validating a backtest request, not per tick.
    /// </summary>
    Task<CandleCoverage?> Describe(string symbol, Timeframe timeframe, CancellationToken cancellationToken = default);
}

/// <summary>Bars of a <see cref="ICandleStore.Page"/> call and the stored timeframe they come from (null: the symbol has none for it).</summary>
public sealed record CandlePage(Timeframe? Source, IReadOnlyList<Candle> Bars);

/// <summary>What <see cref="ICandleStore.Describe"/> found.</summary>
/// <param name="Source">The stored timeframe the bars come from (equal to <paramref name="Timeframe"/> when stored).</param>
public sealed record CandleCoverage(string Symbol, Timeframe Timeframe, Timeframe Source, DateTime FirstUtc, DateTime LastUtc, long Count);

/// <summary>Outcome of a CSV import.</summary>
/// <param name="Imported">Valid rows written (inserted, or replacing the stored bar with the same key).</param>
/// <param name="Rejected">Rows not written, each for the first rule it broke.</param>
/// <param name="Errors">The first <see cref="CandleCsvParser.MaxReportedErrors"/> rejections, in line order.</param>
/// <param name="Series">Per (symbol, timeframe): how many rows were written and their time span.</param>
public sealed record CandleImportResult(int Imported, int Rejected, IReadOnlyList<CandleImportError> Errors, IReadOnlyList<CandleSeriesImport> Series);

/// <summary>One rejected row: its 1-based line number in the file, a stable code and a message.</summary>
public sealed record CandleImportError(long Line, string Code, string Reason);

/// <summary>The rows of one series an import wrote.</summary>
public sealed record CandleSeriesImport(string Symbol, string Timeframe, int Rows, DateTime FromUtc, DateTime ToUtc);

/// <summary>A body that holds no candle row at all (empty, only a header, or not this CSV format).</summary>
public sealed class CandleFileException : Exception
{
    public CandleFileException() { }

    public CandleFileException(string message) : base(message) { }

    public CandleFileException(string message, Exception innerException) : base(message, innerException) { }
}
