using Orleans.Concurrency;

namespace TradingPlatform.Risk;

/// <summary>
/// The cluster's kill switch (one activation, key <see cref="KillSwitch.Key"/>): global and per-strategy
/// states, persisted before a change returns. Every live strategy activation attaches to it and is told
/// each change before <see cref="Engage"/> returns, so no order that breaks the new state is accepted
/// anywhere once it has returned.
/// </summary>
[Alias("kill-switch")]
public interface IKillSwitchGrain : IGrainWithStringKey
{
    [Alias("get"), ReadOnly, AlwaysInterleave]
    Task<KillSwitchSnapshot> Get();

    [Alias("engage")]
    Task<KillSwitchOutcome> Engage(KillSwitchCommand command);

    /// <summary>
    /// A strategy activation announces itself and learns the current controls. Interleaves with
    /// <see cref="Engage"/> (which may be waiting on that very activation); it sees the newest persisted state.
    /// </summary>
    [Alias("attach"), AlwaysInterleave]
    Task<RiskControls> Attach(string strategyId, Guid activationId);

    /// <summary>Forgets the activation, unless a newer one of the same strategy has attached since (messages may cross).</summary>
    [Alias("detach"), AlwaysInterleave, OneWay]
    Task Detach(string strategyId, Guid activationId);

    /// <summary>A strategy halted itself (daily loss); record it, alert and audit. One-way: the strategy has already halted.</summary>
    [Alias("strategy-tripped"), OneWay]
    Task StrategyTripped(string strategyId, string reason);
}

public static class KillSwitch
{
    public const string Key = "global";

    public static IKillSwitchGrain KillSwitchGrain(this IGrainFactory grains) => grains.GetGrain<IKillSwitchGrain>(Key);
}
