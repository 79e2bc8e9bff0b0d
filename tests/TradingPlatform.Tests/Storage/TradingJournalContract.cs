using TradingPlatform.Common;
using TradingPlatform.Orders;
using TradingPlatform.Positions;
using TradingPlatform.Storage;

namespace TradingPlatform.Tests.Storage;

/// <summary>
/// The rules every <see cref="ITradingJournal"/> keeps, run against each implementation. Tests may share
/// one journal (and database): each uses strategy ids of its own.
/// </summary>
public abstract class TradingJournalContract(ITradingJournal journal)
{
    protected static readonly DateTimeOffset T0 = new(2026, 3, 2, 14, 30, 0, TimeSpan.Zero);

    protected ITradingJournal Journal { get; } = journal;

    [Fact]
    public async Task A_committed_unit_is_visible_through_every_read()
    {
        var strategy = NewStrategy();
        var order = Order(strategy, "c1", status: OrderStatus.PartiallyFilled, filled: 4m, averagePrice: 101.5m);
        var fill = Fill(strategy, "AAPL", 1, orderId: order.OrderId, quantity: 4m, price: 101.5m);

        var result = await Journal.Commit(JournalUnit.ForOrder(order, fill));

        Assert.Equal(JournalResultKind.Committed, result.Kind);
        Assert.True(result.Committed);
        var journaled = Assert.Single(result.Fills);
        Assert.True(journaled.JournalSequence > 0);
        Assert.Equal(fill with { JournalSequence = journaled.JournalSequence }, journaled);

        Assert.Equal(order, await Journal.FindOrder(strategy, "c1"));
        Assert.Equal(order, await Journal.GetOrder(order.OrderId));
        Assert.Equal([order], await Journal.WorkingOrders(strategy));
        Assert.Equal([order], await Journal.RecentOrders(strategy, 10));
        Assert.Equal(1, await Journal.CountOrders(strategy));
        Assert.Equal(new Dictionary<string, long> { ["AAPL"] = 1 }, await Journal.PositionHeads(strategy));
        Assert.Equal([journaled], await Journal.FillsAfter(strategy, "AAPL", 0, 10));
        var fills = await Journal.QueryFills(new FillQuery(strategy), new PageRequest(1, 10));
        Assert.Equal([journaled], fills.Items);
        Assert.Equal(1, fills.Total);
        var orders = await Journal.QueryOrders(new OrderQuery(strategy), new PageRequest(1, 10));
        Assert.Equal([order], orders.Items);
        Assert.Equal(1, orders.Total);
    }

    [Fact]
    public async Task A_duplicate_client_order_id_is_rejected_whole_and_returns_the_stored_first_order()
    {
        var strategy = NewStrategy();
        var first = Order(strategy, "same");
        await CommitOk(JournalUnit.ForOrder(first, Fill(strategy, "AAPL", 1)));
        var second = Order(strategy, "same", quantity: 99m);
        var secondFill = Fill(strategy, "AAPL", 2);
        var updateOfFirst = first with { Status = OrderStatus.Cancelled, UpdatedAtUtc = T0.AddMinutes(1) };

        var result = await Journal.Commit(new JournalUnit(second, [updateOfFirst], [secondFill]));

        Assert.Equal(JournalResultKind.DuplicateOrder, result.Kind);
        Assert.False(result.Committed);
        Assert.Equal(first, result.ExistingOrder);
        Assert.Empty(result.Fills);
        Assert.Null(await Journal.GetOrder(second.OrderId));
        Assert.Equal(first, await Journal.GetOrder(first.OrderId));
        Assert.Equal(1, await Journal.CountOrders(strategy));
        Assert.Single(await Journal.FillsAfter(strategy, "AAPL", 0, 10));
        Assert.Equal(1, (await Journal.QueryFills(new FillQuery(strategy), new PageRequest(1, 10))).Total);
    }

    [Fact]
    public async Task A_duplicate_fill_id_is_rejected_whole_and_returns_the_stored_fill()
    {
        var strategy = NewStrategy();
        var stored = (await CommitOk(JournalUnit.ForUpdates([], [Fill(strategy, "AAPL", 1, fillId: $"{strategy}-f1")]))).Fills[0];
        var order = Order(strategy, "c2");
        var again = Fill(strategy, "MSFT", 1, fillId: $"{strategy}-f1", quantity: 7m);
        var other = Fill(strategy, "AAPL", 2);

        var result = await Journal.Commit(JournalUnit.ForOrder(order, other, again));

        Assert.Equal(JournalResultKind.DuplicateFill, result.Kind);
        Assert.Equal(stored, result.ExistingFill);
        Assert.Null(await Journal.FindOrder(strategy, "c2"));
        Assert.Equal(new Dictionary<string, long> { ["AAPL"] = 1 }, await Journal.PositionHeads(strategy));
        Assert.Equal([stored], (await Journal.QueryFills(new FillQuery(strategy), new PageRequest(1, 10))).Items);
    }

    [Fact]
    public async Task A_taken_position_sequence_is_rejected_whole()
    {
        var strategy = NewStrategy();
        var stored = (await CommitOk(JournalUnit.ForUpdates([], [Fill(strategy, "AAPL", 1)]))).Fills[0];
        var order = Order(strategy, "c3");
        var free = Fill(strategy, "MSFT", 1);
        var stale = Fill(strategy, "AAPL", 1);

        var result = await Journal.Commit(JournalUnit.ForOrder(order, free, stale));

        Assert.Equal(JournalResultKind.SequenceTaken, result.Kind);
        Assert.Null(result.ExistingFill);
        Assert.Null(result.ExistingOrder);
        Assert.Null(await Journal.FindOrder(strategy, "c3"));
        Assert.Empty(await Journal.FillsAfter(strategy, "MSFT", 0, 10));
        Assert.Equal([stored], await Journal.FillsAfter(strategy, "AAPL", 0, 10));
    }

    [Fact]
    public async Task A_duplicate_order_is_reported_before_a_duplicate_fill_and_a_duplicate_fill_before_a_taken_sequence()
    {
        var strategy = NewStrategy();
        var order = Order(strategy, "c1");
        var first = (await CommitOk(JournalUnit.ForOrder(order, Fill(strategy, "AAPL", 1, fillId: $"{strategy}-f1")))).Fills[0];

        var duplicateEverything = await Journal.Commit(JournalUnit.ForOrder(Order(strategy, "c1"), Fill(strategy, "AAPL", 1, fillId: $"{strategy}-f1")));
        var duplicateFillAndTakenSequence = await Journal.Commit(JournalUnit.ForUpdates([],
            [Fill(strategy, "AAPL", 1), Fill(strategy, "AAPL", 2, fillId: $"{strategy}-f1")]));

        Assert.Equal(JournalResultKind.DuplicateOrder, duplicateEverything.Kind);
        Assert.Equal(order, duplicateEverything.ExistingOrder);
        Assert.Equal(JournalResultKind.DuplicateFill, duplicateFillAndTakenSequence.Kind);
        Assert.Equal(first, duplicateFillAndTakenSequence.ExistingFill);
    }

    [Fact]
    public async Task Of_units_committed_together_with_one_fill_id_the_first_commits_and_the_others_get_the_stored_fill()
    {
        var strategy = NewStrategy();
        var fillId = $"{strategy}-shared";

        var results = await Task.WhenAll(Enumerable.Range(1, 20).Select(i =>
            Journal.Commit(JournalUnit.ForUpdates([], [Fill(strategy, $"S{i}", 1, fillId: fillId)]))));

        Assert.Equal(JournalResultKind.Committed, results[0].Kind);
        var stored = results[0].Fills[0];
        Assert.Equal("S1", stored.Symbol);
        Assert.All(results.Skip(1), r =>
        {
            Assert.Equal(JournalResultKind.DuplicateFill, r.Kind);
            Assert.Equal(stored, r.ExistingFill);
        });
        Assert.Equal([stored], (await Journal.QueryFills(new FillQuery(strategy), new PageRequest(1, 50))).Items);
    }

    [Fact]
    public async Task Of_units_committed_together_with_one_client_order_id_the_first_commits_and_the_others_get_the_stored_order()
    {
        var strategy = NewStrategy();
        var orders = Enumerable.Range(1, 20).Select(i => Order(strategy, "same", quantity: i)).ToArray();

        var results = await Task.WhenAll(orders.Select((o, i) => Journal.Commit(JournalUnit.ForOrder(o, Fill(strategy, "AAPL", i + 1)))));

        Assert.Equal(JournalResultKind.Committed, results[0].Kind);
        Assert.All(results.Skip(1), r =>
        {
            Assert.Equal(JournalResultKind.DuplicateOrder, r.Kind);
            Assert.Equal(orders[0], r.ExistingOrder);
        });
        Assert.Equal(1, await Journal.CountOrders(strategy));
        Assert.Equal(new Dictionary<string, long> { ["AAPL"] = 1 }, await Journal.PositionHeads(strategy));
    }

    [Fact]
    public async Task Of_units_committed_together_with_one_position_sequence_the_first_commits_and_the_others_find_it_taken()
    {
        var strategy = NewStrategy();
        var fills = Enumerable.Range(1, 20).Select(i => Fill(strategy, "AAPL", 7, quantity: i)).ToArray();

        var results = await Task.WhenAll(fills.Select(f => Journal.Commit(JournalUnit.ForUpdates([], [f]))));

        Assert.Equal(JournalResultKind.Committed, results[0].Kind);
        Assert.All(results.Skip(1), r => Assert.Equal(JournalResultKind.SequenceTaken, r.Kind));
        var stored = Assert.Single(await Journal.FillsAfter(strategy, "AAPL", 0, 10));
        Assert.Equal(fills[0].FillId, stored.FillId);
    }

    [Fact]
    public async Task Units_of_many_concurrent_callers_all_commit_and_each_callers_units_are_journaled_in_its_order()
    {
        var strategy = NewStrategy();

        await Task.WhenAll(Enumerable.Range(1, 20).Select(caller => Task.Run(async () =>
        {
            for (var sequence = 1; sequence <= 10; sequence++)
                await CommitOk(JournalUnit.ForUpdates([], [Fill(strategy, $"S{caller}", sequence)]));
        })));

        var heads = await Journal.PositionHeads(strategy);
        Assert.Equal(20, heads.Count);
        Assert.All(heads.Values, head => Assert.Equal(10, head));
        for (var caller = 1; caller <= 20; caller++)
        {
            var fills = await Journal.FillsAfter(strategy, $"S{caller}", 0, 100);
            Assert.Equal(Enumerable.Range(1, 10).Select(i => (long)i), fills.Select(f => f.Sequence));
            Assert.Equal(fills.Select(f => f.JournalSequence).Order(), fills.Select(f => f.JournalSequence));
        }
        var all = await Journal.QueryFills(new FillQuery(strategy), new PageRequest(1, 500));
        Assert.Equal(200, all.Total);
        Assert.Equal(200, all.Items.Select(f => f.JournalSequence).Distinct().Count());
    }

    [Fact]
    public async Task Order_updates_replace_the_state_of_the_stored_order_and_nothing_else()
    {
        var strategy = NewStrategy();
        var order = Order(strategy, "c1", quantity: 10m);
        await CommitOk(JournalUnit.ForOrder(order));
        var partial = order with { Status = OrderStatus.PartiallyFilled, FilledQuantity = 4m, AverageFillPrice = 100.25m, UpdatedAtUtc = T0.AddSeconds(1) };
        await CommitOk(JournalUnit.ForUpdates([partial], [Fill(strategy, "AAPL", 1, orderId: order.OrderId, quantity: 4m)]));
        Assert.Equal(partial, await Journal.GetOrder(order.OrderId));
        Assert.Equal([partial], await Journal.WorkingOrders(strategy));

        var rejectedLate = order with
        {
            Quantity = 999m,
            CreatedAtUtc = T0.AddDays(1),
            Status = OrderStatus.Rejected,
            RejectReason = RejectReason.KillSwitchGlobal,
            RejectDetail = "halted by admin",
            FilledQuantity = 4m,
            AverageFillPrice = 100.25m,
            UpdatedAtUtc = T0.AddSeconds(2),
        };
        await CommitOk(JournalUnit.ForUpdates([rejectedLate], []));

        var stored = await Journal.GetOrder(order.OrderId);
        Assert.Equal(rejectedLate with { Quantity = 10m, CreatedAtUtc = order.CreatedAtUtc }, stored);
        Assert.Empty(await Journal.WorkingOrders(strategy));
        Assert.Equal(1, await Journal.CountOrders(strategy));
        Assert.Equal(stored, await Journal.FindOrder(strategy, "c1"));
    }

    [Fact]
    public async Task An_update_of_an_order_the_journal_does_not_hold_inserts_it()
    {
        var strategy = NewStrategy();
        var order = Order(strategy, "c1", status: OrderStatus.Filled, filled: 10m, averagePrice: 5m);

        await CommitOk(JournalUnit.ForUpdates([order], []));

        Assert.Equal(order, await Journal.GetOrder(order.OrderId));
        Assert.Equal(order, await Journal.FindOrder(strategy, "c1"));
        Assert.Equal(1, await Journal.CountOrders(strategy));
        var duplicate = await Journal.Commit(JournalUnit.ForOrder(Order(strategy, "c1")));
        Assert.Equal(JournalResultKind.DuplicateOrder, duplicate.Kind);
        Assert.Equal(order, duplicate.ExistingOrder);
    }

    [Fact]
    public async Task The_last_of_several_updates_of_one_order_committed_together_wins()
    {
        var strategy = NewStrategy();
        var order = Order(strategy, "c1", quantity: 20m);
        var updates = Enumerable.Range(1, 20)
            .Select(i => order with { Status = i == 20 ? OrderStatus.Filled : OrderStatus.PartiallyFilled, FilledQuantity = i, UpdatedAtUtc = T0.AddSeconds(i) })
            .ToArray();

        var results = await Task.WhenAll(
            new[] { Journal.Commit(JournalUnit.ForOrder(order)) }
                .Concat(updates.Select(u => Journal.Commit(JournalUnit.ForUpdates([u], [Fill(strategy, "AAPL", (long)u.FilledQuantity, orderId: order.OrderId)])))));

        Assert.All(results, r => Assert.Equal(JournalResultKind.Committed, r.Kind));
        Assert.Equal(updates[^1], await Journal.GetOrder(order.OrderId));
        Assert.Empty(await Journal.WorkingOrders(strategy));
        Assert.Equal(20, (await Journal.PositionHeads(strategy))["AAPL"]);
    }

    [Fact]
    public async Task Position_heads_and_fills_after_read_each_position_in_sequence_order()
    {
        var strategy = NewStrategy();
        foreach (var sequence in new long[] { 1, 2, 3, 4, 5 })
            await CommitOk(JournalUnit.ForUpdates([], [Fill(strategy, "AAPL", sequence), Fill(strategy, "MSFT", sequence * 10)]));
        await CommitOk(JournalUnit.ForUpdates([], [Fill(NewStrategy(), "AAPL", 99)]));

        var heads = await Journal.PositionHeads(strategy);
        var after2 = await Journal.FillsAfter(strategy, "AAPL", 2, 2);
        var afterLast = await Journal.FillsAfter(strategy, "AAPL", 5, 10);
        var msft = await Journal.FillsAfter(strategy, "MSFT", 15, 100);

        Assert.Equal(new Dictionary<string, long> { ["AAPL"] = 5, ["MSFT"] = 50 }, heads);
        Assert.Equal([3L, 4L], after2.Select(f => f.Sequence));
        Assert.All(after2, f => Assert.Equal("AAPL", f.Symbol));
        Assert.Empty(afterLast);
        Assert.Equal([20L, 30L, 40L, 50L], msft.Select(f => f.Sequence));
        Assert.Empty(await Journal.FillsAfter(strategy, "TSLA", 0, 10));
    }

    [Fact]
    public async Task Fill_history_filters_by_strategy_symbol_and_inclusive_times_newest_first_with_the_filtered_total()
    {
        var strategy = NewStrategy();
        var journaled = new List<Fill>();
        for (var i = 0; i < 12; i++)
        {
            var symbol = i % 2 == 0 ? "AAPL" : "MSFT";
            journaled.AddRange((await CommitOk(JournalUnit.ForUpdates([], [Fill(strategy, symbol, i / 2 + 1, executedAt: T0.AddMinutes(i))]))).Fills);
        }
        await CommitOk(JournalUnit.ForUpdates([], [Fill(NewStrategy(), "AAPL", 1, executedAt: T0.AddMinutes(3))]));
        var newestFirst = journaled.AsEnumerable().Reverse().ToArray();

        var all = await Journal.QueryFills(new FillQuery(strategy), new PageRequest(1, 5));
        var secondPage = await Journal.QueryFills(new FillQuery(strategy), new PageRequest(2, 5));
        var lastPage = await Journal.QueryFills(new FillQuery(strategy), new PageRequest(3, 5));
        var beyond = await Journal.QueryFills(new FillQuery(strategy), new PageRequest(4, 5));
        var aapl = await Journal.QueryFills(new FillQuery(strategy, "AAPL"), new PageRequest(1, 50));
        var window = await Journal.QueryFills(new FillQuery(strategy, null, T0.AddMinutes(3), T0.AddMinutes(6)), new PageRequest(1, 50));
        var aaplWindow = await Journal.QueryFills(new FillQuery(strategy, "AAPL", T0.AddMinutes(3), T0.AddMinutes(6)), new PageRequest(1, 50));
        var from = await Journal.QueryFills(new FillQuery(strategy, FromUtc: T0.AddMinutes(10)), new PageRequest(1, 50));
        var until = await Journal.QueryFills(new FillQuery(strategy, ToUtc: T0.AddMinutes(1)), new PageRequest(1, 50));
        var justAfter = await Journal.QueryFills(new FillQuery(strategy, FromUtc: T0.AddMinutes(11).AddTicks(1)), new PageRequest(1, 50));

        Assert.Equal(newestFirst[..5], all.Items);
        Assert.Equal((12L, 1, 5), (all.Total, all.PageNumber, all.PerPage));
        Assert.Equal(newestFirst[5..10], secondPage.Items);
        Assert.Equal(newestFirst[10..], lastPage.Items);
        Assert.Empty(beyond.Items);
        Assert.Equal(12, beyond.Total);
        Assert.Equal(newestFirst.Where(f => f.Symbol == "AAPL"), aapl.Items);
        Assert.Equal(6, aapl.Total);
        Assert.Equal([6, 5, 4, 3], window.Items.Select(f => (int)(f.ExecutedAtUtc - T0).TotalMinutes));
        Assert.Equal(4, window.Total);
        Assert.Equal([6, 4], aaplWindow.Items.Select(f => (int)(f.ExecutedAtUtc - T0).TotalMinutes));
        Assert.Equal([11, 10], from.Items.Select(f => (int)(f.ExecutedAtUtc - T0).TotalMinutes));
        Assert.Equal([1, 0], until.Items.Select(f => (int)(f.ExecutedAtUtc - T0).TotalMinutes));
        Assert.Empty(justAfter.Items);
        Assert.Equal(0, justAfter.Total);
    }

    [Fact]
    public async Task Order_history_filters_by_strategy_symbol_and_status_newest_first_with_the_filtered_total()
    {
        var strategy = NewStrategy();
        var symbol = $"SYM{Guid.NewGuid():N}"[..12];
        var orders = new List<OrderSnapshot>();
        for (var i = 0; i < 9; i++)
        {
            var order = Order(strategy, $"c{i}", symbol: i % 3 == 0 ? symbol : "AAPL", status: i % 2 == 0 ? OrderStatus.Open : OrderStatus.Rejected);
            await CommitOk(JournalUnit.ForOrder(order));
            orders.Add(order);
        }
        var elsewhere = Order(NewStrategy(), "c0", symbol: symbol);
        await CommitOk(JournalUnit.ForOrder(elsewhere));
        var newestFirst = orders.AsEnumerable().Reverse().ToArray();

        var first = await Journal.QueryOrders(new OrderQuery(strategy), new PageRequest(1, 4));
        var third = await Journal.QueryOrders(new OrderQuery(strategy), new PageRequest(3, 4));
        var rejected = await Journal.QueryOrders(new OrderQuery(strategy, Status: OrderStatus.Rejected), new PageRequest(1, 50));
        var bySymbol = await Journal.QueryOrders(new OrderQuery(Symbol: symbol), new PageRequest(1, 50));
        var openBySymbol = await Journal.QueryOrders(new OrderQuery(strategy, symbol, OrderStatus.Open), new PageRequest(1, 50));

        Assert.Equal(newestFirst[..4], first.Items);
        Assert.Equal(9, first.Total);
        Assert.Equal(newestFirst[8..], third.Items);
        Assert.Equal(newestFirst.Where(o => o.Status == OrderStatus.Rejected), rejected.Items);
        Assert.Equal(4, rejected.Total);
        Assert.Equal(new[] { elsewhere }.Concat(newestFirst.Where(o => o.Symbol == symbol)), bySymbol.Items);
        Assert.Equal(4, bySymbol.Total);
        Assert.Equal([orders[6], orders[0]], openBySymbol.Items);
        Assert.Equal(2, openBySymbol.Total);
    }

    [Fact]
    public async Task Recent_orders_are_newest_first_working_orders_oldest_first_and_the_count_includes_every_order()
    {
        var strategy = NewStrategy();
        var statuses = new[] { OrderStatus.Open, OrderStatus.Filled, OrderStatus.PartiallyFilled, OrderStatus.Rejected, OrderStatus.Open, OrderStatus.Cancelled };
        var orders = statuses.Select((s, i) => Order(strategy, $"c{i}", status: s)).ToArray();
        foreach (var order in orders) await CommitOk(JournalUnit.ForOrder(order));

        Assert.Equal([orders[5], orders[4], orders[3]], await Journal.RecentOrders(strategy, 3));
        Assert.Equal(orders.AsEnumerable().Reverse(), await Journal.RecentOrders(strategy, 100));
        Assert.Equal([orders[0], orders[2], orders[4]], await Journal.WorkingOrders(strategy));
        Assert.Equal(6, await Journal.CountOrders(strategy));
    }

    [Fact]
    public async Task Decimals_round_trip_exactly()
    {
        var strategy = NewStrategy();
        var order = Order(strategy, "c1", quantity: 0.00000001m, limitPrice: 123456789.123456789m) with
        {
            FilledQuantity = 0.0000000000000000000000000001m,
            AverageFillPrice = 79228162514264337593543950335m,
        };
        var fill = Fill(strategy, "AAPL", 1, quantity: 0.00000001m, price: 123456789.123456789m) with { Fee = -0.000000000000000001m };

        var committed = await CommitOk(JournalUnit.ForOrder(order, fill));

        var storedOrder = await Journal.GetOrder(order.OrderId);
        var storedFill = Assert.Single(await Journal.FillsAfter(strategy, "AAPL", 0, 1));
        Assert.Equal(order, storedOrder);
        Assert.Equal(committed.Fills[0], storedFill);
        Assert.Equal("0.00000001", storedFill.Quantity.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal("123456789.123456789", storedFill.Price.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(-0.000000000000000001m, storedFill.Fee);
        Assert.Equal(0.0000000000000000000000000001m, storedOrder!.FilledQuantity);
        Assert.Equal(decimal.MaxValue, storedOrder.AverageFillPrice);

        var market = Order(strategy, "c2", limitPrice: null);
        await CommitOk(JournalUnit.ForOrder(market));
        var storedMarket = await Journal.GetOrder(market.OrderId);
        Assert.Equal(OrderType.Market, storedMarket!.Type);
        Assert.Null(storedMarket.LimitPrice);
    }

    [Fact]
    public async Task Times_are_kept_as_utc_instants_to_the_microsecond()
    {
        var strategy = NewStrategy();
        var executed = new DateTimeOffset(2026, 5, 6, 9, 0, 0, TimeSpan.FromHours(2)).AddTicks(1_234_567);
        var fill = Fill(strategy, "AAPL", 1, executedAt: executed);

        var committed = (await CommitOk(JournalUnit.ForUpdates([], [fill]))).Fills[0];
        var stored = Assert.Single(await Journal.FillsAfter(strategy, "AAPL", 0, 1));

        Assert.Equal(TimeSpan.Zero, stored.ExecutedAtUtc.Offset);
        Assert.Equal(executed.AddTicks(-7), stored.ExecutedAtUtc);
        Assert.Equal(committed, stored);
    }

    [Fact]
    public async Task A_unit_that_repeats_a_fill_id_or_a_sequence_is_refused_before_anything_is_written()
    {
        var strategy = NewStrategy();
        var order = Order(strategy, "c1");

        await Assert.ThrowsAsync<ArgumentException>(() => Journal.Commit(JournalUnit.ForOrder(order,
            Fill(strategy, "AAPL", 1, fillId: $"{strategy}-x"), Fill(strategy, "AAPL", 2, fillId: $"{strategy}-x"))));
        await Assert.ThrowsAsync<ArgumentException>(() => Journal.Commit(JournalUnit.ForOrder(order,
            Fill(strategy, "AAPL", 1), Fill(strategy, "AAPL", 1))));

        Assert.Null(await Journal.GetOrder(order.OrderId));
        Assert.Empty(await Journal.PositionHeads(strategy));
    }

    [Fact]
    public async Task A_commit_cancelled_before_it_is_written_writes_nothing()
    {
        var strategy = NewStrategy();
        var order = Order(strategy, "c1");

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            Journal.Commit(JournalUnit.ForOrder(order, Fill(strategy, "AAPL", 1)), new CancellationToken(canceled: true)));

        Assert.Null(await Journal.FindOrder(strategy, "c1"));
        Assert.Empty(await Journal.PositionHeads(strategy));
    }

    [Fact]
    public async Task Reads_of_a_strategy_without_orders_or_fills_are_empty()
    {
        var strategy = NewStrategy();

        Assert.Null(await Journal.FindOrder(strategy, "c1"));
        Assert.Null(await Journal.GetOrder($"{strategy}-nothing"));
        Assert.Empty(await Journal.WorkingOrders(strategy));
        Assert.Empty(await Journal.RecentOrders(strategy, 10));
        Assert.Equal(0, await Journal.CountOrders(strategy));
        Assert.Empty(await Journal.PositionHeads(strategy));
        Assert.Empty(await Journal.FillsAfter(strategy, "AAPL", 0, 10));
        var fills = await Journal.QueryFills(new FillQuery(strategy), new PageRequest(1, 10));
        Assert.Equal((0, 0L), (fills.Items.Count, fills.Total));
        var orders = await Journal.QueryOrders(new OrderQuery(strategy), new PageRequest(1, 10));
        Assert.Equal((0, 0L), (orders.Items.Count, orders.Total));
    }

    protected async Task<JournalResult> CommitOk(JournalUnit unit)
    {
        var result = await Journal.Commit(unit);
        Assert.Equal(JournalResultKind.Committed, result.Kind);
        return result;
    }

    protected static string NewStrategy() => $"st-{Guid.NewGuid():N}";

    /// <summary>An order whose id derives from its strategy and clientOrderId.</summary>
    protected static OrderSnapshot Order(
        string strategy, string clientOrderId, string symbol = "AAPL", decimal quantity = 10m, decimal? limitPrice = 100m,
        OrderStatus status = OrderStatus.Open, decimal filled = 0m, decimal averagePrice = 0m) =>
        new(OrderId: $"{strategy}/{clientOrderId}/{quantity}",
            StrategyId: strategy,
            Symbol: symbol,
            Side: Side.Buy,
            Quantity: quantity,
            Type: limitPrice is null ? OrderType.Market : OrderType.Limit,
            LimitPrice: limitPrice,
            ClientOrderId: clientOrderId,
            Status: status,
            RejectReason: status == OrderStatus.Rejected ? RejectReason.MaxNotional : null,
            RejectDetail: status == OrderStatus.Rejected ? "notional 1000 > 500" : null,
            FilledQuantity: filled,
            AverageFillPrice: averagePrice,
            CreatedAtUtc: T0,
            UpdatedAtUtc: T0);

    protected static Fill Fill(
        string strategy, string symbol, long sequence, string? fillId = null, string? orderId = null,
        decimal quantity = 1m, decimal price = 100m, DateTimeOffset? executedAt = null) =>
        new(FillId: fillId ?? $"{strategy}-{symbol}-{sequence}-{Guid.NewGuid():N}",
            OrderId: orderId,
            StrategyId: strategy,
            Symbol: symbol,
            Side: Side.Sell,
            Quantity: quantity,
            Price: price,
            Fee: 0.01m,
            Sequence: sequence,
            ExecutedAtUtc: executedAt ?? T0,
            Source: FillSource.External);
}
