using TradingPlatform.Common;
using TradingPlatform.Storage;
using TradingPlatform.Strategies;

namespace TradingPlatform.Market;

[GenerateSerializer, Alias("market-state.v1")]
public sealed class MarketState
{
    [Id(0)] public decimal? Price { get; set; }
    [Id(1)] public DateTimeOffset? TimeUtc { get; set; }
    [Id(2)] public long Ticks { get; set; }
    [Id(3)] public HashSet<string> Watchers { get; set; } = [];
}

/// <summary>
/// One symbol's last price and the strategies that trade it. Each tick is handed to every watching
/// strategy (which marks its position, fills resting orders and runs its signal) before the next tick,
/// so a batch plays out in time order. The price is written to storage at most every few seconds.
/// </summary>
[GrainType("market")]
public sealed class MarketGrain(
    [PersistentState("market", StorageNames.Trading)] IPersistentState<MarketState> state) : Grain, IMarketGrain
{
    private bool _dirty;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        this.RegisterGrainTimer(FlushIfDirty, new GrainTimerCreationOptions(TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(5)) { Interleave = false });
        return Task.CompletedTask;
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        if (_dirty) await state.WriteStateAsync(cancellationToken);
    }

    public Task<MarketSnapshot> Get() =>
        Task.FromResult(new MarketSnapshot(this.GetPrimaryKeyString(), state.State.Price, state.State.TimeUtc, state.State.Ticks));

    public async Task<TickResult> OnTicks(IReadOnlyList<Tick> ticks)
    {
        int accepted = 0, stale = 0;
        var watchers = state.State.Watchers.Order(StringComparer.Ordinal).Select(id => GrainFactory.GetGrain<IStrategyGrain>(id)).ToArray();
        foreach (var tick in ticks)
        {
            if (state.State.TimeUtc is { } last && tick.TimeUtc < last)
            {
                stale++;
                continue;
            }
            state.State.Price = tick.Price;
            state.State.TimeUtc = tick.TimeUtc;
            state.State.Ticks++;
            _dirty = true;
            accepted++;
            if (watchers.Length == 1) await watchers[0].OnTick(tick);
            else if (watchers.Length > 1) await Task.WhenAll(watchers.Select(w => w.OnTick(tick)));
        }
        TradingMetrics.TicksAccepted(accepted);
        return new TickResult(this.GetPrimaryKeyString(), accepted, stale);
    }

    public async Task Watch(string strategyId)
    {
        if (!state.State.Watchers.Add(strategyId)) return;
        try
        {
            await state.WriteStateAsync();
            _dirty = false;
        }
        catch
        {
            state.State.Watchers.Remove(strategyId);
            DeactivateOnIdle();
            throw;
        }
    }

    private async Task FlushIfDirty(CancellationToken cancellationToken)
    {
        if (!_dirty) return;
        _dirty = false;
        try
        {
            await state.WriteStateAsync(cancellationToken);
        }
        catch
        {
            _dirty = true;
            throw;
        }
    }
}
