using System.Collections.Immutable;
using System.Diagnostics;
using TradingPlatform.Orders;
using TradingPlatform.Risk;
using TradingPlatform.Strategies;

namespace TradingPlatform.Benchmarks;

public sealed record KillSwitchReport(
    string Mode,
    int Strategies,
    TimeSpan Setup,
    Latencies Engage,
    double EngageMeanMs,
    double PersistAndPushMeanMs,
    Latencies FanOut,
    double FanOutCpuMicrosPerStrategy,
    Latencies StrategyScope,
    IReadOnlyList<string> Checks,
    IReadOnlyDictionary<string, int> Warnings);

/// <summary>
/// Kill-switch engage latency with many live strategies: <c>Engage</c> persists the change, pushes it to
/// every attached strategy activation and returns once each holds it. Alternating global halted/active.
/// </summary>
public sealed class KillSwitchScenario(BenchSilo silo, BenchOptions options, WarningLog log)
{
    private const int Warmups = 4;
    private static readonly StrategyRisk Risk = new(10m, 1_000m, 1_000_000m, 1_000_000m);

    public async Task<KillSwitchReport> Run()
    {
        var n = options.KillSwitchStrategies;
        var ids = Enumerable.Range(0, n).Select(i => Text.I($"bench-k{i:D5}")).ToArray();
        var grains = ids.Select(id => silo.Grains.GetGrain<IStrategyGrain>(id)).ToArray();
        var killSwitch = silo.Grains.KillSwitchGrain();

        var setup = Stopwatch.StartNew();
        await Parallel.ForEachAsync(Enumerable.Range(0, n), new ParallelOptions { MaxDegreeOfParallelism = 32 }, async (i, _) =>
        {
            var symbol = Text.I($"BK{i:D5}");
            var created = await grains[i].Create(new StrategySpec(ids[i], ids[i], StrategyKind.Manual, [symbol], ImmutableSortedDictionary<string, decimal>.Empty, Risk));
            if (created.Kind != StrategyOutcomeKind.Created) throw new InvalidOperationException($"Creating {ids[i]}: {created.Kind} {created.Detail}");
        });
        // Every activation live (and attached to the kill switch) before the first engage.
        await Parallel.ForEachAsync(grains, new ParallelOptions { MaxDegreeOfParallelism = 64 }, async (g, _) => await g.Get());
        setup.Stop();
        Console.Error.WriteLine(Text.I($"[{silo.Mode}] killswitch: {n} strategies created and live in {setup.Elapsed.TotalSeconds:0.0} s"));
        log.Take();

        var checks = new List<string>();
        for (var w = 0; w < Warmups; w++) await Engage(killSwitch, null, w % 2 == 0 ? KillSwitchState.Halted : KillSwitchState.Active);

        var engage = new List<long>(options.Engages);
        var wrongOutcomes = 0;
        var (sumBefore, countBefore) = await EngageHistogram.Read("global");
        for (var r = 0; r < options.Engages; r++)
        {
            var state = r % 2 == 0 ? KillSwitchState.Halted : KillSwitchState.Active;
            var started = Stopwatch.GetTimestamp();
            var ok = await Engage(killSwitch, null, state);
            engage.Add(Stopwatch.GetTimestamp() - started);
            if (!ok) wrongOutcomes++;

            // Once Engage has returned, every strategy holds it: an order anywhere sees the new state.
            var probe = grains[r * 7919 % n];
            var order = await probe.PlaceOrder(new OrderSpec(ids[r * 7919 % n], Text.I($"BK{r * 7919 % n:D5}"), Side.Buy, 1m, OrderType.Market, null, Text.I($"ks-probe-{r}")));
            var expected = state == KillSwitchState.Halted ? RejectReason.KillSwitchGlobal : RejectReason.NoMarketPrice;
            if (order.Order?.RejectReason != expected)
                checks.Add(Text.I($"after engage {r} ({state}) an order on {ids[r * 7919 % n]} got {order.Kind}/{order.Order?.Status}/{order.Order?.RejectReason}, expected rejection {expected}"));
        }
        var (sumAfter, countAfter) = await EngageHistogram.Read("global");
        var inGrainMs = countAfter > countBefore ? (sumAfter - sumBefore) * 1000 / (countAfter - countBefore) : double.NaN;
        if (options.Engages % 2 == 1) await Engage(killSwitch, null, KillSwitchState.Active); // leave it active
        var engageLatencies = new Latencies([engage]);
        var meanMs = engage.Average(t => Latencies.Ms(t));
        Console.Error.WriteLine(Text.I(
            $"[{silo.Mode}] killswitch engage x{options.Engages}, {n} strategies: p50 {engageLatencies.P50:0.00} ms, p99 {engageLatencies.P99:0.00} ms, max {engageLatencies.Max:0.00} ms; mean {meanMs:0.00} ms, of which persist + push {inGrainMs:0.00} ms (the grain's histogram)"));

        // Breakdown 1: the fan-out alone, 1000 ApplyControls calls from the client with the state in force (a no-op for each).
        var current = await killSwitch.Get();
        var controls = new RiskControls(current.Global.State, KillSwitchState.Active, current.Version);
        var fanOut = new List<long>(options.Engages);
        using var process = Process.GetCurrentProcess();
        process.Refresh();
        var cpuFrom = process.TotalProcessorTime;
        for (var r = 0; r < options.Engages; r++)
        {
            var started = Stopwatch.GetTimestamp();
            await Task.WhenAll(grains.Select(g => g.ApplyControls(controls, false, false)));
            fanOut.Add(Stopwatch.GetTimestamp() - started);
        }
        process.Refresh();
        var fanOutCpuMicrosPerStrategy = (process.TotalProcessorTime - cpuFrom).TotalMicroseconds / ((double)options.Engages * n);
        Console.Error.WriteLine(Text.I($"[{silo.Mode}] killswitch fan-out alone: p50 {new Latencies([fanOut]).P50:0.00} ms, CPU {fanOutCpuMicrosPerStrategy:0.0} us per strategy reached"));

        // Breakdown 2: everything but the fan-out, a strategy-scope engage (persist, push to one strategy, audit, alert, stream).
        var scoped = new List<long>(options.Engages);
        for (var r = 0; r < options.Engages + 2; r++)
        {
            var started = Stopwatch.GetTimestamp();
            await Engage(killSwitch, ids[0], r % 2 == 0 ? KillSwitchState.Halted : KillSwitchState.Active);
            if (r >= 2) scoped.Add(Stopwatch.GetTimestamp() - started);
        }
        if ((options.Engages + 2) % 2 == 1) await Engage(killSwitch, ids[0], KillSwitchState.Active);

        checks.Insert(0, wrongOutcomes == 0
            ? Text.I($"every engage answered Ok, and an order placed right after each one saw the new state ({options.Engages}/{options.Engages})")
            : Text.I($"{wrongOutcomes} engage(s) did not answer Ok"));
        foreach (var check in checks) Console.Error.WriteLine($"[{silo.Mode}] check: {check}");
        return new KillSwitchReport(silo.Mode, n, setup.Elapsed, engageLatencies, meanMs, inGrainMs, new Latencies([fanOut]), fanOutCpuMicrosPerStrategy, new Latencies([scoped]), checks, log.Take());
    }

    private static async Task<bool> Engage(IKillSwitchGrain killSwitch, string? strategyId, KillSwitchState state)
    {
        var outcome = await killSwitch.Engage(new KillSwitchCommand(strategyId, state, "bench", false, false, "bench"));
        return outcome.Kind == KillSwitchOutcomeKind.Ok;
    }
}
