using Orleans.Concurrency;

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
