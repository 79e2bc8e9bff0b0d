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
        var versions = await Rows("SELECT xmin::text FROM candles WHERE symbol = $1 ORDER BY time", symbol, r => r.GetString(0));

        var again = await Store.Import(Utf8(csv));

        Assert.Equal(500, again.Imported);
        Assert.Equal(versions, await Rows("SELECT xmin::text FROM candles WHERE symbol = $1 ORDER BY time", symbol, r => r.GetString(0)));
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
    public async Task A_failed_import_leaves_the_connection_usable_and_no_staging_table_behind()
    {
        var symbol = NewSymbol();
        await Assert.ThrowsAsync<CandleFileException>(() => Store.Import(Utf8("")));

        var result = await Store.Import(Utf8($"{symbol},1d,2024-01-02,1,1,1,1,0\n"));

        Assert.Equal(1, result.Imported);
        Assert.Equal(0L, await Scalar<long>("SELECT count(*) FROM pg_class WHERE relname = 'candles_import'"));
    }

    [Fact]
    public async Task A_key_another_writer_commits_after_the_overlap_check_makes_the_import_fall_back_to_the_upsert()
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

        // Their row is not committed: the import sees no overlap, takes the plain INSERT and waits on their key.
        var import = Store.Upsert(symbol, Timeframe.OneMinute, bars);
        await Eventually.True(async () => await Scalar<long>(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE 'INSERT INTO candles%'") > 0,
            TimeSpan.FromSeconds(20), "the import's INSERT waits for the other writer's key");
        await theirs.CommitAsync();

        Assert.Equal(100, await import);
        Assert.Equal(bars, await Store.Query(symbol, Timeframe.OneMinute, null, null, 1_000));
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

    private async Task<T> Scalar<T>(string sql)
    {
        await using var command = fixture.DataSource.CreateCommand(sql);
        return (T)(await command.ExecuteScalarAsync())!;
    }
}
