using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Prometheus;
using TradingPlatform.Orders;
using TradingPlatform.Positions;
using TradingPlatform.Storage;
using TradingPlatform.Testing;

namespace TradingPlatform.Tests.Storage;

/// <summary>A migrated database for one test class, with a journal on it; more journals (more "silos") on demand.</summary>
public sealed class PostgresJournalFixture : IAsyncLifetime
{
    private readonly List<IAsyncDisposable> _owned = [];

    public TestDatabase Database { get; private set; } = null!;
    public NpgsqlDataSource DataSource { get; private set; } = null!;
    public PostgresTradingJournal Journal { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Database = await TestPostgres.CreateDatabase("journal");
        await DatabaseMigrator.MigrateAsync(Database.ConnectionString, NullLogger.Instance, TimeSpan.FromSeconds(30));
        DataSource = NpgsqlDataSource.Create(Database.ConnectionString);
        Journal = NewJournal();
    }

    /// <summary>Another journal on the same database, as another silo would have (its own connection pool).</summary>
    public PostgresTradingJournal NewJournal(NpgsqlDataSource? dataSource = null, JournalMetrics? metrics = null)
    {
        if (dataSource is null)
        {
            dataSource = NpgsqlDataSource.Create(Database.ConnectionString);
            _owned.Add(dataSource);
        }
        var journal = new PostgresTradingJournal(dataSource, NullLogger<PostgresTradingJournal>.Instance, new GroupCommitOptions(), metrics);
        _owned.Insert(0, journal);
        return journal;
    }

    public async Task DisposeAsync()
    {
        foreach (var owned in _owned) await owned.DisposeAsync();
        await DataSource.DisposeAsync();
        await Database.DisposeAsync();
    }
}

public sealed class PostgresTradingJournalTests(PostgresJournalFixture fixture)
    : TradingJournalContract(fixture.Journal), IClassFixture<PostgresJournalFixture>
{
    private static readonly TimeSpan WaitLimit = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task Two_journals_on_one_database_commit_ten_thousand_fills_of_fifty_callers_without_loss_or_gap()
    {
        var strategy = NewStrategy();
        var journals = new[] { fixture.NewJournal(), fixture.NewJournal() };

        var outcomes = await Task.WhenAll(Enumerable.Range(0, 50).Select(caller => Task.Run(async () =>
        {
            var journal = journals[caller % 2];
            var committed = 0;
            for (var sequence = 1; sequence <= 200; sequence++)
            {
                var result = await journal.Commit(JournalUnit.ForUpdates([], [Fill(strategy, $"P{caller}", sequence)]));
                if (result.Committed) committed++;
            }
            return committed;
        })));

        Assert.All(outcomes, committed => Assert.Equal(200, committed));
        Assert.Equal(10_000, await Scalar<long>("SELECT count(*) FROM trading_fills WHERE strategy_id = $1", strategy));
        var positions = await Rows("""
            SELECT symbol, count(*), min(position_seq), max(position_seq), count(DISTINCT position_seq)
            FROM trading_fills WHERE strategy_id = $1 GROUP BY symbol
            """, r => (Count: r.GetInt64(1), Min: r.GetInt64(2), Max: r.GetInt64(3), Distinct: r.GetInt64(4)), strategy);
        Assert.Equal(50, positions.Count);
        Assert.All(positions, p => Assert.Equal((200L, 1L, 200L, 200L), p));
    }

    [Fact]
    public async Task One_fill_id_committed_through_two_journals_at_once_is_stored_once_and_every_other_attempt_gets_the_stored_fill()
    {
        var strategy = NewStrategy();
        var journals = new[] { fixture.NewJournal(), fixture.NewJournal() };
        for (var round = 0; round < 25; round++)
        {
            var fill = Fill(strategy, $"R{round}", 1);

            var results = await Task.WhenAll(Enumerable.Range(0, 20).Select(i => Task.Run(() => journals[i % 2].Commit(JournalUnit.ForUpdates([], [fill])))));

            var committed = Assert.Single(results, r => r.Committed);
            Assert.All(results.Where(r => !r.Committed), r =>
            {
                Assert.Equal(JournalResultKind.DuplicateFill, r.Kind);
                Assert.Equal(committed.Fills[0], r.ExistingFill);
            });
            Assert.Equal(1, await Scalar<long>("SELECT count(*) FROM trading_fills WHERE fill_id = $1", fill.FillId));
        }
    }

    [Fact]
    public async Task Units_queued_behind_a_batch_are_written_in_one_transaction_and_the_rejected_ones_do_not_affect_the_rest()
    {
        var strategy = NewStrategy();
        var storedOrder = Order(strategy, "stored");
        var storedFill = (await CommitOk(JournalUnit.ForOrder(storedOrder, Fill(strategy, "AAPL", 1)))).Fills[0];
        var good1 = JournalUnit.ForOrder(Order(strategy, "g1"), Fill(strategy, "AAPL", 2));
        var duplicateOfStoredFill = JournalUnit.ForOrder(Order(strategy, "r1"), storedFill with { Symbol = "MSFT", JournalSequence = 0 });
        var good2 = JournalUnit.ForUpdates([storedOrder with { Status = OrderStatus.Filled, FilledQuantity = 10m, UpdatedAtUtc = T0.AddMinutes(1) }], [Fill(strategy, "AAPL", 3)]);
        var takenSequence = JournalUnit.ForOrder(Order(strategy, "r2"), Fill(strategy, "MSFT", 1), Fill(strategy, "AAPL", 1));
        var duplicateOfStoredOrder = JournalUnit.ForOrder(Order(strategy, "stored", quantity: 5m), Fill(strategy, "TSLA", 1));
        var duplicateOfGood1Fill = JournalUnit.ForUpdates([], [good1.Fills[0] with { Symbol = "NVDA" }]);
        var duplicateOfGood1Order = JournalUnit.ForOrder(Order(strategy, "g1", quantity: 3m));
        var sequenceOfGood2 = JournalUnit.ForUpdates([], [Fill(strategy, "AAPL", 3)]);
        var good3 = JournalUnit.ForOrder(Order(strategy, "g3"), Fill(strategy, "MSFT", 1));
        var units = new[] { good1, duplicateOfStoredFill, good2, takenSequence, duplicateOfStoredOrder, duplicateOfGood1Fill, duplicateOfGood1Order, sequenceOfGood2, good3 };

        JournalResult[] results;
        await using (var blocker = await BlockFillInserts())
        {
            var plug = fixture.Journal.Commit(JournalUnit.ForUpdates([], [Fill(strategy, "PLUG", 1)]));
            await WaitUntilAWriterWaitsForFills();
            var queued = units.Select(u => fixture.Journal.Commit(u)).ToArray();
            await blocker.Release();
            Assert.True((await plug).Committed);
            results = await Task.WhenAll(queued);
        }

        Assert.Equal(
            [JournalResultKind.Committed, JournalResultKind.DuplicateFill, JournalResultKind.Committed, JournalResultKind.SequenceTaken,
             JournalResultKind.DuplicateOrder, JournalResultKind.DuplicateFill, JournalResultKind.DuplicateOrder, JournalResultKind.SequenceTaken,
             JournalResultKind.Committed],
            results.Select(r => r.Kind));
        Assert.Equal(storedFill, results[1].ExistingFill);
        Assert.Equal(good2.OrderUpdates[0], results[4].ExistingOrder);
        Assert.Equal(results[0].Fills[0], results[5].ExistingFill);
        Assert.Equal(good1.NewOrder, results[6].ExistingOrder);
        Assert.Equal([1L, 2L, 3L], (await fixture.Journal.FillsAfter(strategy, "AAPL", 0, 10)).Select(f => f.Sequence));
        Assert.Equal([good3.Fills[0].FillId], (await fixture.Journal.FillsAfter(strategy, "MSFT", 0, 10)).Select(f => f.FillId));
        Assert.Empty(await fixture.Journal.FillsAfter(strategy, "TSLA", 0, 10));
        Assert.Empty(await fixture.Journal.FillsAfter(strategy, "NVDA", 0, 10));
        Assert.Equal(3, await fixture.Journal.CountOrders(strategy));
        Assert.Equal(OrderStatus.Filled, (await fixture.Journal.GetOrder(storedOrder.OrderId))!.Status);
        var written = results.Where(r => r.Committed).Select(r => r.Fills[0].FillId).ToArray();
        Assert.Equal(1, await Scalar<long>("SELECT count(DISTINCT xmin::text) FROM trading_fills WHERE fill_id = ANY($1)", (object)written));
    }

    [Fact]
    public async Task A_batch_that_collides_with_another_writer_is_written_again_and_only_the_colliding_unit_is_refused()
    {
        var strategy = NewStrategy();
        var contested = Fill(strategy, "AAPL", 1);
        var theirs = contested with { Symbol = "THEIRS" };
        var units = new[]
        {
            JournalUnit.ForOrder(Order(strategy, "a"), Fill(strategy, "MSFT", 1)),
            JournalUnit.ForOrder(Order(strategy, "b"), contested),
            JournalUnit.ForOrder(Order(strategy, "c"), Fill(strategy, "MSFT", 2)),
        };

        JournalResult[] results;
        await using (var orderBlocker = await Block("trading_orders"))
        {
            var plug = fixture.Journal.Commit(JournalUnit.ForOrder(Order(strategy, "plug")));
            await WaitUntilAWriterWaitsFor("trading_orders");
            var queued = units.Select(u => fixture.Journal.Commit(u)).ToArray();
            await using var fillBlocker = await Block("trading_fills");
            await orderBlocker.Release();
            Assert.True((await plug).Committed);
            // The batch of the three units has checked its keys and waits to insert its fills: another writer
            // takes the contested fillId now.
            await WaitUntilAWriterWaitsFor("trading_fills");
            await fillBlocker.InsertFill(theirs);
            await fillBlocker.Release();
            results = await Task.WhenAll(queued);
        }

        Assert.Equal([JournalResultKind.Committed, JournalResultKind.DuplicateFill, JournalResultKind.Committed], results.Select(r => r.Kind));
        Assert.Equal("THEIRS", results[1].ExistingFill!.Symbol);
        Assert.Null(await fixture.Journal.FindOrder(strategy, "b"));
        Assert.NotNull(await fixture.Journal.FindOrder(strategy, "a"));
        Assert.NotNull(await fixture.Journal.FindOrder(strategy, "c"));
        Assert.Equal(2, await Scalar<long>("SELECT count(*) FROM trading_fills WHERE fill_id = ANY($1)",
            (object)new[] { results[0].Fills[0].FillId, results[2].Fills[0].FillId }));
    }

    [Fact]
    public async Task A_unit_the_database_refuses_for_its_data_fails_alone()
    {
        var strategy = NewStrategy();
        var units = new[]
        {
            JournalUnit.ForUpdates([], [Fill(strategy, "AAPL", 1)]),
            JournalUnit.ForUpdates([], [Fill(strategy, "AAPL", 2) with { FillId = "bad\0id" }]),
            JournalUnit.ForUpdates([], [Fill(strategy, "AAPL", 3)]),
        };

        Task<JournalResult>[] queued;
        await using (var blocker = await BlockFillInserts())
        {
            var plug = fixture.Journal.Commit(JournalUnit.ForUpdates([], [Fill(strategy, "PLUG", 1)]));
            await WaitUntilAWriterWaitsForFills();
            queued = units.Select(u => fixture.Journal.Commit(u)).ToArray();
            await blocker.Release();
            await plug;
        }

        Assert.True((await queued[0]).Committed);
        await Assert.ThrowsAnyAsync<NpgsqlException>(() => queued[1]);
        Assert.True((await queued[2]).Committed);
        Assert.Equal([1L, 3L], (await fixture.Journal.FillsAfter(strategy, "AAPL", 0, 10)).Select(f => f.Sequence));
    }

    [Fact]
    public async Task A_journal_without_its_database_fails_every_commit_with_the_error_and_keeps_running()
    {
        var builder = new NpgsqlConnectionStringBuilder(fixture.Database.ConnectionString) { Port = FreePort.Next(), Timeout = 2 };
        await using var unreachable = NpgsqlDataSource.Create(builder.ConnectionString);
        var journal = new PostgresTradingJournal(unreachable, NullLogger<PostgresTradingJournal>.Instance);
        var strategy = NewStrategy();

        var first = await Record.ExceptionAsync(() => journal.Commit(JournalUnit.ForUpdates([], [Fill(strategy, "AAPL", 1)])));
        var second = await Record.ExceptionAsync(() => journal.Commit(JournalUnit.ForUpdates([], [Fill(strategy, "AAPL", 1)])));
        await journal.DisposeAsync();

        Assert.IsAssignableFrom<NpgsqlException>(first);
        Assert.IsAssignableFrom<NpgsqlException>(second);
        await Assert.ThrowsAsync<ObjectDisposedException>(() => journal.Commit(JournalUnit.ForUpdates([], [Fill(strategy, "AAPL", 1)])));
    }

    [Fact]
    public async Task Disposing_writes_what_is_queued_and_later_commits_are_refused()
    {
        var journal = fixture.NewJournal(fixture.DataSource);
        var strategy = NewStrategy();

        var queued = Enumerable.Range(1, 50).Select(i => journal.Commit(JournalUnit.ForUpdates([], [Fill(strategy, "AAPL", i)]))).ToArray();
        await journal.DisposeAsync();

        Assert.All(queued, t => Assert.True(t.IsCompletedSuccessfully && t.Result.Committed));
        Assert.Equal(50, (await fixture.Journal.PositionHeads(strategy))["AAPL"]);
        await Assert.ThrowsAsync<ObjectDisposedException>(() => journal.Commit(JournalUnit.ForUpdates([], [Fill(strategy, "AAPL", 51)])));
    }

    [Fact]
    public async Task Metrics_time_each_unit_from_queued_to_committed_and_count_the_units_of_each_batch()
    {
        var metrics = new JournalMetrics(Metrics.WithCustomRegistry(Metrics.NewCustomRegistry()));
        var journal = fixture.NewJournal(metrics: metrics);
        var strategy = NewStrategy();

        Assert.True((await journal.Commit(JournalUnit.ForUpdates([], [Fill(strategy, "AAPL", 1)]))).Committed);
        Assert.Equal((1L, 1L, 1.0), (metrics.CommitCount, metrics.BatchCount, metrics.BatchUnitsSum));

        var held = TimeSpan.FromMilliseconds(300);
        Task<JournalResult> plug;
        Task<JournalResult>[] queued;
        await using (var blocker = await BlockFillInserts())
        {
            plug = journal.Commit(JournalUnit.ForUpdates([], [Fill(strategy, "AAPL", 2)]));
            await WaitUntilAWriterWaitsForFills();
            queued = Enumerable.Range(3, 5).Select(sequence => journal.Commit(JournalUnit.ForUpdates([], [Fill(strategy, "AAPL", sequence)]))).ToArray();
            await Task.Delay(held);
            await blocker.Release();
        }
        Assert.True((await plug).Committed);
        Assert.All(await Task.WhenAll(queued), r => Assert.True(r.Committed));

        Assert.Equal(7L, metrics.CommitCount);
        Assert.Equal(3L, metrics.BatchCount);
        Assert.Equal(7.0, metrics.BatchUnitsSum);
        // The plug and the five behind it each waited while the table was held: time in the queue counts.
        Assert.True(metrics.CommitSecondsSum >= 6 * held.TotalSeconds, $"{metrics.CommitSecondsSum:F3} s in all");
    }

    [Fact]
    public async Task Enums_are_stored_as_lowercase_snake_case_words()
    {
        var strategy = NewStrategy();
        var order = Order(strategy, "c1", status: OrderStatus.Rejected) with { RejectReason = RejectReason.KillSwitchGlobal };
        var partial = Order(strategy, "c2", status: OrderStatus.PartiallyFilled, limitPrice: null);
        await CommitOk(JournalUnit.ForOrder(order, Fill(strategy, "AAPL", 1) with { Source = FillSource.Paper, Side = Side.Buy }));
        await CommitOk(JournalUnit.ForOrder(partial));

        var orders = await Rows("SELECT side, type, status, coalesce(reject_reason, '-') FROM trading_orders WHERE strategy_id = $1 ORDER BY order_seq",
            r => string.Join(' ', r.GetString(0), r.GetString(1), r.GetString(2), r.GetString(3)), strategy);
        var fills = await Rows("SELECT side, source FROM trading_fills WHERE strategy_id = $1",
            r => string.Join(' ', r.GetString(0), r.GetString(1)), strategy);

        Assert.Equal(["buy limit rejected kill_switch_global", "buy market partially_filled -"], orders);
        Assert.Equal(["buy paper"], fills);
    }

    private Task<TableLock> BlockFillInserts() => Block("trading_fills");

    private Task<TableLock> Block(string table) => TableLock.Take(fixture.DataSource, table);

    private Task WaitUntilAWriterWaitsForFills() => WaitUntilAWriterWaitsFor("trading_fills");

    private Task WaitUntilAWriterWaitsFor(string table) => Eventually.True(
        async () => await Scalar<long>("""
            SELECT count(*) FROM pg_locks
            WHERE NOT granted AND relation = $1::regclass AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
            """, table) > 0,
        WaitLimit, $"a journal write waits for the lock on {table}");

    private async Task<T> Scalar<T>(string sql, params object[] parameters)
    {
        await using var command = fixture.DataSource.CreateCommand(sql);
        foreach (var parameter in parameters) command.Parameters.Add(new NpgsqlParameter { Value = parameter });
        return (T)(await command.ExecuteScalarAsync())!;
    }

    private async Task<List<T>> Rows<T>(string sql, Func<NpgsqlDataReader, T> read, params object[] parameters)
    {
        await using var command = fixture.DataSource.CreateCommand(sql);
        foreach (var parameter in parameters) command.Parameters.Add(new NpgsqlParameter { Value = parameter });
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<T>();
        while (await reader.ReadAsync()) rows.Add(read(reader));
        return rows;
    }
}

/// <summary>
/// A transaction holding a table lock (EXCLUSIVE: journal writes wait for it, reads do not), as another
/// process in the middle of its own transaction would.
/// </summary>
internal sealed class TableLock : IAsyncDisposable
{
    private readonly NpgsqlConnection _connection;
    private readonly NpgsqlTransaction _transaction;

    private TableLock(NpgsqlConnection connection, NpgsqlTransaction transaction)
    {
        _connection = connection;
        _transaction = transaction;
    }

    public static async Task<TableLock> Take(NpgsqlDataSource dataSource, string table)
    {
        var connection = await dataSource.OpenConnectionAsync();
        var transaction = await connection.BeginTransactionAsync();
        await using var command = new NpgsqlCommand($"LOCK TABLE {table} IN EXCLUSIVE MODE", connection, transaction);
        await command.ExecuteNonQueryAsync();
        return new TableLock(connection, transaction);
    }

    /// <summary>Inserts a fill in the lock's transaction, as another writer would.</summary>
    public async Task InsertFill(Fill fill)
    {
        await using var command = new NpgsqlCommand("""
            INSERT INTO trading_fills (fill_id, order_id, strategy_id, symbol, side, quantity, price, fee, position_seq, executed_at, source)
            VALUES ($1, NULL, $2, $3, 'buy', $4, $5, 0, $6, $7, 'external')
            """, _connection, _transaction);
        command.Parameters.Add(new NpgsqlParameter { Value = fill.FillId });
        command.Parameters.Add(new NpgsqlParameter { Value = fill.StrategyId });
        command.Parameters.Add(new NpgsqlParameter { Value = fill.Symbol });
        command.Parameters.Add(new NpgsqlParameter { Value = fill.Quantity });
        command.Parameters.Add(new NpgsqlParameter { Value = fill.Price });
        command.Parameters.Add(new NpgsqlParameter { Value = fill.Sequence });
        command.Parameters.Add(new NpgsqlParameter { Value = fill.ExecutedAtUtc });
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>Commits: the lock is released.</summary>
    public Task Release() => _transaction.CommitAsync();

    public async ValueTask DisposeAsync()
    {
        await _transaction.DisposeAsync();
        await _connection.DisposeAsync();
    }
}
