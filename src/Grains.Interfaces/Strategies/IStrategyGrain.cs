using Orleans.Concurrency;
using TradingPlatform.Market;
using TradingPlatform.Orders;
using TradingPlatform.Positions;
using TradingPlatform.Risk;

namespace TradingPlatform.Strategies;

/// <summary>
/// One strategy (key: the strategy id): its definition and status, and the live trading desk behind
/// it. Every order of the strategy is decided here, one at a time, against pre-trade risk and the
/// kill switch; every fill of its positions is journaled from here with the next position sequence.
/// </summary>
[Alias("strategy")]
public interface IStrategyGrain : IGrainWithStringKey
{
    [Alias("create")]
    Task<StrategyOutcome> Create(StrategySpec spec);

    /// <summary>The live state, or null when no strategy has this id.</summary>
    [Alias("get"), ReadOnly]
    Task<StrategySnapshot?> Get();

    /// <summary>Why the strategy is (not) trading: signal inputs, indicators, last decisions, recent risk rejections; null when no strategy has this id.</summary>
    [Alias("diagnostics"), ReadOnly]
    Task<StrategyDiagnostics?> Diagnostics();

    [Alias("update")]
    Task<StrategyOutcome> Update(StrategyPatch patch);

    /// <summary>Risk checks, then the venue. Idempotent per clientOrderId: a repeat gets the first answer.</summary>
    [Alias("place-order")]
    Task<OrderOutcome> PlaceOrder(OrderSpec spec);

    [Alias("cancel-order")]
    Task<OrderOutcome> CancelOrder(string orderId);

    /// <summary>A fill from an external venue; idempotent per fillId.</summary>
    [Alias("record-fill")]
    Task<FillOutcome> RecordFill(ExternalFillSpec spec);

    /// <summary>A market tick of one of this strategy's symbols: marks, resting orders, signals.</summary>
    [Alias("on-tick")]
    Task OnTick(Tick tick);

    /// <summary>The kill switch changed. Returns after the new controls hold for every later order.</summary>
    [Alias("apply-controls")]
    Task<ControlsApplied> ApplyControls(RiskControls controls, bool cancelOpenOrders, bool flatten);
}
