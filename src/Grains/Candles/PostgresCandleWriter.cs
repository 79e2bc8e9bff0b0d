using System.Runtime.InteropServices;
using Npgsql;
using NpgsqlTypes;

namespace TradingPlatform.Candles;

/// <summary>
/// One write of <see cref="PostgresCandleStore"/> (an import or an <c>Upsert</c>), inside the caller's transaction. Rows
/// that come after the last stored bar of their series, the common case of appending history or new bars, are copied
/// straight into <c>candle_bars</c> under their series' number (migration 0010); the first row that is not switches the
/// rest of the write to a temporary staging table and an upsert (<see cref="Apply"/>). Rows are encoded by
/// <see cref="CandleCopyEncoder"/> and sent 64 KB at a time over Npgsql's raw binary COPY.
/// </summary>
/// <remarks>
/// <para><b>Appending.</b> The first row of a series takes the series' advisory lock
/// (<c>pg_try_advisory_xact_lock(hashtextextended('candles:SYM/TF', 0))</c>, held until the transaction ends), then reads
/// the series' number (numbering a new series) and its last stored bar in new statements, so they see whatever the lock's
/// previous holder committed. A row strictly after that bar cannot collide with a stored key, nor with a key another of
/// our writers adds meanwhile (they all take the lock), nor with another row of the file (the parser rejects repeated
/// keys), so it needs no staging and no <c>ON CONFLICT</c>. A new series ends the current COPY for its probe (one round
/// trip) and starts another; past <see cref="MaxAppendSeries"/> series, or when the lock is held elsewhere, or for the
/// first row at or before the series' last stored bar, the rest of the write goes through staging. Rows already appended
/// stay: they are valid and in the same transaction.</para>
/// <para><b>Staging.</b> Staged rows keep their symbol and timeframe; applying them numbers their new series, then joins
/// each row to its series' number (a plain <c>INSERT … SELECT</c> when no stored bar lies in their span, under a
/// savepoint that falls back to the <c>ON CONFLICT</c> upsert), after taking the advisory locks of their series, waiting
/// for them, in one sorted order (more than <see cref="MaxSeriesLocks"/> series take
/// <c>LOCK TABLE candle_bars IN SHARE ROW EXCLUSIVE MODE</c> instead, which waits for every other writer).</para>
/// <para><b>Writers without the lock</b> (psql, another program, the view <c>candles</c>) are not kept out: a write waits
/// for their uncommitted series number or key, and should one commit a key an append is copying, the COPY fails with a
/// unique violation and the whole transaction rolls back; the API answers 503, nothing of the file is applied, and
/// sending it again is safe. Two writes that lock series in different orders (one appending A then B, one staging B and
/// A) can deadlock; PostgreSQL aborts one of them after <c>deadlock_timeout</c>, also a 503.</para>
/// </remarks>
internal sealed class PostgresCandleWriter(NpgsqlConnection connection, NpgsqlTransaction transaction) : IAsyncDisposable
{
    /// <summary>Series one write may append directly (one advisory lock, one probe and one COPY restart each).</summary>
    public const int MaxAppendSeries = 32;

    /// <summary>Staged series locked one by one; beyond, the table lock (the shared lock table holds about 64 locks per connection).</summary>
    public const int MaxSeriesLocks = 32;

    private const string AppendSql = "COPY candle_bars (series, time, open, high, low, close, volume) FROM STDIN (FORMAT BINARY)";

    private const string CreateStagingSql = """
        CREATE TEMP TABLE candles_import
        (symbol text NOT NULL, timeframe text NOT NULL, time timestamptz NOT NULL,
         open numeric NOT NULL, high numeric NOT NULL, low numeric NOT NULL, close numeric NOT NULL, volume numeric NOT NULL)
        ON COMMIT DROP
        """;

    /// <summary>FREEZE: the table is new in this transaction, so its rows need no visibility bookkeeping later.</summary>
    private const string StageSql = "COPY candles_import (symbol, timeframe, time, open, high, low, close, volume) FROM STDIN (FORMAT BINARY, FREEZE)";

    private const string TryLockSql = "SELECT pg_try_advisory_xact_lock(hashtextextended($1, 0))";

    /// <summary>The series' number and its last stored bar (no row: a new series).</summary>
    private const string SeriesSql = """
        SELECT s.id, (SELECT max(b.time) FROM candle_bars b WHERE b.series = s.id)
        FROM candle_series s WHERE s.symbol = $1 AND s.timeframe = $2
        """;

    /// <summary>
    /// Numbers a new series. DO UPDATE (not DO NOTHING) so that the number comes back even when another transaction
    /// numbered the series after this statement's snapshot was taken.
    /// </summary>
    private const string NewSeriesSql = """
        INSERT INTO candle_series (symbol, timeframe) VALUES ($1, $2)
        ON CONFLICT (symbol, timeframe) DO UPDATE SET symbol = EXCLUDED.symbol
        RETURNING id
        """;

    /// <summary>Numbers the staged series that are new (before <see cref="InsertSql"/> or <see cref="UpsertSql"/>, which join them).</summary>
    private const string NewStagedSeriesSql = """
        INSERT INTO candle_series (symbol, timeframe)
        SELECT DISTINCT symbol, timeframe FROM candles_import ORDER BY symbol, timeframe
        ON CONFLICT (symbol, timeframe) DO NOTHING
        """;

    /// <summary>unnest keeps the array's order, so the locks are taken in the order given (sorted by the caller).</summary>
    private const string LockSql = "SELECT count(pg_advisory_xact_lock(hashtextextended(k, 0))) FROM unnest($1::text[]) AS k";

    private const string LockTableSql = "LOCK TABLE candle_bars IN SHARE ROW EXCLUSIVE MODE";

    /// <summary>
    /// Whether any stored bar of a staged series lies within the span staged for it (one index probe per series: a
    /// LATERAL with ORDER BY and LIMIT, which PostgreSQL cannot turn into a scan of all of candle_bars).
    /// </summary>
    internal const string OverlapsSql = """
        SELECT EXISTS (
            SELECT 1
            FROM unnest($1::text[], $2::text[], $3::timestamptz[], $4::timestamptz[]) AS s(symbol, timeframe, first, last)
            JOIN candle_series cs ON cs.symbol = s.symbol AND cs.timeframe = s.timeframe
            CROSS JOIN LATERAL (SELECT 1 FROM candle_bars c WHERE c.series = cs.id AND c.time BETWEEN s.first AND s.last ORDER BY c.time LIMIT 1) AS stored)
        """;

    /// <summary>The upsert's fast path when nothing stored can conflict: a plain INSERT costs about half of ON CONFLICT.</summary>
    private const string InsertSql = """
        INSERT INTO candle_bars (series, time, open, high, low, close, volume)
        SELECT s.id, i.time, i.open, i.high, i.low, i.close, i.volume
        FROM candles_import i JOIN candle_series s ON s.symbol = i.symbol AND s.timeframe = i.timeframe
        """;

    /// <summary>
    /// Rows whose stored values are equal are left alone (no new row version, no WAL), so importing the same file
    /// again is cheap and changes nothing.
    /// </summary>
    private const string UpsertSql = """
        INSERT INTO candle_bars AS c (series, time, open, high, low, close, volume)
        SELECT s.id, i.time, i.open, i.high, i.low, i.close, i.volume
        FROM candles_import i JOIN candle_series s ON s.symbol = i.symbol AND s.timeframe = i.timeframe
        ON CONFLICT (series, time) DO UPDATE
        SET open = EXCLUDED.open, high = EXCLUDED.high, low = EXCLUDED.low, close = EXCLUDED.close, volume = EXCLUDED.volume
        WHERE (c.open, c.high, c.low, c.close, c.volume)
              IS DISTINCT FROM (EXCLUDED.open, EXCLUDED.high, EXCLUDED.low, EXCLUDED.close, EXCLUDED.volume)
        """;

    private readonly CandleCopyEncoder _encoder = new();

    /// <summary>Series met while appending: their number and last stored bar, null when the lock was held elsewhere.</summary>
    private readonly Dictionary<(string Symbol, Timeframe Timeframe), Appendable?> _appendable = [];

    /// <summary>Per staged series: the span of its staged rows.</summary>
    private readonly Dictionary<(string Symbol, Timeframe Timeframe), (DateTime First, DateTime Last)> _staged = [];

    private NpgsqlRawCopyStream? _copy;
    private bool _staging;
    private string? _symbol;
    private Timeframe _timeframe;
    private Appendable _current;

    /// <summary>Rows copied straight into <c>candle_bars</c>.</summary>
    public int Appended { get; private set; }

    /// <summary>Rows copied into the staging table (applied by <see cref="Apply"/>).</summary>
    public int Staged { get; private set; }

    /// <summary>The advisory lock key of a series, shared by every writer of candles in this code.</summary>
    public static string LockKey(string symbol, Timeframe timeframe) => $"candles:{symbol}/{timeframe.WireName()}";

    /// <summary>Copies the rows of one batch (valid rows: the parser or <see cref="CandleRules"/> checked them).</summary>
    public async Task Write(List<CandleRow> batch, CancellationToken cancellationToken)
    {
        for (var i = 0; i < batch.Count; i++)
        {
            var row = batch[i];
            if (!ReferenceEquals(row.Symbol, _symbol) || row.Timeframe != _timeframe) await Enter(row, cancellationToken);
            if (!_staging && row.Candle.TimeUtc <= _current.LastStored) await StartStaging(cancellationToken);
            if (_encoder.IsFull) await Flush(cancellationToken);
            if (_copy is null) await StartCopy(cancellationToken);
            if (_staging) _encoder.Write(row);
            else _encoder.Write(_current.Series, row.Candle);
            if (_staging) Stage(row);
            else Appended++;
        }
    }

    /// <summary>Ends the COPY in progress: every row is then in <c>candle_bars</c> or in the staging table.</summary>
    public async Task EndCopy(CancellationToken cancellationToken)
    {
        if (_copy is null) return;
        _encoder.WriteTrailer();
        await Flush(cancellationToken);
        var copy = _copy;
        _copy = null;
        await copy.DisposeAsync(); // CopyDone: the server checks the last rows and reports any error here
    }

    /// <summary>Applies the staged rows to <c>candle_bars</c> (after <see cref="EndCopy"/>); appended rows need nothing more.</summary>
    public async Task Apply(CancellationToken cancellationToken)
    {
        if (Staged == 0) return;
        await Lock(cancellationToken);
        await Execute(NewStagedSeriesSql, cancellationToken);
        if (await Overlaps(cancellationToken))
        {
            await Execute(UpsertSql, cancellationToken);
            return;
        }
        // A writer without the advisory lock may still commit one of the keys after the check: then the upsert.
        await transaction.SaveAsync("plain_insert", cancellationToken);
        try
        {
            await Execute(InsertSql, cancellationToken);
            await transaction.ReleaseAsync("plain_insert", cancellationToken);
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UniqueViolation)
        {
            await transaction.RollbackAsync("plain_insert", cancellationToken);
            await Execute(UpsertSql, cancellationToken);
        }
    }

    /// <summary>A COPY still open (the write failed) is cancelled, not completed: nothing of it is applied.</summary>
    public async ValueTask DisposeAsync()
    {
        var copy = _copy;
        _copy = null;
        _encoder.Dispose();
        if (copy is null) return;
        try
        {
            await copy.CancelAsync();
        }
        catch (Exception e) when (e is NpgsqlException or IOException or ObjectDisposedException or InvalidOperationException)
        {
            // The COPY already failed or the connection broke: the transaction rolls back either way.
        }
        await copy.DisposeAsync();
    }

    /// <summary>A row of another series than the previous row: probe it (first time) and decide where its rows go.</summary>
    private async Task Enter(CandleRow row, CancellationToken cancellationToken)
    {
        _symbol = row.Symbol;
        _timeframe = row.Timeframe;
        if (_staging) return;
        var key = (row.Symbol, row.Timeframe);
        if (!_appendable.TryGetValue(key, out var lastStored))
        {
            if (_appendable.Count < MaxAppendSeries)
            {
                await EndCopy(cancellationToken);
                lastStored = await Probe(row.Symbol, row.Timeframe, cancellationToken);
            }
            _appendable[key] = lastStored;
        }
        if (lastStored is { } appendable) _current = appendable;
        else await StartStaging(cancellationToken);
    }

    /// <summary>
    /// Takes the series' advisory lock without waiting; when it is ours, the series' number (a new series is numbered
    /// now, in this transaction) and its last stored bar (<see cref="DateTime.MinValue"/>: none), else null.
    /// </summary>
    private async Task<Appendable?> Probe(string symbol, Timeframe timeframe, CancellationToken cancellationToken)
    {
        await using (var tryLock = new NpgsqlCommand(TryLockSql, connection, transaction))
        {
            tryLock.Parameters.Add(Text(LockKey(symbol, timeframe)));
            if (!(bool)(await tryLock.ExecuteScalarAsync(cancellationToken))!) return null;
        }
        // Statements of their own: their snapshots are taken after the lock, so they see the rows of the lock's previous holder.
        await using (var series = new NpgsqlCommand(SeriesSql, connection, transaction))
        {
            series.Parameters.Add(Text(symbol));
            series.Parameters.Add(Text(timeframe.WireName()));
            await using var reader = await series.ExecuteReaderAsync(cancellationToken);
            if (await reader.ReadAsync(cancellationToken))
                return new Appendable(reader.GetInt32(0),
                    reader.IsDBNull(1) ? DateTime.MinValue : DateTime.SpecifyKind(reader.GetFieldValue<DateTime>(1), DateTimeKind.Utc));
        }
        await using var create = new NpgsqlCommand(NewSeriesSql, connection, transaction);
        create.Parameters.Add(Text(symbol));
        create.Parameters.Add(Text(timeframe.WireName()));
        return new Appendable((int)(await create.ExecuteScalarAsync(cancellationToken))!, DateTime.MinValue);
    }

    private async Task StartStaging(CancellationToken cancellationToken)
    {
        await EndCopy(cancellationToken);
        await Execute(CreateStagingSql, cancellationToken);
        _staging = true;
    }

    private async Task StartCopy(CancellationToken cancellationToken)
    {
        _copy = await connection.BeginRawBinaryCopyAsync(_staging ? StageSql : AppendSql, cancellationToken);
        _encoder.Clear();
        _encoder.WriteHeader();
    }

    private async Task Flush(CancellationToken cancellationToken)
    {
        if (_encoder.Length == 0) return;
        await _copy!.WriteAsync(_encoder.Written, cancellationToken);
        _encoder.Clear();
    }

    private void Stage(in CandleRow row)
    {
        Staged++;
        var time = row.Candle.TimeUtc;
        ref var span = ref CollectionsMarshal.GetValueRefOrAddDefault(_staged, (row.Symbol, row.Timeframe), out var exists);
        span = exists ? (time < span.First ? time : span.First, time > span.Last ? time : span.Last) : (time, time);
    }

    /// <summary>Waits for the advisory locks of the staged series, in one order for every writer (or for the table lock).</summary>
    private async Task Lock(CancellationToken cancellationToken)
    {
        if (_staged.Count > MaxSeriesLocks)
        {
            await Execute(LockTableSql, cancellationToken);
            return;
        }
        var keys = _staged.Keys.Select(k => LockKey(k.Symbol, k.Timeframe)).Order(StringComparer.Ordinal).ToArray();
        await using var command = new NpgsqlCommand(LockSql, connection, transaction) { CommandTimeout = 0 };
        command.Parameters.Add(new NpgsqlParameter<string[]> { NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text, TypedValue = keys });
        await command.ExecuteScalarAsync(cancellationToken);
    }

    private async Task<bool> Overlaps(CancellationToken cancellationToken)
    {
        var staged = _staged.ToArray();
        await using var command = new NpgsqlCommand(OverlapsSql, connection, transaction);
        command.Parameters.Add(new NpgsqlParameter<string[]> { NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text, TypedValue = [.. staged.Select(s => s.Key.Symbol)] });
        command.Parameters.Add(new NpgsqlParameter<string[]> { NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text, TypedValue = [.. staged.Select(s => s.Key.Timeframe.WireName())] });
        command.Parameters.Add(new NpgsqlParameter<DateTime[]> { NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.TimestampTz, TypedValue = [.. staged.Select(s => s.Value.First)] });
        command.Parameters.Add(new NpgsqlParameter<DateTime[]> { NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.TimestampTz, TypedValue = [.. staged.Select(s => s.Value.Last)] });
        return (bool)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    private async Task Execute(string sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection, transaction) { CommandTimeout = 0 };
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static NpgsqlParameter<string> Text(string value) => PostgresCandleStore.Text(value);

    /// <summary>A series being appended to: its number in <c>candle_series</c> and its last stored bar (<see cref="DateTime.MinValue"/>: none).</summary>
    private readonly record struct Appendable(int Series, DateTime LastStored);
}
