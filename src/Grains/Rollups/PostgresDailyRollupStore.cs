using Npgsql;
using NpgsqlTypes;
using TradingPlatform.Common;
using TradingPlatform.Storage;

namespace TradingPlatform.Rollups;

/// <summary>Daily rollups in Postgres (migration 0007): insert-if-absent per (scope, day), one transaction per write.</summary>
public sealed class PostgresDailyRollupStore(NpgsqlDataSource dataSource) : IDailyRollupStore
{
    private const string Columns =
        "scope, day, capital, equity, realized_pnl, unrealized_pnl, daily_pnl, gross_exposure, net_exposure, open_positions, fills, late, captured_at";

    public async Task<DateOnly?> LastCompleteDay(CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand("SELECT max(day) FROM daily_rollups WHERE scope = $1");
        command.Parameters.Add(Text(RollupScopes.Portfolio));
        return await command.ExecuteScalarAsync(cancellationToken) is DateOnly day ? day : null;
    }

    public async Task<IReadOnlyDictionary<string, DailyRollup>> LatestBefore(DateOnly day, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand($"SELECT DISTINCT ON (scope) {Columns} FROM daily_rollups WHERE day < $1 ORDER BY scope, day DESC");
        command.Parameters.Add(Date(day));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var latest = new Dictionary<string, DailyRollup>(StringComparer.Ordinal);
        while (await reader.ReadAsync(cancellationToken))
        {
            var row = Read(reader);
            latest[row.Scope] = row;
        }
        return latest;
    }

    public async Task<int> Write(IReadOnlyList<DailyRollup> rows, CancellationToken cancellationToken = default)
    {
        if (rows.Count == 0) return 0;
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using var batch = new NpgsqlBatch(connection, transaction);
        foreach (var row in rows)
        {
            batch.BatchCommands.Add(new NpgsqlBatchCommand($"""
                INSERT INTO daily_rollups ({Columns}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
                ON CONFLICT (scope, day) DO NOTHING
                """)
            {
                Parameters =
                {
                    Text(row.Scope), Date(row.Day), Money(row.Capital), Money(row.Equity), Money(row.RealizedPnl), Money(row.UnrealizedPnl),
                    Money(row.DailyPnl), Money(row.GrossExposure), Money(row.NetExposure),
                    new NpgsqlParameter { Value = row.OpenPositions, NpgsqlDbType = NpgsqlDbType.Integer },
                    new NpgsqlParameter { Value = row.Fills, NpgsqlDbType = NpgsqlDbType.Bigint },
                    new NpgsqlParameter { Value = row.Late, NpgsqlDbType = NpgsqlDbType.Boolean },
                    new NpgsqlParameter { Value = row.CapturedAtUtc.UtcDateTime, NpgsqlDbType = NpgsqlDbType.TimestampTz },
                },
            });
        }
        await batch.ExecuteNonQueryAsync(cancellationToken);
        var written = 0;
        foreach (var command in batch.BatchCommands) written += command.RecordsAffected;
        await transaction.CommitAsync(cancellationToken);
        return written;
    }

    public Task<Page<DailyRollup>> Query(DailyRollupQuery query, PageRequest page, CancellationToken cancellationToken = default) =>
        SqlPages.Read(dataSource, "daily_rollups", Columns, "day", Filter(query), page, Read, cancellationToken);

    public async Task<IReadOnlyList<DailyRollup>> Series(DailyRollupQuery query, CancellationToken cancellationToken = default)
    {
        var filter = Filter(query);
        await using var command = dataSource.CreateCommand($"SELECT {Columns} FROM daily_rollups{filter.Sql} ORDER BY day");
        command.Parameters.AddRange(filter.NewParameters());
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var rows = new List<DailyRollup>();
        while (await reader.ReadAsync(cancellationToken)) rows.Add(Read(reader));
        return rows;
    }

    private static SqlFilter Filter(DailyRollupQuery query)
    {
        var filter = new SqlFilter();
        filter.Equal("scope", query.Scope);
        if (query.From is { } from) filter.Add("day >=", Date(from));
        if (query.To is { } to) filter.Add("day <=", Date(to));
        return filter;
    }

    private static DailyRollup Read(NpgsqlDataReader r) => new(
        r.GetString(0), r.GetFieldValue<DateOnly>(1), r.GetDecimal(2), r.GetDecimal(3), r.GetDecimal(4), r.GetDecimal(5), r.GetDecimal(6),
        r.GetDecimal(7), r.GetDecimal(8), r.GetInt32(9), r.GetInt64(10), r.GetBoolean(11),
        new DateTimeOffset(r.GetFieldValue<DateTime>(12), TimeSpan.Zero));

    private static NpgsqlParameter Text(string value) => new() { Value = value, NpgsqlDbType = NpgsqlDbType.Text };

    private static NpgsqlParameter Date(DateOnly value) => new() { Value = value, NpgsqlDbType = NpgsqlDbType.Date };

    private static NpgsqlParameter Money(decimal value) => new() { Value = value, NpgsqlDbType = NpgsqlDbType.Numeric };
}
