using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using TradingPlatform.Candles;
using TradingPlatform.Storage;
using TradingPlatform.Testing;

namespace TradingPlatform.Tests.Candles;

/// <summary>A migrated database for one test class, with a candle store on it.</summary>
public sealed class PostgresCandleFixture : IAsyncLifetime
{
    public TestDatabase Database { get; private set; } = null!;
    public NpgsqlDataSource DataSource { get; private set; } = null!;
    public PostgresCandleStore Store { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Database = await TestPostgres.CreateDatabase("candles");
        await DatabaseMigrator.MigrateAsync(Database.ConnectionString, NullLogger.Instance, TimeSpan.FromSeconds(30));
        DataSource = NpgsqlDataSource.Create(Database.ConnectionString);
        Store = new PostgresCandleStore(DataSource, NullLogger<PostgresCandleStore>.Instance);
    }

    public async Task DisposeAsync()
    {
        await DataSource.DisposeAsync();
        await Database.DisposeAsync();
    }
}

public sealed class PostgresCandleStoreTests(PostgresCandleFixture fixture)
    : CandleStoreContract(fixture.Store), IClassFixture<PostgresCandleFixture>
{
    [Fact]
    public async Task Bars_are_stored_one_row_each_with_the_wire_name_of_their_timeframe_and_exact_numerics()
    {
        var symbol = NewSymbol();
        await Store.Import(Utf8($"{symbol},15m,2024-01-02T09:45:00Z,10.5000,11.25,9.125,10,1234.5\n"));

        var rows = await Rows("SELECT timeframe, time, open::text, high::text, low::text, close::text, volume::text FROM candles WHERE symbol = $1", symbol,
            r => (r.GetString(0), r.GetFieldValue<DateTime>(1), r.GetString(2), r.GetString(3), r.GetString(4), r.GetString(5), r.GetString(6)));

        Assert.Equal([("15m", T("2024-01-02T09:45:00Z"), "10.5000", "11.25", "9.125", "10", "1234.5")], rows);
    }

    [Fact]
    public async Task Importing_the_same_rows_again_rewrites_no_row()
    {
        var symbol = NewSymbol();
        var csv = CandleCsvWriter.ToCsv(symbol, Timeframe.OneMinute, SyntheticCandles.Generate(3, T("2024-02-01"), Timeframe.OneMinute, 500));
        await Store.Import(Utf8(csv));
        var versions = await Rows("SELECT b.xmin::text FROM candle_bars b JOIN candle_series s ON s.id = b.series WHERE s.symbol = $1 ORDER BY b.time", symbol, r => r.GetString(0));

        var again = await Store.Import(Utf8(csv));

        Assert.Equal(500, again.Imported);
        Assert.Equal(versions, await Rows("SELECT b.xmin::text FROM candle_bars b JOIN candle_series s ON s.id = b.series WHERE s.symbol = $1 ORDER BY b.time", symbol, r => r.GetString(0)));
    }

    [Fact]
    public async Task The_table_refuses_a_timeframe_the_readers_would_not_know_from_any_writer()
    {
        var symbol = NewSymbol();
        await using var command = fixture.DataSource.CreateCommand(
            "INSERT INTO candles (symbol, timeframe, time, open, high, low, close, volume) VALUES ($1, '2h', now(), 10, 11, 9, 10, 1)");
        command.Parameters.Add(new NpgsqlParameter { Value = symbol });

        var refused = await Assert.ThrowsAsync<PostgresException>(() => command.ExecuteNonQueryAsync());

        Assert.Equal(PostgresErrorCodes.CheckViolation, refused.SqlState);
    }

    [Fact]
    public async Task The_view_takes_inserts_numbering_a_new_series_once_and_refuses_a_duplicate_key()
    {
        var (dataSource, symbol, start) = (fixture.DataSource, NewSymbol(), T("2024-03-01"));
        const string insert = "INSERT INTO candles (symbol, timeframe, time, open, high, low, close, volume) VALUES ($1, '5m', $2, 1, 2, 0.5, 1.5, 10)";
        foreach (var minutes in new[] { 0, 5 })
        {
            await using var command = dataSource.CreateCommand(insert);
            command.Parameters.Add(new NpgsqlParameter { Value = symbol });
            command.Parameters.Add(new NpgsqlParameter { Value = start.AddMinutes(minutes) });
            Assert.Equal(1, await command.ExecuteNonQueryAsync());
        }

        await using (var again = dataSource.CreateCommand(insert))
        {
            again.Parameters.Add(new NpgsqlParameter { Value = symbol });
            again.Parameters.Add(new NpgsqlParameter { Value = start });
            Assert.Equal(PostgresErrorCodes.UniqueViolation, (await Assert.ThrowsAsync<PostgresException>(() => again.ExecuteNonQueryAsync())).SqlState);
        }
        Assert.Equal(1L, await Scalar<long>($"SELECT count(*) FROM candle_series WHERE symbol = '{symbol}' AND timeframe = '5m'"));
        Assert.Equal([start, start.AddMinutes(5)], (await Store.Query(symbol, Timeframe.FiveMinutes, null, null, 10)).Select(b => b.TimeUtc));
    }

    [Fact]
    public async Task A_failed_import_leaves_the_connection_usable_and_no_staging_table_behind()
    {
        var symbol = NewSymbol();
        await Assert.ThrowsAsync<CandleFileException>(() => Store.Import(Utf8("")));

        var result = await Store.Import(Utf8($"{symbol},1d,2024-01-02,1,1,1,1,0\n"));

        Assert.Equal(1, result.Imported);
        Assert.Equal(0L, await Scalar<long>("SELECT count(*) FROM pg_class WHERE relname = 'candles_import'"));
    }

    [Fact]
    public async Task Rows_after_the_last_stored_bar_are_copied_straight_into_candles_under_the_series_advisory_lock()
    {
        var symbol = NewSymbol();
        var bars = SyntheticCandles.Generate(5, T("2024-03-01"), Timeframe.OneMinute, 300).ToArray();
        await Store.Upsert(symbol, Timeframe.OneMinute, bars[..100]);
        var body = new GatedStream(CandleCsvWriter.ToCsv(symbol, Timeframe.OneMinute, bars[100..]));

        var import = Store.Import(body);
        await body.FirstPartRead;
        await Eventually.True(async () => await Active("COPY candle_bars (%") == 1, TimeSpan.FromSeconds(20), "the import copies into candles itself");
        Assert.Equal(0L, await Active("COPY candles_import%"));
        Assert.Equal(1L, await Scalar<long>($"{AdvisoryLocks} AND objid = (hashtextextended('candles:{symbol}/1m', 0) & 4294967295)::oid"));
        body.Open();

        Assert.Equal(200, (await import).Imported);
        Assert.Equal(bars, await Store.Query(symbol, Timeframe.OneMinute, null, null, 1_000));
        Assert.Equal(0L, await Scalar<long>(AdvisoryLocks));
    }

    [Fact]
    public async Task Rows_at_or_before_the_last_stored_bar_go_through_staging_and_replace_the_stored_bars()
    {
        var symbol = NewSymbol();
        var bars = SyntheticCandles.Generate(6, T("2024-03-01"), Timeframe.OneMinute, 200).ToArray();
        await Store.Upsert(symbol, Timeframe.OneMinute, bars[..100]);
        var changed = bars[50..].Select(b => b with { Volume = b.Volume + 1 }).ToArray();
        var body = new GatedStream(CandleCsvWriter.ToCsv(symbol, Timeframe.OneMinute, changed));

        var import = Store.Import(body);
        await body.FirstPartRead;
        await Eventually.True(async () => await Active("COPY candles_import%") == 1, TimeSpan.FromSeconds(20), "the import stages its rows");
        Assert.Equal(0L, await Active("COPY candle_bars (%"));
        body.Open();

        Assert.Equal(150, (await import).Imported);
        Assert.Equal([.. bars[..50], .. changed], await Store.Query(symbol, Timeframe.OneMinute, null, null, 1_000));
    }

    [Fact]
    public async Task A_file_of_several_series_appends_those_it_can_and_upserts_the_rest_with_rejections_reported()
    {
        var (fresh, stored) = (NewSymbol(), NewSymbol());
        var bars = SyntheticCandles.Generate(7, T("2024-05-01"), Timeframe.OneHour, 40).ToArray();
        await Store.Upsert(stored, Timeframe.OneHour, bars[..20]);
        var changed = bars.Select(b => b with { Close = b.Low }).ToArray();
        var csv = new StringBuilder(CandleCsvParser.Header + "\n");
        for (var i = 0; i < 40; i++)
        {
            csv.Append(CandleCsvWriter.ToCsv(fresh, Timeframe.OneHour, [bars[i]], header: false));
            csv.Append(CandleCsvWriter.ToCsv(stored, Timeframe.OneHour, [changed[i]], header: false));
            if (i == 10) csv.Append($"{fresh},1h,2024-05-01T00:30:00Z,1,1,1,1,1\n{stored},1h,{CandleRules.Time(bars[3].TimeUtc)},1,2,1,1,1\n");
        }

        var result = await Store.Import(Utf8(csv.ToString()));

        Assert.Equal(80, result.Imported);
        Assert.Equal(2, result.Rejected);
        Assert.Equal(["unaligned_timestamp", "duplicate"], result.Errors.Select(e => e.Code));
        Assert.Equal(bars, await Store.Query(fresh, Timeframe.OneHour, null, null, 1_000));
        Assert.Equal(changed, await Store.Query(stored, Timeframe.OneHour, null, null, 1_000));
    }

    [Fact]
    public async Task A_body_that_fails_after_rows_were_appended_writes_nothing_and_releases_the_lock()
    {
        var symbol = NewSymbol();
        var bars = SyntheticCandles.Generate(8, T("2024-06-01"), Timeframe.OneMinute, 5_000).ToArray();
        var csv = Encoding.UTF8.GetBytes(CandleCsvWriter.ToCsv(symbol, Timeframe.OneMinute, bars));
        Assert.True(csv.Length > 4 * CandleCopyEncoder.BufferSize, "enough rows for several COPY buffers to reach the server before the failure");

        await Assert.ThrowsAsync<IOException>(() => Store.Import(new FailingStream(csv, failAfter: csv.Length - 1_000)));

        Assert.Equal(0L, await Scalar<long>($"SELECT count(*) FROM candles WHERE symbol = '{symbol}'"));
        Assert.Equal(0L, await Scalar<long>(AdvisoryLocks));
        Assert.Equal(5_000, (await Store.Import(new MemoryStream(csv))).Imported);
    }

    [Fact]
    public async Task Two_writes_of_one_series_take_turns_the_second_waits_for_the_first_to_commit_then_upserts()
    {
        var symbol = NewSymbol();
        var bars = SyntheticCandles.Generate(9, T("2024-07-01"), Timeframe.OneMinute, 100).ToArray();
        var body = new GatedStream(CandleCsvWriter.ToCsv(symbol, Timeframe.OneMinute, bars));
        var first = Store.Import(body);
        await body.FirstPartRead;
        await Eventually.True(async () => await Active("COPY candle_bars (%") == 1, TimeSpan.FromSeconds(20), "the first write appends");

        // The lock is held: the second write stages its rows and waits for the lock before applying them.
        var changed = bars[40..].Select(b => b with { Volume = b.Volume + 7 }).ToArray();
        var second = Store.Upsert(symbol, Timeframe.OneMinute, changed);
        await Eventually.True(async () => await Scalar<long>(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE 'SELECT count(pg_advisory_xact_lock%'") == 1,
            TimeSpan.FromSeconds(20), "the second write waits for the series lock");
        Assert.False(second.IsCompleted);
        body.Open();

        Assert.Equal(100, (await first).Imported);
        Assert.Equal(60, await second);
        Assert.Equal([.. bars[..40], .. changed], await Store.Query(symbol, Timeframe.OneMinute, null, null, 1_000));
    }

    [Fact]
    public async Task A_key_a_writer_without_the_lock_commits_while_rows_are_appended_fails_the_write_whole_and_it_can_be_sent_again()
    {
        var symbol = NewSymbol();
        var bars = SyntheticCandles.Generate(4, T("2024-04-01"), Timeframe.OneMinute, 100).ToArray();
        await using var other = await fixture.DataSource.OpenConnectionAsync();
        await using var theirs = await other.BeginTransactionAsync();
        await using (var insert = new NpgsqlCommand(
            "INSERT INTO candles (symbol, timeframe, time, open, high, low, close, volume) VALUES ($1, '1m', $2, 1, 1, 1, 1, 1)", other, theirs))
        {
            insert.Parameters.Add(new NpgsqlParameter { Value = symbol });
            insert.Parameters.Add(new NpgsqlParameter { Value = bars[50].TimeUtc });
            await insert.ExecuteNonQueryAsync();
        }

        // Their row (and the series they numbered) is not committed: the write appends (nothing stored) and waits on their
        // series number, or on their key in the COPY.
        var write = Store.Upsert(symbol, Timeframe.OneMinute, bars);
        await Eventually.True(async () => await Scalar<long>(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND (query LIKE 'COPY candle_bars (%' OR query LIKE 'INSERT INTO candle_series%')") > 0,
            TimeSpan.FromSeconds(20), "the append waits for the other writer's series or key");
        await theirs.CommitAsync();

        var failed = await Assert.ThrowsAsync<PostgresException>(() => write);
        Assert.Equal(PostgresErrorCodes.UniqueViolation, failed.SqlState);
        Assert.Equal(1L, await Scalar<long>($"SELECT count(*) FROM candles WHERE symbol = '{symbol}'"));

        Assert.Equal(100, await Store.Upsert(symbol, Timeframe.OneMinute, bars));
        Assert.Equal(bars, await Store.Query(symbol, Timeframe.OneMinute, null, null, 1_000));
    }

    [Fact]
    public async Task Encoded_rows_are_byte_for_byte_what_postgres_itself_sends_for_the_same_values()
    {
        decimal[] values = [167.4100m, 0.0012m, 10000m, 0m, 0.0m, 1234.5m, 100.000m, 12345678.9m, 0.00001234m, decimal.MaxValue, 0.0000000000000000000000000001m,
            .. SyntheticCandles.Generate(10, T("2024-01-01"), Timeframe.OneMinute, 200).SelectMany(c => new[] { c.Open, c.High, c.Low, c.Close, c.Volume })];
        var rows = values.Chunk(5).Where(v => v.Length == 5)
            .Select((v, i) => new CandleRow("SYN.X_1", (Timeframe)(i % 6), new Candle(T("2024-01-01").AddMinutes(i), v[0], v[1], v[2], v[3], v[4])))
            .ToArray();

        using var encoder = new CandleCopyEncoder();
        encoder.WriteHeader();
        foreach (var row in rows) encoder.Write(row);
        encoder.WriteTrailer();

        await using var connection = await fixture.DataSource.OpenConnectionAsync();
        await using (var create = new NpgsqlCommand("CREATE TEMP TABLE encoded (n int, symbol text, timeframe text, time timestamptz, open numeric, high numeric, low numeric, close numeric, volume numeric)", connection))
            await create.ExecuteNonQueryAsync();
        for (var i = 0; i < rows.Length; i++)
        {
            var (row, c) = (rows[i], rows[i].Candle);
            await using var insert = new NpgsqlCommand("INSERT INTO encoded VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)", connection);
            foreach (var value in new object[] { i, row.Symbol, row.Timeframe.WireName(), c.TimeUtc, c.Open, c.High, c.Low, c.Close, c.Volume })
                insert.Parameters.Add(new NpgsqlParameter { Value = value });
            await insert.ExecuteNonQueryAsync();
        }
        var sent = new MemoryStream();
        await using (var export = await connection.BeginRawBinaryCopyAsync(
            "COPY (SELECT symbol, timeframe, time, open, high, low, close, volume FROM encoded ORDER BY n) TO STDOUT (FORMAT BINARY)"))
            await export.CopyToAsync(sent);

        Assert.Equal(sent.ToArray(), encoder.Written.ToArray());
    }

    private async Task<List<T>> Rows<T>(string sql, string symbol, Func<NpgsqlDataReader, T> read)
    {
        await using var command = fixture.DataSource.CreateCommand(sql);
        command.Parameters.Add(new NpgsqlParameter { Value = symbol });
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<T>();
        while (await reader.ReadAsync()) rows.Add(read(reader));
        return rows;
    }

    /// <summary>Advisory locks held in this test's database.</summary>
    private const string AdvisoryLocks = "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND database = (SELECT oid FROM pg_database WHERE datname = current_database())";

    /// <summary>Statements of this database's sessions whose text is like <paramref name="pattern"/>.</summary>
    private Task<long> Active(string pattern) => Scalar<long>(
        $"SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND query LIKE '{pattern}'");

    private async Task<T> Scalar<T>(string sql)
    {
        await using var command = fixture.DataSource.CreateCommand(sql);
        return (T)(await command.ExecuteScalarAsync())!;
    }
}

/// <summary>A body whose first half arrives at once and whose rest waits for <see cref="Open"/>: an import in progress.</summary>
internal sealed class GatedStream(string csv) : Stream
{
    private readonly byte[] _bytes = Encoding.UTF8.GetBytes(csv);
    private readonly TaskCompletionSource _gate = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _firstPartRead = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _at;

    /// <summary>Completes when the reader has taken the first half and asks for more.</summary>
    public Task FirstPartRead => _firstPartRead.Task;

    public void Open() => _gate.TrySetResult();

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        // The first half ends on a line break so its rows are complete.
        var half = Array.LastIndexOf(_bytes, (byte)'\n', _bytes.Length / 2) + 1;
        if (_at >= half)
        {
            _firstPartRead.TrySetResult();
            await _gate.Task.WaitAsync(cancellationToken);
        }
        var end = _at < half ? half : _bytes.Length;
        var count = Math.Min(buffer.Length, end - _at);
        _bytes.AsSpan(_at, count).CopyTo(buffer.Span);
        _at += count;
        return count;
    }

    public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();
    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
