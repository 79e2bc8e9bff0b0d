using System.Collections.Immutable;
using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using NpgsqlTypes;
using TradingPlatform.Backtesting;
using TradingPlatform.Candles;
using TradingPlatform.Strategies;
using TradingPlatform.Strategies.Signals;

namespace TradingPlatform.Benchmarks;

/// <summary>
/// A backtest end to end on a real silo in Postgres mode: 1,000,000 one-minute bars stored, then
/// <c>IBacktestRunGrain.Create</c> → queue → worker (range read, engine, results persisted) → <c>completed</c>,
/// timed from the create call to the completed status. In the same run, for comparison: each stage alone, and a naive
/// pipeline (one SELECT read row by row into a list, then the engine; results written row by row).
/// </summary>
public sealed class BacktestScenario(BenchSilo silo, int bars, int repeats)
{
    private static readonly DateTime Start = new(2020, 1, 6, 0, 0, 0, DateTimeKind.Utc);

    public async Task<string> Run()
    {
        var candles = silo.Services.GetRequiredService<ICandleStore>();
        var store = silo.Services.GetRequiredService<IBacktestStore>();
        const string symbol = "SYNBENCH";
        var generated = SyntheticCandles.Generate(42, Start, Timeframe.OneMinute, bars).ToArray();
        var clock = Stopwatch.StartNew();
        await candles.Upsert(symbol, Timeframe.OneMinute, generated);
        var upsert = clock.Elapsed;
        var request = new BacktestRequest(StrategyKind.SmaCross,
            ImmutableSortedDictionary.CreateRange(StringComparer.Ordinal, new Dictionary<string, decimal> { ["fast"] = 10, ["slow"] = 50, ["quantity"] = 100 }),
            symbol, Timeframe.OneMinute, Start, Start.AddMinutes(bars), 1_000_000m, 1m, 2m, 252, 0);

        // End to end through the grains, as POST /v1/runs does it.
        var endToEnd = new List<double>();
        BacktestRun? last = null;
        for (var i = 0; i < repeats + 1; i++)
        {
            var grain = silo.Grains.GetGrain<IBacktestRunGrain>(Guid.CreateVersion7().ToString("N"));
            clock.Restart();
            await grain.Create(request, "bench");
            do
            {
                await Task.Delay(2);
                last = await grain.Get();
            }
            while (last is { IsFinished: false });
            if (last!.Status != BacktestStatus.Completed) throw new InvalidOperationException($"run {last.Id} {last.Status}: {last.Error}");
            if (i > 0) endToEnd.Add(clock.Elapsed.TotalMilliseconds); // the first is the warm-up (JIT, connection pool)
        }

        // Each stage alone, the way the worker does it.
        var load = await Median(repeats, async () =>
        {
            long n = 0;
            await foreach (var batch in candles.ReadBatches(symbol, Timeframe.OneMinute, request.FromUtc, request.ToUtc, 65_536, CancellationToken.None)) n += batch.Length;
            if (n != bars) throw new InvalidOperationException($"read {n} bars");
        });
        var all = new List<Candle>(bars);
        await foreach (var batch in candles.ReadBatches(symbol, Timeframe.OneMinute, request.FromUtc, request.ToUtc, 65_536, CancellationToken.None)) all.AddRange(batch);
        var array = all.ToArray();
        BacktestResult? result = null;
        var compute = await Median(repeats, () =>
        {
            var engine = new BacktestEngine(SignalFactory.Create(request.Kind, request.Parameters), new BacktestSettings(1_000_000m, 1m, 2m));
            engine.Run(array);
            result = engine.Complete();
            return Task.CompletedTask;
        });
        var persist = await Median(repeats, async () =>
        {
            var id = Guid.CreateVersion7().ToString("N");
            await store.Insert(last! with { Id = id });
            await store.SaveResults(id, result!);
        });

        // The naive pipeline: read row by row into a list, run, write each trade with its own INSERT.
        var dataSource = silo.Services.GetRequiredService<NpgsqlDataSource>();
        var naive = await Median(repeats, async () =>
        {
            var rows = new List<Candle>();
            await using (var command = dataSource.CreateCommand(
                "SELECT time, open, high, low, close, volume FROM candle_bars WHERE series = (SELECT id FROM candle_series WHERE symbol = $1 AND timeframe = '1m') AND time >= $2 AND time < $3 ORDER BY time"))
            {
                command.Parameters.Add(new NpgsqlParameter { Value = symbol, NpgsqlDbType = NpgsqlDbType.Text });
                command.Parameters.Add(new NpgsqlParameter { Value = request.FromUtc, NpgsqlDbType = NpgsqlDbType.TimestampTz });
                command.Parameters.Add(new NpgsqlParameter { Value = request.ToUtc, NpgsqlDbType = NpgsqlDbType.TimestampTz });
                await using var reader = await command.ExecuteReaderAsync();
                while (await reader.ReadAsync())
                    rows.Add(new Candle(reader.GetDateTime(0), reader.GetDecimal(1), reader.GetDecimal(2), reader.GetDecimal(3), reader.GetDecimal(4), reader.GetDecimal(5)));
            }
            var engine = new BacktestEngine(SignalFactory.Create(request.Kind, request.Parameters), new BacktestSettings(1_000_000m, 1m, 2m));
            engine.Run(rows.ToArray());
            var naiveResult = engine.Complete();
            var id = Guid.CreateVersion7().ToString("N");
            await store.Insert(last! with { Id = id });
            var seq = 0;
            foreach (var trade in naiveResult.Trades)
            {
                await using var insert = dataSource.CreateCommand(
                    "INSERT INTO backtest_trades (run_id, seq, time, side, quantity, price, fee, realized_pnl, position_after) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9)");
                insert.Parameters.Add(new NpgsqlParameter { Value = id });
                insert.Parameters.Add(new NpgsqlParameter { Value = ++seq });
                insert.Parameters.Add(new NpgsqlParameter { Value = trade.TimeUtc, NpgsqlDbType = NpgsqlDbType.TimestampTz });
                insert.Parameters.Add(new NpgsqlParameter { Value = trade.Side == Orders.Side.Buy ? "buy" : "sell" });
                insert.Parameters.Add(new NpgsqlParameter { Value = trade.Quantity });
                insert.Parameters.Add(new NpgsqlParameter { Value = trade.Price });
                insert.Parameters.Add(new NpgsqlParameter { Value = trade.Fee });
                insert.Parameters.Add(new NpgsqlParameter { Value = trade.RealizedPnl });
                insert.Parameters.Add(new NpgsqlParameter { Value = trade.PositionAfter });
                await insert.ExecuteNonQueryAsync();
            }
        });

        endToEnd.Sort();
        var e2e = endToEnd[endToEnd.Count / 2];
        return Text.I($"""
            ## Backtest end to end

            `{bars:N0}` one-minute synthetic bars (seeded GBM, `SyntheticCandles`) stored in Postgres
            ({silo.Mode} mode, {await silo.ServerDescription()}); `sma_cross` 10/50, fee 1 bps, slippage 2 bps;
            {result!.Trades.Count:N0} trades, {result.EquityCurve.Count:N0} daily equity points. Medians of {repeats} runs after one warm-up.

            | what | median ms | vs end to end |
            |---|---:|---:|
            | **end to end**: `Create` → queued → leased → range read + engine + results persisted → `completed` | **{e2e:0}** | 1.00 |
            | load alone (`ReadBatches`: one range query streamed) | {load:0} | {load / e2e:0.00} |
            | engine alone (compute over an in-memory array) | {compute:0} | {compute / e2e:0.00} |
            | persist alone (metrics, equity curve; trades by binary COPY) | {persist:0} | {persist / e2e:0.00} |
            | naive pipeline: SELECT row by row into a list, engine, one INSERT per trade | {naive:0} | {naive / e2e:0.00} |

            End to end: {bars / (e2e / 1000):N0} bars/s; goal < 3,000 ms for 1M bars. Storing the bars (`ICandleStore.Upsert`: binary COPY, a new series
            appended straight into `candle_bars`) took {upsert.TotalMilliseconds:0} ms ({bars / upsert.TotalSeconds:N0} rows/s).

            """);
    }

    private static async Task<double> Median(int repeats, Func<Task> action)
    {
        await action(); // warm-up
        var samples = new List<double>();
        for (var i = 0; i < repeats; i++)
        {
            var clock = Stopwatch.StartNew();
            await action();
            samples.Add(clock.Elapsed.TotalMilliseconds);
        }
        samples.Sort();
        return samples[samples.Count / 2];
    }
}

/// <summary><c>--scenario backtest [--bars N] [--repeats N] [--output file]</c>: Postgres mode only.</summary>
public static class BacktestBench
{
    public static bool Wants(string[] args) => args.SkipWhile(a => a != "--scenario").Skip(1).FirstOrDefault() == "backtest";

    public static async Task<int> Run(string[] args)
    {
        var bars = 1_000_000;
        var repeats = 3;
        string? output = null;
        for (var i = 0; i + 1 < args.Length; i++)
        {
            switch (args[i])
            {
                case "--bars": bars = int.Parse(args[++i], System.Globalization.CultureInfo.InvariantCulture); break;
                case "--repeats": repeats = int.Parse(args[++i], System.Globalization.CultureInfo.InvariantCulture); break;
                case "--output": output = args[++i]; break;
            }
        }
        var env = Environment.GetEnvironmentVariable(BenchOptions.PostgresEnvironmentVariable);
        var options = new BenchOptions { Postgres = string.IsNullOrWhiteSpace(env) ? BenchOptions.DefaultPostgres : env };
        var log = new WarningLog();
        var silo = await BenchSilo.Start("postgres", "bt", options, log);
        try
        {
            var report = await new BacktestScenario(silo, bars, repeats).Run();
            Console.Out.Write(report);
            if (output is not null) await File.WriteAllTextAsync(output, report);
        }
        finally
        {
            log.Muted = true;
            await silo.DisposeAsync();
        }
        return 0;
    }
}
