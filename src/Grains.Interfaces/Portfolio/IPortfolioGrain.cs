using Orleans.Concurrency;
using TradingPlatform.Common;
using TradingPlatform.Positions;

namespace TradingPlatform.Portfolio;

/// <summary>
/// The portfolio read model (one activation, key <see cref="Key"/>), kept current by the PnL and
/// strategy streams; dashboards read it without touching the database or fanning out.
/// </summary>
[Alias("portfolio")]
public interface IPortfolioGrain : IGrainWithStringKey
{
    public const string Key = "all";

    [Alias("summary"), ReadOnly]
    Task<PortfolioSummary> Summary();

    /// <summary>Latest position snapshots, filtered, in (strategy, symbol) order.</summary>
    [Alias("positions"), ReadOnly]
    Task<Page<PositionSnapshot>> Positions(string? strategyId, string? symbol, PageRequest page);
}
