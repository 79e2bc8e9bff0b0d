using System.Diagnostics;
using System.Globalization;
using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using NpgsqlTypes;
using TradingPlatform.Candles;
using TradingPlatform.Storage;

namespace TradingPlatform.Benchmarks;

/// <summary>
/// Candle store benchmark (<c>-- candles</c>): each figure next to a naive baseline in the same run, on a fresh
/// database. Import: <see cref="ICandleStore.Import"/> of a 1M-row CSV (parse + binary COPY straight into <c>candles</c> when appending, else to staging + one upsert) vs
/// the same rows parsed the same way and written with multi-row <c>INSERT … ON CONFLICT</c> statements. Backtest read:
/// <see cref="ICandleStore.ReadBatches"/> of 1M one-minute bars (source probe + one range query) vs a bare data reader over the same
/// SELECT. Chart read: <see cref="ICandleStore.Query"/> of 1,000 bars vs the bare SQL query it runs. The in-memory store
/// is measured too.
/// </summary>
public static class CandleBench
{
    public const string Usage = """
        Candle store benchmark: import, backtest reads and chart reads, each next to a naive baseline.

          dotnet run -c Release --project benchmarks/TradingPlatform.Benchmarks -- candles [options]

          --rows <n>               one-minute bars imported and read (default 1000000)
          --baseline-rows <n>      rows of the multi-row INSERT baseline (default 200000: it is slow)
          --queries <n>            timed 1,000-bar queries per variant (default 2000)
          --postgres <conn>        server for the bench_candles_* database (default: $TRADING_BENCH_POSTGRES, else 127.0.0.1:55432)
          --keep-database          do not drop the database afterwards
          --output <file>          also write the Markdown report there
        """;

    private const int QueryLimit = 1_000;
    private static readonly DateTime Start = new(2024, 1, 1, 0, 0, 0, DateTimeKind.Utc);

    public static async Task<int> Run(string[] args)
    {
        var rows = 1_000_000;
        var baselineRows = 200_000;
        var queries = 2_000;
        var env = Environment.GetEnvironmentVariable(BenchOptions.PostgresEnvironmentVariable);
        var server = string.IsNullOrWhiteSpace(env) ? BenchOptions.DefaultPostgres : env;
        var keep = false;
        string? output = null;
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--rows": rows = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--baseline-rows": baselineRows = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--queries": queries = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--postgres": server = args[++i]; break;
                case "--keep-database": keep = true; break;
                case "--output": output = args[++i]; break;
                default:
                    Console.Error.WriteLine(Usage);
                    return 2;
            }
        }

        var report = new StringBuilder();
        var database = $"bench_candles_{DateTime.UtcNow:yyyyMMddHHmmss}";
        var connectionString = new NpgsqlConnectionStringBuilder(server) { Database = database }.ConnectionString;
        await DatabaseMigrator.MigrateAsync(connectionString, NullLogger.Instance, TimeSpan.FromSeconds(30));
        try
        {
            await using var dataSource = NpgsqlDataSource.Create(connectionString);
            await using var cpuSource = NpgsqlDataSource.Create(connectionString);
            _cpuSource = cpuSource;
            var postgres = new PostgresCandleStore(dataSource, NullLogger<PostgresCandleStore>.Instance);
            var memory = new InMemoryCandleStore();
            var version = await Scalar<string>(dataSource, "SELECT version()");
            var durability = await Scalar<string>(dataSource, "SELECT 'fsync ' || current_setting('fsync') || ', synchronous_commit ' || current_setting('synchronous_commit') || ', shared_buffers ' || current_setting('shared_buffers')");

            Console.Error.WriteLine($"generating {rows:N0} bars");
            var csv = Csv("SYN", rows, seed: 42);
            var csvMb = csv.Length / 1024.0 / 1024.0;

            // ---- import -------------------------------------------------------------------------
            var parseOnly = await Time(async () =>
            {
                var parser = new CandleCsvParser();
                await foreach (var _ in parser.ReadAsync(new MemoryStream(csv))) { }
                return parser.Valid;
            });
            Console.Error.WriteLine($"parse only: {parseOnly.Rate:N0} rows/s");
            var storeImport = await Time(async () => (await postgres.Import(new MemoryStream(csv))).Imported);
            Console.Error.WriteLine($"store import: {storeImport.Rate:N0} rows/s");
            var reimport = await Time(async () => (await postgres.Import(new MemoryStream(csv))).Imported);
            Console.Error.WriteLine($"store re-import: {reimport.Rate:N0} rows/s");
            var baselineCsv = Csv("NAIVE", Math.Min(rows, baselineRows), seed: 43);
            var naive = await Time(() => NaiveInsert(dataSource, baselineCsv));
            Console.Error.WriteLine($"naive insert: {naive.Rate:N0} rows/s");
            var memoryImport = await Time(async () => (await memory.Import(new MemoryStream(csv))).Imported);
            Console.Error.WriteLine($"memory import: {memoryImport.Rate:N0} rows/s");
            await Exec(dataSource, "VACUUM ANALYZE candle_series, candle_bars");

            report.AppendLine(Text.I($"""
                #### Import

                {rows:N0} one-minute bars of `SyntheticCandles` (seed 42) as one CSV of {csvMb:0.0} MB in memory, into an empty `candle_bars` table.
                Each import is one call and one transaction; rows/s counts rows written.

                | what | rows | wall time | rows/s | CPU: this process | CPU: Postgres backends | rows per CPU-second |
                |---|---|---|---|---|---|---|
                | parse only (`CandleCsvParser`, no store) | {parseOnly.Count:N0} | {parseOnly.Ms:N0} ms | {parseOnly.Rate:N0} | {parseOnly.ClientCpuMs:N0} ms | | |
                | **`PostgresCandleStore.Import`**: parse → binary COPY (`CandleCopyEncoder`, raw COPY) straight into `candle_bars` (a new series: every row after its last stored bar, appended under the series' advisory lock) | {storeImport.Count:N0} | {storeImport.Ms:N0} ms | **{storeImport.Rate:N0}** | {storeImport.ClientCpuMs:N0} ms | {storeImport.ServerCpuMs:N0} ms | {storeImport.CpuRate:N0} |
                | same file again (every row conflicts: staged in a temp table, then `INSERT … ON CONFLICT DO UPDATE … WHERE IS DISTINCT FROM`, none rewritten) | {reimport.Count:N0} | {reimport.Ms:N0} ms | {reimport.Rate:N0} | {reimport.ClientCpuMs:N0} ms | {reimport.ServerCpuMs:N0} ms | {reimport.CpuRate:N0} |
                | naive baseline: same parser, multi-row `INSERT … VALUES (…) × 1,000 … ON CONFLICT DO UPDATE`, one transaction | {naive.Count:N0} | {naive.Ms:N0} ms | {naive.Rate:N0} | {naive.ClientCpuMs:N0} ms | {naive.ServerCpuMs:N0} ms | {naive.CpuRate:N0} |
                | `InMemoryCandleStore.Import` (embedded mode) | {memoryImport.Count:N0} | {memoryImport.Ms:N0} ms | {memoryImport.Rate:N0} | {memoryImport.ClientCpuMs:N0} ms | | |

                """));

            // ---- backtest read --------------------------------------------------------------------
            var end = Start.AddMinutes(rows);
            var copyRuns = new List<Measured>();
            var readerRuns = new List<Measured>();
            var memoryRuns = new List<Measured>();
            for (var run = 0; run < 3; run++)
            {
                copyRuns.Add(await Time(() => CountBatches(postgres, "SYN", Timeframe.OneMinute, Start, end)));
                readerRuns.Add(await Time(() => PlainReader(dataSource, "SYN", Start, end)));
                memoryRuns.Add(await Time(() => CountBatches(memory, "SYN", Timeframe.OneMinute, Start, end)));
            }
            var aggregated = await Time(() => CountBatches(postgres, "SYN", Timeframe.FiveMinutes, Start, end));
            var aggregatedMemory = await Time(() => CountBatches(memory, "SYN", Timeframe.FiveMinutes, Start, end));
            Console.Error.WriteLine($"ReadBatches: {string.Join(", ", copyRuns.Select(r => r.Ms.ToString("N0", CultureInfo.InvariantCulture)))} ms");

            report.AppendLine(Text.I($"""
                #### Backtest read: all {rows:N0} one-minute bars

                `ReadBatches(SYN, 1m, whole range, batchSize 10,000)` counting every bar; three runs each, alternating, median shown (all runs in brackets).

                | what | bars | median wall time | runs | CPU: this process | CPU: Postgres backends |
                |---|---|---|---|---|---|
                | **`PostgresCandleStore.ReadBatches`**: source probe, then one parameterized `SELECT … ORDER BY time` streamed through `NpgsqlDataReader` | {copyRuns[0].Count:N0} | **{Median(copyRuns):N0} ms** | {Runs(copyRuns)} | {MedianOf(copyRuns, r => r.ClientCpuMs):N0} ms | {MedianOf(copyRuns, r => r.ServerCpuMs):N0} ms |
                | baseline: the bare SELECT through `NpgsqlDataReader` (no source probe, no store) | {readerRuns[0].Count:N0} | {Median(readerRuns):N0} ms | {Runs(readerRuns)} | {MedianOf(readerRuns, r => r.ClientCpuMs):N0} ms | {MedianOf(readerRuns, r => r.ServerCpuMs):N0} ms |
                | `InMemoryCandleStore.ReadBatches` | {memoryRuns[0].Count:N0} | {Median(memoryRuns):N0} ms | {Runs(memoryRuns)} | {MedianOf(memoryRuns, r => r.ClientCpuMs):N0} ms | |
                | Postgres, `5m` aggregated in SQL from the {rows:N0} `1m` bars | {aggregated.Count:N0} | {aggregated.Ms:N0} ms | | {aggregated.ClientCpuMs:N0} ms | {aggregated.ServerCpuMs:N0} ms |
                | memory, `5m` aggregated in C# | {aggregatedMemory.Count:N0} | {aggregatedMemory.Ms:N0} ms | | {aggregatedMemory.ClientCpuMs:N0} ms | |

                """));

            // ---- chart read -------------------------------------------------------------------------
            var random = new Random(1);
            var maxOffset = Math.Max(1, rows - QueryLimit);
            DateTime RandomFrom() => Start.AddMinutes(random.Next(maxOffset));
            var storeQuery = await Latency(queries, async () => (await postgres.Query("SYN", Timeframe.OneMinute, RandomFrom(), null, QueryLimit)).Count);
            var bareQuery = await Latency(queries, () => BareQuery(dataSource, "SYN", RandomFrom()));
            var memoryQuery = await Latency(queries, async () => (await memory.Query("SYN", Timeframe.OneMinute, RandomFrom(), null, QueryLimit)).Count);
            var hourQuery = await Latency(Math.Max(20, queries / 20), async () =>
                (await postgres.Query("SYN", Timeframe.OneHour, Start.AddHours(random.Next(Math.Max(1, rows / 60 - QueryLimit))), null, QueryLimit)).Count);
            Console.Error.WriteLine($"query p50/p99: store {storeQuery.P50:0.00}/{storeQuery.P99:0.00} ms, bare {bareQuery.P50:0.00}/{bareQuery.P99:0.00} ms");

            report.AppendLine(Text.I($"""
                #### Chart read: 1,000 bars

                `Query(SYN, 1m, from = a random minute, limit 1,000)`, one caller, {queries:N0} timed calls after {queries / 10:N0} warm-up calls.

                | what | calls | p50 | p90 | p99 | max |
                |---|---|---|---|---|---|
                | **`PostgresCandleStore.Query`** (one round trip: a batch of the source probe and the range query) | {storeQuery.Count:N0} | {Latencies.Format(storeQuery.P50)} ms | {Latencies.Format(storeQuery.P90)} ms | **{Latencies.Format(storeQuery.P99)} ms** | {Latencies.Format(storeQuery.Max)} ms |
                | baseline: the bare range query (`SELECT … FROM candle_bars WHERE series = (SELECT id …) AND time >= $3 ORDER BY time LIMIT 1000`) | {bareQuery.Count:N0} | {Latencies.Format(bareQuery.P50)} ms | {Latencies.Format(bareQuery.P90)} ms | {Latencies.Format(bareQuery.P99)} ms | {Latencies.Format(bareQuery.Max)} ms |
                | `InMemoryCandleStore.Query` | {memoryQuery.Count:N0} | {Latencies.Format(memoryQuery.P50)} ms | {Latencies.Format(memoryQuery.P90)} ms | {Latencies.Format(memoryQuery.P99)} ms | {Latencies.Format(memoryQuery.Max)} ms |
                | Postgres, 1,000 `1h` bars aggregated in SQL from 60,000 `1m` bars | {hourQuery.Count:N0} | {Latencies.Format(hourQuery.P50)} ms | {Latencies.Format(hourQuery.P90)} ms | {Latencies.Format(hourQuery.P99)} ms | {Latencies.Format(hourQuery.Max)} ms |

                - PostgreSQL: {version.Split(" on ")[0]} ({durability}), same machine, loopback.
                """));
        }
        finally
        {
            NpgsqlConnection.ClearAllPools();
            if (!keep)
            {
                await using var admin = new NpgsqlConnection(server);
                await admin.OpenAsync();
                await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{database}\" WITH (FORCE)", admin);
                await drop.ExecuteNonQueryAsync();
            }
        }

        Console.Out.Write(report.ToString());
        if (output is not null) await File.WriteAllTextAsync(output, report.ToString());
        return 0;
    }

    private static byte[] Csv(string symbol, int rows, long seed)
    {
        using var stream = new MemoryStream(rows * 60);
        using (var writer = new StreamWriter(stream, new UTF8Encoding(false), 1 << 16, leaveOpen: true))
            CandleCsvWriter.Write(writer, symbol, Timeframe.OneMinute, SyntheticCandles.Generate(seed, Start, Timeframe.OneMinute, rows));
        return stream.ToArray();
    }

    /// <summary>The naive way: parse the same CSV, then multi-row INSERT … ON CONFLICT statements of 1,000 rows, one transaction.</summary>
    private static async Task<int> NaiveInsert(NpgsqlDataSource dataSource, byte[] csv)
    {
        const int rowsPerStatement = 1_000;
        var parser = new CandleCsvParser();
        var pending = new List<CandleRow>(rowsPerStatement);
        var written = 0;
        await using var connection = await dataSource.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        async Task Flush()
        {
            if (pending.Count == 0) return;
            foreach (var series in pending.Select(r => (r.Symbol, r.Timeframe)).Distinct())
            {
                await using var number = new NpgsqlCommand("INSERT INTO candle_series (symbol, timeframe) VALUES ($1, $2) ON CONFLICT DO NOTHING", connection, transaction);
                number.Parameters.Add(new NpgsqlParameter<string> { TypedValue = series.Symbol, NpgsqlDbType = NpgsqlDbType.Text });
                number.Parameters.Add(new NpgsqlParameter<string> { TypedValue = series.Timeframe.WireName(), NpgsqlDbType = NpgsqlDbType.Text });
                await number.ExecuteNonQueryAsync();
            }
            var sql = new StringBuilder("INSERT INTO candle_bars (series, time, open, high, low, close, volume) SELECT s.id, v.time, v.open, v.high, v.low, v.close, v.volume FROM (VALUES ");
            await using var command = new NpgsqlCommand { Connection = connection, Transaction = transaction };
            for (var i = 0; i < pending.Count; i++)
            {
                var p = i * 8;
                sql.Append(i == 0 ? "" : ",").Append(CultureInfo.InvariantCulture, $"(${p + 1},${p + 2},${p + 3},${p + 4},${p + 5},${p + 6},${p + 7},${p + 8})");
                var row = pending[i];
                command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = row.Symbol, NpgsqlDbType = NpgsqlDbType.Text });
                command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = row.Timeframe.WireName(), NpgsqlDbType = NpgsqlDbType.Text });
                command.Parameters.Add(new NpgsqlParameter<DateTime> { TypedValue = row.Candle.TimeUtc, NpgsqlDbType = NpgsqlDbType.TimestampTz });
                foreach (var value in new[] { row.Candle.Open, row.Candle.High, row.Candle.Low, row.Candle.Close, row.Candle.Volume })
                    command.Parameters.Add(new NpgsqlParameter<decimal> { TypedValue = value, NpgsqlDbType = NpgsqlDbType.Numeric });
            }
            sql.Append(") AS v (symbol, timeframe, time, open, high, low, close, volume) JOIN candle_series s ON s.symbol = v.symbol AND s.timeframe = v.timeframe");
            sql.Append(" ON CONFLICT (series, time) DO UPDATE SET open = EXCLUDED.open, high = EXCLUDED.high, low = EXCLUDED.low, close = EXCLUDED.close, volume = EXCLUDED.volume");
            command.CommandText = sql.ToString();
            written += await command.ExecuteNonQueryAsync();
            pending.Clear();
        }
        await foreach (var batch in parser.ReadAsync(new MemoryStream(csv)))
        {
            foreach (var row in batch)
            {
                pending.Add(row);
                if (pending.Count == rowsPerStatement) await Flush();
            }
        }
        await Flush();
        await transaction.CommitAsync();
        return written;
    }

    private static async Task<int> CountBatches(ICandleStore store, string symbol, Timeframe timeframe, DateTime from, DateTime to)
    {
        var count = 0;
        await foreach (var batch in store.ReadBatches(symbol, timeframe, from, to, 10_000)) count += batch.Length;
        return count;
    }

    private static async Task<int> PlainReader(NpgsqlDataSource dataSource, string symbol, DateTime from, DateTime to)
    {
        await using var command = dataSource.CreateCommand(
            "SELECT time, open, high, low, close, volume FROM candle_bars WHERE series = (SELECT id FROM candle_series WHERE symbol = $1 AND timeframe = '1m') AND time >= $2 AND time < $3 ORDER BY time");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = symbol });
        command.Parameters.Add(new NpgsqlParameter<DateTime> { TypedValue = from });
        command.Parameters.Add(new NpgsqlParameter<DateTime> { TypedValue = to });
        await using var reader = await command.ExecuteReaderAsync();
        var batch = new Candle[10_000];
        var count = 0;
        var n = 0;
        while (await reader.ReadAsync())
        {
            batch[n++] = new Candle(reader.GetFieldValue<DateTime>(0), reader.GetDecimal(1), reader.GetDecimal(2), reader.GetDecimal(3), reader.GetDecimal(4), reader.GetDecimal(5));
            if (n == batch.Length)
            {
                count += n;
                n = 0;
                batch = new Candle[10_000];
            }
        }
        return count + n;
    }

    private static async Task<int> BareQuery(NpgsqlDataSource dataSource, string symbol, DateTime from)
    {
        await using var command = dataSource.CreateCommand(
            "SELECT time, open, high, low, close, volume FROM candle_bars WHERE series = (SELECT id FROM candle_series WHERE symbol = $1 AND timeframe = '1m') AND time >= $2 ORDER BY time LIMIT 1000");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = symbol });
        command.Parameters.Add(new NpgsqlParameter<DateTime> { TypedValue = from });
        await using var reader = await command.ExecuteReaderAsync();
        var bars = new List<Candle>(QueryLimit);
        while (await reader.ReadAsync())
            bars.Add(new Candle(reader.GetFieldValue<DateTime>(0), reader.GetDecimal(1), reader.GetDecimal(2), reader.GetDecimal(3), reader.GetDecimal(4), reader.GetDecimal(5)));
        return bars.Count;
    }

    /// <summary>
    /// One timed action: wall time, and the CPU it cost this process (parsing, encoding, decoding) and the Postgres
    /// backends of the benchmark database (read from /proc: the server runs on this machine). Under load from other
    /// work the wall time stretches; the CPU times much less, so they tell what the work itself costs.
    /// </summary>
    private sealed record Measured(int Count, double Ms, double ClientCpuMs, double ServerCpuMs)
    {
        public double Rate => Count / Ms * 1000;

        /// <summary>Rows per second of CPU, client and server added up (as if nothing overlapped).</summary>
        public double CpuRate => Count / (ClientCpuMs + ServerCpuMs) * 1000;
    }

    private static NpgsqlDataSource? _cpuSource;

    private static async Task<Measured> Time(Func<Task<int>> action)
    {
        var server = await ServerCpu();
        var client = Process.GetCurrentProcess().TotalProcessorTime;
        var clock = Stopwatch.StartNew();
        var count = await action();
        var wall = clock.Elapsed.TotalMilliseconds;
        var clientCpu = (Process.GetCurrentProcess().TotalProcessorTime - client).TotalMilliseconds;
        var serverAfter = await ServerCpu();
        var serverCpu = serverAfter.Sum(kv => kv.Value - server.GetValueOrDefault(kv.Key));
        return new Measured(count, wall, clientCpu, serverCpu);
    }

    /// <summary>CPU milliseconds so far of each backend connected to the benchmark database, by pid (empty when /proc cannot tell).</summary>
    private static async Task<Dictionary<int, double>> ServerCpu()
    {
        var cpu = new Dictionary<int, double>();
        if (_cpuSource is null) return cpu;
        await using var command = _cpuSource.CreateCommand("SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()");
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            var pid = reader.GetInt32(0);
            try
            {
                var stat = await File.ReadAllTextAsync($"/proc/{pid}/stat");
                var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                // utime and stime are fields 14 and 15 of /proc/pid/stat (12 and 13 after the command name), in clock ticks of 1/100 s.
                cpu[pid] = (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) * 10.0;
            }
            catch (IOException)
            {
            }
        }
        return cpu;
    }

    private static async Task<Latencies> Latency(int calls, Func<Task<int>> call)
    {
        for (var i = 0; i < calls / 10; i++) await call();
        var samples = new List<long>(calls);
        for (var i = 0; i < calls; i++)
        {
            var start = Stopwatch.GetTimestamp();
            var n = await call();
            samples.Add(Stopwatch.GetTimestamp() - start);
            if (n == 0) throw new InvalidOperationException("a query found nothing");
        }
        return new Latencies([samples]);
    }

    private static double Median(List<Measured> runs) => runs.Select(r => r.Ms).Order().ElementAt(runs.Count / 2);

    private static double MedianOf(List<Measured> runs, Func<Measured, double> value) => runs.Select(value).Order().ElementAt(runs.Count / 2);

    private static string Runs(List<Measured> runs) => "[" + string.Join(", ", runs.Select(r => Text.N0(r.Ms))) + "]";

    private static async Task<T> Scalar<T>(NpgsqlDataSource dataSource, string sql)
    {
        await using var command = dataSource.CreateCommand(sql);
        return (T)(await command.ExecuteScalarAsync())!;
    }

    private static async Task Exec(NpgsqlDataSource dataSource, string sql)
    {
        await using var command = dataSource.CreateCommand(sql);
        command.CommandTimeout = 0;
        await command.ExecuteNonQueryAsync();
    }
}
