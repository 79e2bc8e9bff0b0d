using Orleans.Concurrency;
using TradingPlatform.Common;

namespace TradingPlatform.Strategies;

/// <summary>One strategy: its definition, status and live figures. Key: the strategy id.</summary>
[Alias("strategy")]
public interface IStrategyGrain : IGrainWithStringKey
{
    [Alias("create")]
    Task<StrategyOutcome> Create(StrategySpec spec);

    /// <summary>The live state, or null when no strategy has this id.</summary>
    [Alias("get"), ReadOnly]
    Task<StrategySnapshot?> Get();

    [Alias("update")]
    Task<StrategyOutcome> Update(StrategyPatch patch);
}

/// <summary>
/// The list of strategy ids in creation order, so listing never scans grain storage.
/// A single activation (key <see cref="StrategyRegistry.Key"/>).
/// </summary>
[Alias("strategy-registry")]
public interface IStrategyRegistryGrain : IGrainWithStringKey
{
    /// <summary>Adds the id once; repeating it is a no-op.</summary>
    [Alias("register")]
    Task Register(string strategyId);

    [Alias("list"), ReadOnly]
    Task<Page<string>> List(PageRequest page);
}

public static class StrategyRegistry
{
    public const string Key = "all";
}
