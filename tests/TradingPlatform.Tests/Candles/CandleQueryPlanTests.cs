using System.Text.Json;
using Npgsql;
using NpgsqlTypes;
using TradingPlatform.Candles;

namespace TradingPlatform.Tests.Candles;

/// <summary>
/// The per-series probes of the candle store stay index probes. Written as EXISTS over the series join, PostgreSQL 15
/// planned the source probe as a semi-join reading all of candle_bars (349 ms for one series of 1M bars, 0.24 ms as a
/// LATERAL … LIMIT 1): a plan, not a result, so only the plan shows it. The class has a database of its own (its
/// fixture), so this one series is all the statistics see.
/// </summary>
public sealed class CandleQueryPlanTests(PostgresCandleFixture fixture) : IClassFixture<PostgresCandleFixture>
{
    private static readonly DateTime Start = new(2024, 1, 1, 0, 0, 0, DateTimeKind.Utc);

    [Fact]
    public async Task The_source_probe_and_the_staging_overlap_check_never_scan_all_of_candle_bars()
    {
        var (dataSource, store) = (fixture.DataSource, fixture.Store);
        // One series of many bars: the statistics then say every bar belongs to it, which is when a semi-join over the
        // whole table looks cheapest to the planner.
        Assert.Equal(50_000, await store.Upsert("PLAN", Timeframe.OneMinute, SyntheticCandles.Generate(3, Start, Timeframe.OneMinute, 50_000)));
        await using (var analyze = dataSource.CreateCommand("ANALYZE candle_series, candle_bars")) await analyze.ExecuteNonQueryAsync();

        var source = await Plan(dataSource, PostgresCandleStore.SourceSql,
            new NpgsqlParameter<string> { TypedValue = "PLAN", NpgsqlDbType = NpgsqlDbType.Text },
            new NpgsqlParameter<string[]> { TypedValue = ["1m", "5m"], NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        var overlaps = await Plan(dataSource, PostgresCandleWriter.OverlapsSql,
            new NpgsqlParameter<string[]> { TypedValue = ["PLAN"], NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text },
            new NpgsqlParameter<string[]> { TypedValue = ["1m"], NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text },
            new NpgsqlParameter<DateTime[]> { TypedValue = [Start.AddDays(1)], NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.TimestampTz },
            new NpgsqlParameter<DateTime[]> { TypedValue = [Start.AddDays(2)], NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.TimestampTz });

        Assert.Contains("candle_bars", Scans(source).Keys);
        Assert.All(Scans(source).Where(s => s.Key == "candle_bars"), s => Assert.DoesNotContain("Seq Scan", s.Value));
        Assert.Contains("candle_bars", Scans(overlaps).Keys);
        Assert.All(Scans(overlaps).Where(s => s.Key == "candle_bars"), s => Assert.DoesNotContain("Seq Scan", s.Value));
    }

    /// <summary>The plan (EXPLAIN, JSON) of <paramref name="sql"/> with its parameters.</summary>
    private static async Task<JsonElement> Plan(NpgsqlDataSource dataSource, string sql, params NpgsqlParameter[] parameters)
    {
        await using var command = dataSource.CreateCommand("EXPLAIN (FORMAT JSON) " + sql);
        command.Parameters.AddRange(parameters);
        var json = (string)(await command.ExecuteScalarAsync())!;
        return JsonDocument.Parse(json).RootElement[0].GetProperty("Plan");
    }

    /// <summary>Every relation the plan reads, with the node types that read it.</summary>
    private static Dictionary<string, List<string>> Scans(JsonElement plan)
    {
        var scans = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        void Walk(JsonElement node)
        {
            if (node.TryGetProperty("Relation Name", out var relation))
            {
                var name = relation.GetString()!;
                if (!scans.TryGetValue(name, out var types)) scans[name] = types = [];
                types.Add(node.GetProperty("Node Type").GetString()!);
            }
            if (node.TryGetProperty("Plans", out var children))
                foreach (var child in children.EnumerateArray()) Walk(child);
        }
        Walk(plan);
        return scans;
    }
}
