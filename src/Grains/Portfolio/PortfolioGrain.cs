using System.Collections.Immutable;
using System.Globalization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Streams;
using Orleans.Streams.Core;
using TradingPlatform.Common;
using TradingPlatform.Positions;
using TradingPlatform.Risk;
using TradingPlatform.Strategies;

namespace TradingPlatform.Portfolio;

/// <summary>
/// The portfolio read model behind <c>GET /v1/metrics/summary</c> and <c>GET /v1/positions</c>. It
/// activates by reading every position and strategy once, then stays current from the PnL and
/// strategy streams (implicit subscriptions), so a dashboard poll is a memory read. Beyond
/// <see cref="RiskOptions.MaxPortfolioDailyLoss"/> it halts everything through the kill switch.
/// </summary>
[GrainType("portfolio")]
[ImplicitStreamSubscription(TradingStreams.Pnl)]
[ImplicitStreamSubscription(TradingStreams.Strategies)]
public sealed partial class PortfolioGrain(
    IOptionsMonitor<RiskOptions> riskOptions,
    TimeProvider clock,
    ILogger<PortfolioGrain> logger) : Grain, IPortfolioGrain, IStreamSubscriptionObserver
{
    private readonly SortedDictionary<string, PositionSnapshot> _positions = new(StringComparer.Ordinal);
    private readonly Dictionary<string, StrategyStatus> _strategies = new(StringComparer.Ordinal);
    private readonly RollingActivity _activity = new();
    private decimal _realized, _unrealized, _gross, _net;
    private int _open;
    private DateOnly? _trippedOn;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        foreach (var position in await LoadAll<PositionSnapshot>(Registries.Positions, key => GrainFactory.GetGrain<IPositionGrain>(key).Get()))
            Upsert(position);
        decimal strategyDaily = 0m;
        foreach (var strategy in await LoadAll(Registries.Strategies, id => GrainFactory.GetGrain<IStrategyGrain>(id).Get()))
        {
            if (strategy is null) continue;
            _strategies[strategy.Id] = strategy.Status;
            strategyDaily += strategy.Pnl.Daily;
        }
        _activity.Start(clock.GetUtcNow(), Total - strategyDaily);
    }

    public async Task OnSubscribed(IStreamSubscriptionHandleFactory handleFactory)
    {
        switch (handleFactory.StreamId.GetNamespace())
        {
            case TradingStreams.Pnl:
                await handleFactory.Create<PositionChanged>().ResumeAsync((change, _) => OnPositionChanged(change));
                break;
            case TradingStreams.Strategies:
                await handleFactory.Create<StrategySnapshot>().ResumeAsync((strategy, _) =>
                {
                    _strategies[strategy.Id] = strategy.Status;
                    return Task.CompletedTask;
                });
                break;
        }
    }

    public async Task<PortfolioSummary> Summary()
    {
        var now = clock.GetUtcNow();
        var total = Total;
        var killSwitch = await GrainFactory.KillSwitchGrain().Get();
        var session = _activity.Session(now, total);
        var windows = ImmutableSortedDictionary.CreateRange(StringComparer.Ordinal, new Dictionary<string, WindowStats>
        {
            ["1m"] = _activity.Window(RollingActivity.OneMinute, now, total),
            ["5m"] = _activity.Window(RollingActivity.FiveMinutes, now, total),
            ["session"] = session,
        });
        var counts = new StrategyCounts(
            _strategies.Values.Count(s => s == StrategyStatus.Running),
            _strategies.Values.Count(s => s == StrategyStatus.Stopped),
            _strategies.Values.Count(s => s == StrategyStatus.Halted));
        return new PortfolioSummary(riskOptions.CurrentValue.StartingEquity + total,
            new PnlSummary(_realized, _unrealized, total, session.PnlChange),
            new Exposure(_gross, _net), _open, counts, killSwitch.Global, windows, now);
    }

    public Task<Page<PositionSnapshot>> Positions(string? strategyId, string? symbol, PageRequest page)
    {
        var matching = _positions.Values.Where(p => (strategyId is null || p.StrategyId == strategyId) && (symbol is null || p.Symbol == symbol)).ToList();
        var items = matching.Skip((int)Math.Min(page.Skip, int.MaxValue)).Take(page.PerPage).ToArray();
        return Task.FromResult(new Page<PositionSnapshot>(items, page.Page, page.PerPage, matching.Count));
    }

    private decimal Total => _realized + _unrealized;

    private async Task OnPositionChanged(PositionChanged change)
    {
        var held = _positions.GetValueOrDefault(PositionKey.Of(change.Position.StrategyId, change.Position.Symbol))?.Sequence ?? 0;
        if (!Upsert(change.Position)) return;
        var now = clock.GetUtcNow();
        // A fill counts in the windows once: replays after a restart carry sequences already held.
        if (change.Fill is { } fill && fill.Sequence > held) _activity.Fill(now, fill.Quantity * fill.Price, Total);
        else _activity.Sample(now, Total);
        await CheckDailyLoss(now);
    }

    /// <summary>Replaces a position's contribution to the sums; false when the update is older than what is held.</summary>
    private bool Upsert(PositionSnapshot position)
    {
        var key = PositionKey.Of(position.StrategyId, position.Symbol);
        if (_positions.TryGetValue(key, out var old))
        {
            if (position.Sequence < old.Sequence) return false;
            Contribute(old, -1);
        }
        _positions[key] = position;
        Contribute(position, +1);
        return true;
    }

    private void Contribute(PositionSnapshot position, int sign)
    {
        var notional = position.Quantity * (position.LastPrice ?? position.AveragePrice);
        _realized += sign * position.RealizedPnl;
        _unrealized += sign * position.UnrealizedPnl;
        _gross += sign * Math.Abs(notional);
        _net += sign * notional;
        if (position.Quantity != 0m) _open += sign;
    }

    private async Task CheckDailyLoss(DateTimeOffset now)
    {
        var limit = riskOptions.CurrentValue.MaxPortfolioDailyLoss;
        if (limit <= 0m) return;
        var daily = _activity.Session(now, Total).PnlChange;
        var today = DateOnly.FromDateTime(now.UtcDateTime);
        if (daily >= -limit || _trippedOn == today) return;

        _trippedOn = today;
        var reason = string.Create(CultureInfo.InvariantCulture, $"portfolio daily loss {-daily} exceeded Risk:MaxPortfolioDailyLoss {limit}");
        LogTrip(logger, reason);
        await GrainFactory.KillSwitchGrain().Engage(new KillSwitchCommand(null, KillSwitchState.Halted, reason, true, false, KillSwitchActors.PortfolioTrip));
    }

    private async Task<IReadOnlyList<T>> LoadAll<T>(string registry, Func<string, Task<T>> load)
    {
        var ids = await GrainFactory.Registry(registry).ListAll();
        return await Task.WhenAll(ids.Select(load));
    }

    [LoggerMessage(Level = LogLevel.Critical, Message = "Portfolio auto-trip: {Reason}; halting everything")]
    private static partial void LogTrip(ILogger logger, string reason);
}
