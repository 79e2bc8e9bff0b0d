using TradingPlatform.Market;
using TradingPlatform.Orders;
using TradingPlatform.Positions;
using TradingPlatform.Risk;

namespace TradingPlatform.Strategies;

public sealed partial class StrategyGrain
{
    public Task<OrderOutcome> PlaceOrder(OrderSpec spec) => throw new NotSupportedException();
    public Task<OrderOutcome> CancelOrder(string orderId) => throw new NotSupportedException();
    public Task<FillOutcome> RecordFill(ExternalFillSpec spec) => throw new NotSupportedException();
    public Task OnTick(Tick tick) => throw new NotSupportedException();
    public Task<ControlsApplied> ApplyControls(RiskControls controls, bool cancelOpenOrders, bool flatten) => throw new NotSupportedException();
}
