using System.Text.Json;
using Npgsql;
using NpgsqlTypes;
using TradingPlatform.Common;
using TradingPlatform.Orders;
using TradingPlatform.Storage;
using TradingPlatform.Strategies;

namespace TradingPlatform.Backtesting;

/// <summary>
/// Backtest runs and results in Postgres (migration 0006). Trades go in with binary COPY, so a run with tens of
/// thousands of trades persists in milliseconds; the results replace any earlier ones in the same transaction.
/// </summary>
public sealed class PostgresBacktestStore(NpgsqlDataSource dataSource) : IBacktestStore
{
    private const string RunColumns = "run::text";

    public async Task<bool> Insert(BacktestRun run, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand("""
            INSERT INTO backtest_runs (run_id, status, strategy_kind, symbol, created_by, created_at, run)
            VALUES ($1, $2, $3, $4, $5, $6, $7)
            ON CONFLICT (run_id) DO NOTHING
            """);
        command.Parameters.Add(Text(run.Id));
        command.Parameters.Add(Text(WireNames.Of(run.Status)));
        command.Parameters.Add(Text(run.Request.Kind.WireName()));
        command.Parameters.Add(Text(run.Request.Symbol));
        command.Parameters.Add(Text(run.CreatedBy));
        command.Parameters.Add(new NpgsqlParameter { Value = run.CreatedAtUtc.UtcDateTime, NpgsqlDbType = NpgsqlDbType.TimestampTz });
        command.Parameters.Add(Json(run));
        return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
    }

    public async Task Update(BacktestRun run, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand("UPDATE backtest_runs SET status = $2, run = $3 WHERE run_id = $1");
        command.Parameters.Add(Text(run.Id));
        command.Parameters.Add(Text(WireNames.Of(run.Status)));
        command.Parameters.Add(Json(run));
        if (await command.ExecuteNonQueryAsync(cancellationToken) != 1)
            throw new InvalidOperationException($"No backtest run '{run.Id}' to update.");
    }

    public async Task<BacktestRun?> Get(string runId, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand($"SELECT {RunColumns} FROM backtest_runs WHERE run_id = $1");
        command.Parameters.Add(Text(runId));
        return await command.ExecuteScalarAsync(cancellationToken) is string json ? ReadRun(json) : null;
    }

    public Task<Page<BacktestRun>> List(BacktestRunQuery query, PageRequest page, CancellationToken cancellationToken = default)
    {
        var filter = new SqlFilter();
        filter.Equal("status", query.Status is { } status ? WireNames.Of(status) : null);
        filter.Equal("strategy_kind", query.StrategyKind?.WireName());
        filter.Equal("symbol", query.Symbol);
        return SqlPages.Read(dataSource, "backtest_runs", RunColumns, "run_seq", filter, page, r => ReadRun(r.GetString(0)), cancellationToken);
    }

    public async Task SaveResults(string runId, BacktestResult result, CancellationToken cancellationToken = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using (var clear = new NpgsqlBatch(connection, transaction))
        {
            clear.BatchCommands.Add(new NpgsqlBatchCommand("DELETE FROM backtest_trades WHERE run_id = $1") { Parameters = { Text(runId) } });
            clear.BatchCommands.Add(new NpgsqlBatchCommand("""
                INSERT INTO backtest_results (run_id, metrics, equity_curve, bars, trade_count) VALUES ($1, $2, $3, $4, $5)
                ON CONFLICT (run_id) DO UPDATE SET metrics = excluded.metrics, equity_curve = excluded.equity_curve,
                    bars = excluded.bars, trade_count = excluded.trade_count
                """)
            {
                Parameters =
                {
                    Text(runId), Json(result.Metrics), Json(result.EquityCurve),
                    new NpgsqlParameter { Value = result.Bars, NpgsqlDbType = NpgsqlDbType.Bigint },
                    new NpgsqlParameter { Value = result.Trades.Count, NpgsqlDbType = NpgsqlDbType.Integer },
                },
            });
            await clear.ExecuteNonQueryAsync(cancellationToken);
        }
        if (result.Trades.Count > 0)
        {
            await using var copy = await connection.BeginBinaryImportAsync(
                "COPY backtest_trades (run_id, seq, time, side, quantity, price, fee, realized_pnl, position_after) FROM STDIN (FORMAT BINARY)",
                cancellationToken);
            var seq = 0;
            foreach (var trade in result.Trades)
            {
                await copy.StartRowAsync(cancellationToken);
                await copy.WriteAsync(runId, NpgsqlDbType.Text, cancellationToken);
                await copy.WriteAsync(++seq, NpgsqlDbType.Integer, cancellationToken);
                await copy.WriteAsync(DateTime.SpecifyKind(trade.TimeUtc, DateTimeKind.Utc), NpgsqlDbType.TimestampTz, cancellationToken);
                await copy.WriteAsync(WireNames.Of(trade.Side), NpgsqlDbType.Text, cancellationToken);
                await copy.WriteAsync(trade.Quantity, NpgsqlDbType.Numeric, cancellationToken);
                await copy.WriteAsync(trade.Price, NpgsqlDbType.Numeric, cancellationToken);
                await copy.WriteAsync(trade.Fee, NpgsqlDbType.Numeric, cancellationToken);
                await copy.WriteAsync(trade.RealizedPnl, NpgsqlDbType.Numeric, cancellationToken);
                await copy.WriteAsync(trade.PositionAfter, NpgsqlDbType.Numeric, cancellationToken);
            }
            await copy.CompleteAsync(cancellationToken);
        }
        await transaction.CommitAsync(cancellationToken);
    }

    public async Task<BacktestResultsPage?> Results(string runId, PageRequest trades, CancellationToken cancellationToken = default)
    {
        await using var batch = dataSource.CreateBatch();
        batch.BatchCommands.Add(new NpgsqlBatchCommand("SELECT metrics::text, equity_curve::text, bars, trade_count FROM backtest_results WHERE run_id = $1")
        {
            Parameters = { Text(runId) },
        });
        batch.BatchCommands.Add(new NpgsqlBatchCommand("""
            SELECT time, side, quantity, price, fee, realized_pnl, position_after FROM backtest_trades
            WHERE run_id = $1 ORDER BY seq LIMIT $2 OFFSET $3
            """)
        {
            Parameters =
            {
                Text(runId),
                new NpgsqlParameter { Value = trades.PerPage, NpgsqlDbType = NpgsqlDbType.Integer },
                new NpgsqlParameter { Value = trades.Skip, NpgsqlDbType = NpgsqlDbType.Bigint },
            },
        });
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken)) return null;
        var metrics = JsonSerializer.Deserialize<BacktestMetrics>(reader.GetString(0), BacktestJson.Options)!;
        var curve = JsonSerializer.Deserialize<EquityPoint[]>(reader.GetString(1), BacktestJson.Options)!;
        var bars = reader.GetInt64(2);
        var total = reader.GetInt32(3);
        await reader.NextResultAsync(cancellationToken);
        var items = new List<BacktestTrade>(Math.Min(trades.PerPage, total));
        while (await reader.ReadAsync(cancellationToken))
        {
            if (!WireNames.TryParse<Side>(reader.GetString(1), out var side)) throw new InvalidDataException($"Unknown side in backtest_trades of run '{runId}'.");
            items.Add(new BacktestTrade(reader.GetDateTime(0), side, reader.GetDecimal(2), reader.GetDecimal(3), reader.GetDecimal(4),
                reader.GetDecimal(5), reader.GetDecimal(6)));
        }
        return new BacktestResultsPage(metrics, curve, new Page<BacktestTrade>(items, trades.Page, trades.PerPage, total), bars);
    }

    private static BacktestRun ReadRun(string json) => JsonSerializer.Deserialize<BacktestRun>(json, BacktestJson.Options)!;

    private static NpgsqlParameter Text(string value) => new() { Value = value, NpgsqlDbType = NpgsqlDbType.Text };

    private static NpgsqlParameter Json<T>(T value) =>
        new() { Value = JsonSerializer.Serialize(value, BacktestJson.Options), NpgsqlDbType = NpgsqlDbType.Jsonb };
}
