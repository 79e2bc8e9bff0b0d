using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using TradingPlatform.Market;
using TradingPlatform.Orders;
using TradingPlatform.Common;
using TradingPlatform.Portfolio;
using TradingPlatform.Positions;
using TradingPlatform.Storage;
using TradingPlatform.Strategies;

namespace TradingPlatform.Benchmarks;

public sealed record ProbeResult(string Name, string What, LoadResult Load);

/// <summary>One orders run, with what the silo logged and counted meanwhile (warm-up included).</summary>
public sealed record OrderRun(LoadResult Load, IReadOnlyDictionary<string, int> Warnings, IReadOnlyDictionary<string, long> Counters, TimeSpan Wall)
{
    /// <summary>Stream events the pulling agents delivered per second over the run (the PnL events of the orders, to the portfolio).</summary>
    public double DeliveredPerSecond => Counters.GetValueOrDefault(OrleansCounters.Sent) / Wall.TotalSeconds;

    /// <summary>Orders whose position grain call threw (the strategy logs it and the position catches up later).</summary>
    public long PositionUpdatesFailed => Warnings.Where(w => w.Key.EndsWith("LogPositionUnreachable", StringComparison.Ordinal)).Sum(w => (long)w.Value);

    /// <summary>Grain-state writes per order (warm-up included).</summary>
    public double StorageWritesPerOrder => Load.AllCalls == 0 ? double.NaN : (double)Counters.GetValueOrDefault(OrleansCounters.StorageWrites) / Load.AllCalls;
}

public sealed record OrdersReport(
    string Mode,
    string? Server,
    int Strategies,
    TimeSpan Setup,
    IReadOnlyList<OrderRun> Runs,
    IReadOnlyDictionary<string, long> NotFilledReasons,
    IReadOnlyList<ProbeResult> Probes,
    IReadOnlyList<string> Checks,
    IReadOnlyDictionary<string, int> Warnings);

/// <summary>
/// Sustained market orders end to end: <c>IStrategyGrain.PlaceOrder</c> decides risk, journals the
/// order with its fill and applies the fill to the position grain before it returns, so its latency is
/// order → fill journaled → position updated. N strategies with one symbol each, a tick first so there
/// is a price, C callers each placing qty-1 market orders that alternate buy/sell per strategy.
/// </summary>
public sealed class OrdersScenario(BenchSilo silo, BenchOptions options, WarningLog log) : IDisposable
{
    private const decimal Price = 100m;
    private static readonly StrategyRisk GenerousRisk = new(MaxOrderQuantity: 1_000m, MaxPositionQuantity: 1_000_000_000m, MaxNotional: 1_000_000_000_000m, MaxDailyLoss: 1_000_000_000_000m);

    private readonly int _n = options.Strategies;
    private string[] _ids = [];
    private string[] _symbols = [];
    private IStrategyGrain[] _grains = [];
    private long[] _sideCounters = [];
    private long[] _fills = [];
    private long[] _net = [];
    private long _next;
    private long _clientSeq;
    private readonly ConcurrentDictionary<string, long> _notFilled = new(StringComparer.Ordinal);
    private readonly OrleansCounters _counters = new();
    private long[] _probeSequences = [];

    public async Task<OrdersReport> Run()
    {
        var setup = Stopwatch.StartNew();
        await Setup();
        setup.Stop();
        Console.Error.WriteLine(Text.I($"[{silo.Mode}] orders: {_n} strategies ready in {setup.Elapsed.TotalSeconds:0.0} s"));
        log.Take();

        var runs = new List<OrderRun>();
        var warnings = new SortedDictionary<string, int>(StringComparer.Ordinal);
        foreach (var callers in options.Concurrency)
        {
            var before = _counters.Snapshot();
            log.Take();
            var wall = Stopwatch.StartNew();
            var result = await ClosedLoop.Run(callers, options.Warmup, options.Duration, (_, _) => PlaceOne());
            var run = new OrderRun(result, log.Take(), OrleansCounters.Delta(before, _counters.Snapshot()), wall.Elapsed);
            foreach (var (key, count) in run.Warnings) warnings[key] = warnings.GetValueOrDefault(key) + count;
            Console.Error.WriteLine("  Orleans counters: " + string.Join(", ", run.Counters.Select(kv => Text.I($"{kv.Key}={kv.Value}"))));
            runs.Add(run);
            Console.Error.WriteLine(Text.I(
                $"[{silo.Mode}] orders, {callers} callers: {result.PerSecond:0} orders/s, p50 {result.Latencies.P50:0.00} ms, p99 {result.Latencies.P99:0.00} ms, max {result.Latencies.Max:0.0} ms, not filled {result.Failed}, errors {result.Errors}; CPU {result.CpuMicrosPerCall:0} us/order, {result.CpuShare:P0} of the cores, {result.AllocatedPerCall / 1024:0.0} KiB allocated/order; {result.Gc}; position updates failed {run.PositionUpdatesFailed}, grain-state writes/order {run.StorageWritesPerOrder:0.00}, stream events delivered {run.DeliveredPerSecond:0}/s; per second: {string.Join(" ", result.PerSecondTimeline)}"));
        }
        var probes = new List<ProbeResult>();
        if (options.Components > TimeSpan.Zero) probes.AddRange(await Probes(options.Concurrency[0]));
        var checks = await Verify();
        var server = silo.Mode == "postgres" ? await silo.ServerDescription() : null;
        return new OrdersReport(silo.Mode, server, _n, setup.Elapsed, runs, new SortedDictionary<string, long>(_notFilled, StringComparer.Ordinal), probes, checks, warnings);
    }

    private async Task Setup()
    {
        _ids = Enumerable.Range(0, _n).Select(i => Text.I($"bench-o{i:D5}")).ToArray();
        _symbols = Enumerable.Range(0, _n).Select(i => Text.I($"BO{i:D5}")).ToArray();
        _grains = _ids.Select(id => silo.Grains.GetGrain<IStrategyGrain>(id)).ToArray();
        _sideCounters = new long[_n];
        _fills = new long[_n];
        _net = new long[_n];
        var now = DateTimeOffset.UtcNow;
        await Parallel.ForEachAsync(Enumerable.Range(0, _n), new ParallelOptions { MaxDegreeOfParallelism = 32 }, async (i, _) =>
        {
            // The tick first: the strategy's desk reads the market's last price when it opens.
            await silo.Grains.GetGrain<IMarketGrain>(_symbols[i]).OnTicks([new Tick(_symbols[i], Price, now)]);
            var spec = new StrategySpec(_ids[i], _ids[i], StrategyKind.Manual, [_symbols[i]], ImmutableSortedDictionary<string, decimal>.Empty, GenerousRisk);
            var created = await _grains[i].Create(spec);
            if (created.Kind != StrategyOutcomeKind.Created)
                throw new InvalidOperationException($"Creating {_ids[i]}: {created.Kind} {created.Detail} {string.Join("; ", created.Errors?.Select(e => $"{e.Key}: {string.Join(" ", e.Value)}") ?? [])}");
        });
    }

    private async Task<bool> PlaceOne()
    {
        var s = (int)(Interlocked.Increment(ref _next) % _n);
        var side = (Interlocked.Increment(ref _sideCounters[s]) & 1) == 0 ? Side.Sell : Side.Buy;
        var clientOrderId = "b" + Interlocked.Increment(ref _clientSeq).ToString(CultureInfo.InvariantCulture);
        var outcome = await _grains[s].PlaceOrder(new OrderSpec(_ids[s], _symbols[s], side, 1m, OrderType.Market, null, clientOrderId));
        if (outcome.Kind == OrderOutcomeKind.Placed && outcome.Order is { Status: OrderStatus.Filled })
        {
            Interlocked.Increment(ref _fills[s]);
            Interlocked.Add(ref _net[s], side == Side.Buy ? 1 : -1);
            return true;
        }
        var reason = outcome.Order is { } order
            ? $"{outcome.Kind}/{order.Status}/{order.RejectReason?.ToString() ?? "-"}"
            : $"{outcome.Kind}: {outcome.Detail}";
        if (_notFilled.AddOrUpdate(reason, 1, (_, n) => n + 1) == 1)
            await Console.Error.WriteLineAsync($"  order not filled: {reason} {outcome.Order?.RejectDetail}");
        return false;
    }

    /// <summary>
    /// The parts of an order in isolation, with the same number of callers: the bare grain-call ceiling,
    /// the journal alone, and the position grain alone. What the end-to-end figure is made of.
    /// </summary>
    private async Task<IReadOnlyList<ProbeResult>> Probes(int callers)
    {
        var probes = new List<ProbeResult>();
        _probeSequences = new long[callers];
        var warmup = TimeSpan.FromSeconds(Math.Min(1, options.Warmup.TotalSeconds));

        var get = await ClosedLoop.Run(callers, warmup, options.Components, async (_, _) =>
            await _grains[(int)(Interlocked.Increment(ref _next) % _n)].Get() is not null);
        probes.Add(new ProbeResult("grain call", "`IStrategyGrain.Get()` on the same strategies: one read-only grain call, no I/O (the messaging ceiling)", get));

        var journal = silo.Services.GetRequiredService<ITradingJournal>();
        var run = Guid.NewGuid().ToString("N")[..8];
        var commit = await ClosedLoop.Run(callers, warmup, options.Components, async (caller, i) =>
        {
            var (order, fill) = ProbeOrder(Text.I($"bench-j{run}-{caller}"), "BJ", i + 1);
            return (await journal.Commit(JournalUnit.ForOrder(order, fill))).Committed;
        });
        probes.Add(new ProbeResult("journal commit", silo.Mode == "postgres"
            ? "`ITradingJournal.Commit` of one order + its fill, straight to the group-commit writer (no grains)"
            : "`ITradingJournal.Commit` of one order + its fill, in memory (no grains)", commit));

        // Stream events are delivered after the call that publishes them returns: these probes make a fixed
        // number of calls, then wait until the pulling agent has delivered (or read) all of their events.
        var streams = silo.Services.GetRequiredService<IClusterClient>().GetStreamProvider(StorageNames.Streams);
        var pnl = streams.GetStream<PositionChanged>(TradingStreams.Id(TradingStreams.Pnl));
        var sample = await silo.Grains.GetGrain<IPositionGrain>(PositionKey.Of(_ids[0], _symbols[0])).Get();
        var count = (int)Math.Clamp(options.Components.TotalSeconds * 2_000, 1_000, 12_000); // stays below the memory queue's 16,384 events

        await Quiet();
        var sent = Sent();
        var delivered = await FixedCount.Run(callers, count, async (_, _) =>
        {
            await pnl.OnNextAsync(new PositionChanged(sample, null)); // the position as it is: the portfolio's sums do not move
            return true;
        }, () => Sent() >= sent + count, TimeSpan.FromSeconds(30));
        probes.Add(new ProbeResult("PnL event, delivered", Text.I($"{count:#,0} × `OnNextAsync` of a position event on the PnL stream, until the portfolio grain (its implicit subscriber) has received them all"), delivered));

        await Quiet();
        var read = Read();
        var undelivered = await FixedCount.Run(callers, count, async (caller, _) =>
        {
            await streams.GetStream<PositionChanged>(StreamId.Create("bench-probe", Text.I($"c{caller}"))).OnNextAsync(new PositionChanged(sample, null));
            return true;
        }, () => Read() >= read + count, TimeSpan.FromSeconds(30));
        probes.Add(new ProbeResult("stream event, no subscriber", Text.I($"{count:#,0} × `OnNextAsync` of the same event on streams nobody subscribes to, until the pulling agents have read them all"), undelivered));

        await Quiet();
        sent = Sent();
        var apply = await FixedCount.Run(callers, count, async (caller, i) =>
        {
            var (_, fill) = ProbeOrder(Text.I($"bench-p{run}-{caller}"), "BP", Interlocked.Increment(ref _probeSequences[caller]));
            var position = silo.Grains.GetGrain<IPositionGrain>(PositionKey.Of(fill.StrategyId, fill.Symbol));
            return (await position.Apply([fill])).Applied == 1;
        }, () => Sent() >= sent + count, TimeSpan.FromSeconds(30));
        probes.Add(new ProbeResult("position apply", Text.I($"{count:#,0} × `IPositionGrain.Apply` of one fill (one position per caller), until its PnL events are delivered"), apply));

        foreach (var probe in probes)
        {
            Console.Error.WriteLine(Text.I(
                $"[{silo.Mode}] probe {probe.Name}, {callers} callers: {probe.Load.PerSecond:0}/s, p50 {probe.Load.Latencies.P50:0.00} ms, p99 {probe.Load.Latencies.P99:0.00} ms, failed {probe.Load.Failed}, errors {probe.Load.Errors}; CPU {probe.Load.CpuMicrosPerCall:0} us/call, {probe.Load.CpuShare:P0} of the cores, {probe.Load.AllocatedPerCall / 1024:0.0} KiB allocated/call; {probe.Load.Gc}; per second: {string.Join(" ", probe.Load.PerSecondTimeline)}"));
        }
        return probes;
    }

    public void Dispose() => _counters.Dispose();

    private long Sent() => _counters.Snapshot().GetValueOrDefault(OrleansCounters.Sent);

    private long Read() => _counters.Snapshot().GetValueOrDefault(OrleansCounters.Read);

    /// <summary>Waits until the stream agents have delivered what earlier runs left queued (nothing delivered for half a second).</summary>
    private async Task Quiet()
    {
        var last = -1L;
        for (var i = 0; i < 120 && Sent() != last; i++)
        {
            last = Sent();
            await Task.Delay(500);
        }
    }

    private static (OrderSnapshot Order, Fill Fill) ProbeOrder(string strategyId, string symbol, long sequence)
    {
        var now = DateTimeOffset.UtcNow;
        var orderId = $"{strategyId}.{Guid.CreateVersion7():N}";
        var side = sequence % 2 == 1 ? Side.Buy : Side.Sell;
        var order = new OrderSnapshot(orderId, strategyId, symbol, side, 1m, OrderType.Market, null, orderId,
            OrderStatus.Filled, null, null, 1m, Price, now, now);
        var fill = new Fill(Text.I($"{orderId}.f{sequence}"), orderId, strategyId, symbol, side, 1m, Price, 0m, sequence, now, FillSource.Paper);
        return (order, fill);
    }

    /// <summary>Every fill an order reported is in its position (and in Postgres, in the journal).</summary>
    private async Task<IReadOnlyList<string>> Verify()
    {
        var checks = new List<string>();
        var mismatches = new ConcurrentBag<string>();
        await Parallel.ForEachAsync(Enumerable.Range(0, _n), new ParallelOptions { MaxDegreeOfParallelism = 32 }, async (i, _) =>
        {
            var position = await silo.Grains.GetGrain<IPositionGrain>(PositionKey.Of(_ids[i], _symbols[i])).Get();
            var strategy = await _grains[i].Get();
            if (position.Fills != _fills[i] || position.Quantity != _net[i] || strategy?.Fills != _fills[i])
                mismatches.Add(Text.I($"{_ids[i]}: position fills {position.Fills} qty {position.Quantity}, strategy fills {strategy?.Fills}; orders reported {_fills[i]} fills, net {_net[i]}"));
        });
        var total = _fills.Sum();
        checks.Add(mismatches.IsEmpty
            ? Text.I($"{_n}/{_n} positions hold exactly the fills the orders reported ({total:#,0} fills in all, warm-ups included), quantities match")
            : Text.I($"{mismatches.Count}/{_n} positions DIFFER from the fills the orders reported, e.g. {mismatches.First()}"));
        if (silo.Mode == "postgres")
        {
            var journaled = await silo.Scalar("SELECT count(*) FROM trading_fills WHERE strategy_id LIKE 'bench-o%'");
            checks.Add(journaled == total
                ? Text.I($"the Postgres journal holds the same {journaled:#,0} fills")
                : Text.I($"the Postgres journal holds {journaled:#,0} fills, the orders reported {total:#,0}: MISMATCH"));
        }
        foreach (var check in checks) Console.Error.WriteLine($"[{silo.Mode}] check: {check}");
        return checks;
    }
}
