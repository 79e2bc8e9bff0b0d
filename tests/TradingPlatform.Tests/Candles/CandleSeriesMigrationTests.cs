using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using TradingPlatform.Candles;
using TradingPlatform.Storage;
using TradingPlatform.Testing;

namespace TradingPlatform.Tests.Candles;

/// <summary>Migration 0010 over bars written in the former shape (one <c>candles</c> table keyed by symbol and timeframe text).</summary>
public sealed class CandleSeriesMigrationTests
{
    private static readonly DateTime Start = new(2024, 3, 1, 0, 0, 0, DateTimeKind.Utc);

    [Fact]
    public async Task Bars_of_the_former_table_keep_their_exact_values_and_later_imports_append_after_them()
    {
        await using var database = await TestPostgres.CreateDatabase("candle_series");
        await DatabaseMigrator.MigrateAsync(database.ConnectionString, NullLogger.Instance, TimeSpan.FromSeconds(30), "0009_alert_deliveries.sql");
        await using var dataSource = NpgsqlDataSource.Create(database.ConnectionString);
        await using (var insert = dataSource.CreateCommand("""
            INSERT INTO candles (symbol, timeframe, time, open, high, low, close, volume) VALUES
            ('SPY', '1m', '2024-03-01T00:00:00Z', 100.2500, 101, 99.5, 100.75, 1200),
            ('SPY', '1m', '2024-03-01T00:01:00Z', 100.75, 102.125, 100.5, 102, 800.5),
            ('SPY', '1d', '2024-03-01T00:00:00Z', 100.25, 110, 90, 105, 123456),
            ('AAPL', '1m', '2024-03-01T00:00:00Z', 180.01, 180.02, 180.00, 180.01, 7)
            """))
            Assert.Equal(4, await insert.ExecuteNonQueryAsync());

        Assert.Equal(["0010_candle_series.sql"], await DatabaseMigrator.MigrateAsync(database.ConnectionString, NullLogger.Instance, TimeSpan.FromSeconds(30)));

        var rows = new List<string>();
        await using (var read = dataSource.CreateCommand("SELECT symbol, timeframe, time, open::text, high::text, low::text, close::text, volume::text FROM candles ORDER BY symbol, timeframe, time"))
        await using (var reader = await read.ExecuteReaderAsync())
            while (await reader.ReadAsync())
                rows.Add(string.Join(' ', Enumerable.Range(0, 8).Select(i => i == 2 ? reader.GetFieldValue<DateTime>(i).ToString("O") : reader.GetString(i))));
        Assert.Equal(
        [
            "AAPL 1m 2024-03-01T00:00:00.0000000Z 180.01 180.02 180.00 180.01 7",
            "SPY 1d 2024-03-01T00:00:00.0000000Z 100.25 110 90 105 123456",
            "SPY 1m 2024-03-01T00:00:00.0000000Z 100.2500 101 99.5 100.75 1200",
            "SPY 1m 2024-03-01T00:01:00.0000000Z 100.75 102.125 100.5 102 800.5",
        ], rows);
        await using (var series = dataSource.CreateCommand("SELECT count(*) FROM candle_series"))
            Assert.Equal(3L, (long)(await series.ExecuteScalarAsync())!);

        // The store reads the migrated bars and appends after them under the same series number.
        var store = new PostgresCandleStore(dataSource, NullLogger<PostgresCandleStore>.Instance);
        var next = new Candle(Start.AddMinutes(2), 102m, 103m, 101m, 102.5m, 10m);
        Assert.Equal(1, await store.Upsert("SPY", Timeframe.OneMinute, [next]));
        var bars = await store.Query("SPY", Timeframe.OneMinute, null, null, 10);
        Assert.Equal([Start, Start.AddMinutes(1), Start.AddMinutes(2)], bars.Select(b => b.TimeUtc));
        Assert.Equal(100.2500m, bars[0].Open);
        Assert.Equal(next, bars[2]);
        await using (var series = dataSource.CreateCommand("SELECT count(*) FROM candle_series"))
            Assert.Equal(3L, (long)(await series.ExecuteScalarAsync())!);
    }
}
