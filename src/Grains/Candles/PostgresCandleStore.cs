using System.Diagnostics;
using System.Globalization;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.Logging;
using Npgsql;
using NpgsqlTypes;

namespace TradingPlatform.Candles;

/// <summary>
/// Candles in Postgres (tables <c>candle_series</c> and <c>candle_bars</c>, migrations 0005 and 0010). Imports stream the
/// parsed rows with a binary COPY, straight into <c>candle_bars</c> while they come after the stored bars of their series
/// (appending), else into a temporary staging table applied with one <c>INSERT … SELECT … ON CONFLICT DO UPDATE</c>, all
/// in one transaction (<see cref="PostgresCandleWriter"/>); backtests stream stored bars with one parameterized range
/// query; coarser timeframes that are not stored are aggregated in SQL (see <see cref="ICandleStore"/> for the rules).
/// </summary>
/// <remarks>
/// An import holds one pooled connection and one open transaction for as long as its body takes to arrive (the staging
/// table and the series' advisory locks live in that transaction). When two imports write the same series at once, one
/// may fail with a deadlock, and an append fails when a writer that does not take our advisory locks commits one of its
/// keys meanwhile (both a 503 to an API caller); the body is gone by then, so the caller sends it again (upserts make
/// that safe).
/// </remarks>
public sealed partial class PostgresCandleStore(NpgsqlDataSource dataSource, ILogger<PostgresCandleStore> logger) : ICandleStore
{
    /// <summary>
    /// How many source bars one aggregation query sorts at most: aggregated reads go window by window so each sort
    /// stays in memory (<see cref="AggregationWorkMem"/>) however long the range.
    /// </summary>
    private const int MaxSourceRowsPerWindow = 200_000;

    /// <summary><c>work_mem</c> for one aggregation window (SET LOCAL: this transaction only), enough to sort it in memory.</summary>
    private const string AggregationWorkMem = "64MB";

    private const string Origin = "timestamptz '1970-01-01 00:00:00+00'";

    /// <summary>The bars of series ($1 symbol, $2 timeframe): its number is looked up once per statement (an InitPlan), then one index range.</summary>
    private const string OfSeries = "series = (SELECT id FROM candle_series WHERE symbol = $1 AND timeframe = $2)";

    /// <summary>Stored bars of one series in a half-open time range, oldest first (backtest reads).</summary>
    private const string RangeSql = $"""
        SELECT time, open, high, low, close, volume FROM candle_bars
        WHERE {OfSeries} AND time >= $3 AND time < $4
        ORDER BY time
        """;

    /// <summary>
    /// The first candidate timeframe ($2, in order of preference) that has a bar of the symbol: one index probe each.
    /// The probe is a LATERAL with ORDER BY and LIMIT on purpose: written as EXISTS, PostgreSQL may turn it into a
    /// semi-join that reads all of candle_bars (seen: 349 ms with one stored series of 1M bars instead of 0.2 ms).
    /// </summary>
    internal const string SourceSql = """
        SELECT t.tf
        FROM unnest($2::text[]) WITH ORDINALITY AS t(tf, ord)
        JOIN candle_series s ON s.symbol = $1 AND s.timeframe = t.tf
        CROSS JOIN LATERAL (SELECT 1 FROM candle_bars b WHERE b.series = s.id ORDER BY b.time LIMIT 1) AS stored
        ORDER BY t.ord
        LIMIT 1
        """;

    private const string FirstAtOrAfterSql = $"SELECT min(time) FROM candle_bars WHERE {OfSeries} AND time >= $3";

    /// <summary>
    /// Source bars of [$4, $5) grouped into buckets of $3. The ordered aggregates are what SQL guarantees to see in time
    /// order (PostgreSQL 16 and later feed them presorted input; 15 sorts each bucket's handful of rows).
    /// </summary>
    private const string AggregateSql = $"""
        SELECT date_bin($3, time, {Origin}) AS bucket,
               (array_agg(open ORDER BY time))[1], max(high), min(low), (array_agg(close ORDER BY time DESC))[1], sum(volume)
        FROM candle_bars
        WHERE {OfSeries} AND time >= $4 AND time < $5
        GROUP BY bucket
        ORDER BY bucket
        """;

    public async Task<CandleImportResult> Import(Stream csv, CancellationToken cancellationToken = default)
    {
        var clock = Stopwatch.StartNew();
        var parser = new CandleCsvParser();
        var written = await Write(parser.ReadAsync(csv, cancellationToken), () => parser.Unreadable, cancellationToken);
        LogImported(logger, written, parser.Rejected, clock.ElapsedMilliseconds);
        return parser.Result(written);
    }

    public Task<int> Upsert(string symbol, Timeframe timeframe, IEnumerable<Candle> candles, CancellationToken cancellationToken = default)
    {
        var rows = CandleRules.Rows(symbol, timeframe, candles);
        if (rows.Count == 0) return Task.FromResult(0);
        return Write(One(rows), () => null, cancellationToken);
    }

    public async Task<IReadOnlyList<Candle>> Query(string symbol, Timeframe timeframe, DateTime? fromUtc, DateTime? toUtc, int limit, CancellationToken cancellationToken = default) =>
        (await Page(symbol, timeframe, fromUtc, toUtc, limit, cancellationToken)).Bars;

    public async Task<CandlePage> Page(string symbol, Timeframe timeframe, DateTime? fromUtc, DateTime? toUtc, int limit, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        symbol = CandleRules.NormalizeSymbol(symbol);
        if (!CandleRules.IsValidSymbol(symbol)) return new CandlePage(null, []);
        var from = fromUtc is { } f ? Utc(f) : (DateTime?)null;
        var to = toUtc is { } t ? Utc(t) : (DateTime?)null;
        if (from >= to) return new CandlePage(await Source(symbol, timeframe, cancellationToken), []);

        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        // One round trip for the usual case (the timeframe is stored): which source, and the stored bars.
        var storedSql = $"SELECT time, open, high, low, close, volume FROM candle_bars WHERE {OfSeries}"
            + (from is null ? "" : " AND time >= $3") + (to is null ? "" : from is null ? " AND time < $3" : " AND time < $4")
            + $" ORDER BY time LIMIT {limit.ToString(CultureInfo.InvariantCulture)}";
        await using var batch = new NpgsqlBatch(connection);
        batch.BatchCommands.Add(SourceCommand(symbol, timeframe));
        var stored = new NpgsqlBatchCommand(storedSql);
        stored.Parameters.Add(Text(symbol));
        stored.Parameters.Add(Text(timeframe.WireName()));
        if (from is { } lower) stored.Parameters.Add(Time(lower));
        if (to is { } upper) stored.Parameters.Add(Time(upper));
        batch.BatchCommands.Add(stored);

        Timeframe? source;
        var bars = new CandleList();
        await using (var reader = await batch.ExecuteReaderAsync(cancellationToken))
        {
            source = await ReadSource(reader, cancellationToken);
            await reader.NextResultAsync(cancellationToken);
            if (source == timeframe)
                while (await reader.ReadAsync(cancellationToken)) bars.Add(ReadCandle(reader));
        }
        if (source is not { } aggregateFrom || aggregateFrom == timeframe) return new CandlePage(source, bars);

        await foreach (var window in Aggregated(connection, symbol, timeframe, aggregateFrom, from, to, limit, cancellationToken))
        {
            bars.AddRange(window.Take(limit - bars.Count));
            if (bars.Count >= limit) break;
        }
        return new CandlePage(source, bars);
    }

    public async IAsyncEnumerable<Candle[]> ReadBatches(string symbol, Timeframe timeframe, DateTime fromUtc, DateTime toUtc, int batchSize,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        symbol = CandleRules.NormalizeSymbol(symbol);
        var (from, to) = (Utc(fromUtc), Utc(toUtc));
        if (!CandleRules.IsValidSymbol(symbol) || from >= to) yield break;

        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        Timeframe? found;
        await using (var probe = SourceCommand(symbol, timeframe, connection)) found = await ReadSource(probe, cancellationToken);
        if (found is not { } source) yield break;

        if (source != timeframe)
        {
            await foreach (var window in Aggregated(connection, symbol, timeframe, source, from, to, int.MaxValue, cancellationToken))
                foreach (var chunk in window.Chunk(batchSize)) yield return chunk;
            yield break;
        }

        // A plain parameterized SELECT streamed row by row: measured faster than a binary COPY TO with a ReadAsync per
        // value (CandleBench, "Backtest read": about 0.9 s vs 1.5 s and 0.95 vs 1.6 s of client CPU per 1M bars).
        await using var command = new NpgsqlCommand(RangeSql, connection) { CommandTimeout = 0 };
        command.Parameters.Add(Text(symbol));
        command.Parameters.Add(Text(timeframe.WireName()));
        command.Parameters.Add(Time(from));
        command.Parameters.Add(Time(to));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var buffer = new Candle[batchSize];
        var count = 0;
        while (await reader.ReadAsync(cancellationToken))
        {
            buffer[count++] = ReadCandle(reader);
            if (count == batchSize)
            {
                yield return buffer;
                buffer = new Candle[batchSize];
                count = 0;
            }
        }
        if (count > 0) yield return buffer[..count];
    }

    public async Task<Timeframe?> Source(string symbol, Timeframe timeframe, CancellationToken cancellationToken = default)
    {
        symbol = CandleRules.NormalizeSymbol(symbol);
        if (!CandleRules.IsValidSymbol(symbol)) return null;
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var command = SourceCommand(symbol, timeframe, connection);
        return await ReadSource(command, cancellationToken);
    }

    public async Task<CandleCoverage?> Describe(string symbol, Timeframe timeframe, CancellationToken cancellationToken = default)
    {
        symbol = CandleRules.NormalizeSymbol(symbol);
        if (!CandleRules.IsValidSymbol(symbol)) return null;
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        Timeframe? found;
        await using (var probe = SourceCommand(symbol, timeframe, connection)) found = await ReadSource(probe, cancellationToken);
        if (found is not { } source) return null;

        var count = source == timeframe ? "count(*)" : $"count(DISTINCT date_bin($3, time, {Origin}))";
        await using var command = new NpgsqlCommand($"SELECT min(time), max(time), {count} FROM candle_bars WHERE {OfSeries}", connection);
        command.Parameters.Add(Text(symbol));
        command.Parameters.Add(Text(source.WireName()));
        if (source != timeframe) command.Parameters.Add(new NpgsqlParameter<TimeSpan> { NpgsqlDbType = NpgsqlDbType.Interval, TypedValue = timeframe.Length() });
        command.CommandTimeout = 0;
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken) || reader.IsDBNull(0)) return null;
        return new CandleCoverage(symbol, timeframe, source,
            timeframe.Floor(reader.GetFieldValue<DateTime>(0)), timeframe.Floor(reader.GetFieldValue<DateTime>(1)), reader.GetInt64(2));
    }

    // ---------------------------------------------------------------------------------------------
    // Writing
    // ---------------------------------------------------------------------------------------------

    /// <summary>
    /// Copies every row while <paramref name="batches"/> produces them (a parser reading a request body), straight into
    /// <c>candle_bars</c> when they come after the stored bars of their series, else through a staging table and an upsert
    /// (<see cref="PostgresCandleWriter"/>), all in one transaction. <paramref name="unreadable"/> is asked after the
    /// last row: a reason makes it throw <see cref="CandleFileException"/> and roll back. Any failure, also of the body
    /// being read, rolls back: nothing is half-applied.
    /// </summary>
    private async Task<int> Write(IAsyncEnumerable<List<CandleRow>> batches, Func<string?> unreadable, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using var writer = new PostgresCandleWriter(connection, transaction);
        await foreach (var batch in batches.WithCancellation(cancellationToken)) await writer.Write(batch, cancellationToken);
        await writer.EndCopy(cancellationToken);
        if (unreadable() is { } why) throw new CandleFileException(why);
        await writer.Apply(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        LogWritten(logger, writer.Appended, writer.Staged);
        return writer.Appended + writer.Staged;
    }

    private static async IAsyncEnumerable<List<CandleRow>> One(List<CandleRow> rows)
    {
        await Task.CompletedTask;
        yield return rows;
    }

    // ---------------------------------------------------------------------------------------------
    // Reading
    // ---------------------------------------------------------------------------------------------

    /// <summary>
    /// Bars of <paramref name="timeframe"/> built from <paramref name="source"/> bars, window after window in time
    /// order, until <paramref name="limit"/> bars or the end of the range. A window spans as many buckets as are still
    /// wanted (at most <see cref="MaxSourceRowsPerWindow"/> source bars' worth); after a window one index probe finds
    /// the next stored bar, so gaps (nights, weekends, missing years) cost nothing.
    /// </summary>
    private static async IAsyncEnumerable<List<Candle>> Aggregated(NpgsqlConnection connection, string symbol, Timeframe timeframe, Timeframe source,
        DateTime? fromUtc, DateTime? toUtc, int limit, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        // A bucket is in [from, to) when its start is; it takes all of its source bars, so the source range is
        // [first bucket start at or after from, first bucket start at or after to).
        var upper = toUtc is { } to ? timeframe.Ceiling(to) : DateTime.MaxValue;
        var next = await FirstAtOrAfter(connection, symbol, source, fromUtc is { } from ? timeframe.Ceiling(from) : DateTime.MinValue, cancellationToken);
        var length = timeframe.Length();
        var bucketsPerWindow = Math.Max(1, MaxSourceRowsPerWindow / (int)(length.Ticks / source.Length().Ticks));
        var produced = 0;
        while (next is { } first && produced < limit)
        {
            var lower = timeframe.Floor(first);
            if (lower >= upper) yield break;
            var buckets = Math.Min(limit - produced, bucketsPerWindow);
            var end = upper.Ticks - lower.Ticks <= buckets * length.Ticks ? upper : lower.AddTicks(buckets * length.Ticks);

            var window = await AggregateWindow(connection, symbol, timeframe, source, lower, end, cancellationToken);
            produced += window.Count;
            if (window.Count > 0) yield return window;
            if (end >= upper) yield break;
            next = await FirstAtOrAfter(connection, symbol, source, end, cancellationToken);
        }
    }

    private static async Task<List<Candle>> AggregateWindow(NpgsqlConnection connection, string symbol, Timeframe timeframe, Timeframe source,
        DateTime lower, DateTime upper, CancellationToken cancellationToken)
    {
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using var batch = new NpgsqlBatch(connection, transaction);
        var setting = new NpgsqlBatchCommand("SELECT set_config('work_mem', $1, true)");
        setting.Parameters.Add(Text(AggregationWorkMem));
        batch.BatchCommands.Add(setting);
        var aggregate = new NpgsqlBatchCommand(AggregateSql);
        aggregate.Parameters.Add(Text(symbol));
        aggregate.Parameters.Add(Text(source.WireName()));
        aggregate.Parameters.Add(new NpgsqlParameter<TimeSpan> { NpgsqlDbType = NpgsqlDbType.Interval, TypedValue = timeframe.Length() });
        aggregate.Parameters.Add(Time(lower));
        aggregate.Parameters.Add(Time(upper));
        batch.BatchCommands.Add(aggregate);

        var bars = new List<Candle>();
        await using (var reader = await batch.ExecuteReaderAsync(cancellationToken))
        {
            await reader.NextResultAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken)) bars.Add(ReadCandle(reader));
        }
        await transaction.CommitAsync(cancellationToken);
        return bars;
    }

    private static async Task<DateTime?> FirstAtOrAfter(NpgsqlConnection connection, string symbol, Timeframe source, DateTime fromUtc, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(FirstAtOrAfterSql, connection);
        command.Parameters.Add(Text(symbol));
        command.Parameters.Add(Text(source.WireName()));
        command.Parameters.Add(Time(fromUtc));
        var value = await command.ExecuteScalarAsync(cancellationToken);
        return value is DateTime time ? DateTime.SpecifyKind(time, DateTimeKind.Utc) : null;
    }

    private static NpgsqlBatchCommand SourceCommand(string symbol, Timeframe timeframe)
    {
        var command = new NpgsqlBatchCommand(SourceSql);
        command.Parameters.Add(Text(symbol));
        command.Parameters.Add(new NpgsqlParameter<string[]> { NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text, TypedValue = [.. timeframe.Sources().Select(t => t.WireName())] });
        return command;
    }

    private static NpgsqlCommand SourceCommand(string symbol, Timeframe timeframe, NpgsqlConnection connection)
    {
        var command = new NpgsqlCommand(SourceSql, connection);
        command.Parameters.Add(Text(symbol));
        command.Parameters.Add(new NpgsqlParameter<string[]> { NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text, TypedValue = [.. timeframe.Sources().Select(t => t.WireName())] });
        return command;
    }

    private static async Task<Timeframe?> ReadSource(NpgsqlCommand command, CancellationToken cancellationToken)
    {
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await ReadSource(reader, cancellationToken);
    }

    private static async Task<Timeframe?> ReadSource(NpgsqlDataReader reader, CancellationToken cancellationToken) =>
        await reader.ReadAsync(cancellationToken) && Timeframes.TryParse(reader.GetString(0), out var source) ? source : null;

    private static Candle ReadCandle(NpgsqlDataReader reader) => new(
        DateTime.SpecifyKind(reader.GetFieldValue<DateTime>(0), DateTimeKind.Utc),
        reader.GetDecimal(1), reader.GetDecimal(2), reader.GetDecimal(3), reader.GetDecimal(4), reader.GetDecimal(5));

    internal static NpgsqlParameter<string> Text(string value) => new() { NpgsqlDbType = NpgsqlDbType.Text, TypedValue = value };

    private static NpgsqlParameter<DateTime> Time(DateTime value) => new() { NpgsqlDbType = NpgsqlDbType.TimestampTz, TypedValue = value };

    private static DateTime Utc(DateTime time) => InMemoryCandleStore.Utc(time);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Candle write: {Appended} row(s) appended, {Staged} upserted through staging")]
    private static partial void LogWritten(ILogger logger, int appended, int staged);

    [LoggerMessage(Level = LogLevel.Information, Message = "Candle import: {Rows} row(s) written, {Rejected} rejected, in {ElapsedMs} ms")]
    private static partial void LogImported(ILogger logger, int rows, int rejected, long elapsedMs);
}
