using Microsoft.Extensions.Options;
using TradingPlatform.Orders;

namespace TradingPlatform.Execution;

/// <summary>
/// Paper execution. A market order fills whole at the last price moved against the order by
/// <see cref="ExecutionOptions.SlippageBps"/>. A limit order that is marketable on arrival fills at that
/// price capped by its limit; otherwise it rests and fills whole at its limit price when a tick
/// reaches it (buy: tick &lt;= limit; sell: tick &gt;= limit). Every fill pays
/// <see cref="ExecutionOptions.FeeBps"/> of its notional. Prices and fees come from <see cref="FillPricing"/>,
/// the same code the backtest engine fills with.
/// </summary>
public sealed class PaperVenue(IOptionsMonitor<ExecutionOptions> options) : IExecutionVenue
{
    public ValueTask<IReadOnlyList<VenueFill>> Submit(OrderSnapshot order, decimal lastPrice, DateTimeOffset nowUtc)
    {
        var settings = options.CurrentValue;
        if (order.Type == OrderType.Market)
        {
            // The very function the backtest engine fills its market orders with.
            var (price, fee) = FillPricing.Market(order.Side, order.Quantity, lastPrice, settings.SlippageBps, settings.FeeBps);
            return ValueTask.FromResult<IReadOnlyList<VenueFill>>([new VenueFill(order.OrderId, order.Quantity, price, fee)]);
        }

        var slipped = FillPricing.Slipped(order.Side, lastPrice, settings.SlippageBps);
        var limit = order.LimitPrice!.Value;
        var marketable = order.Side == Side.Buy ? lastPrice <= limit : lastPrice >= limit;
        if (!marketable) return ValueTask.FromResult<IReadOnlyList<VenueFill>>([]);
        var capped = order.Side == Side.Buy ? Math.Min(slipped, limit) : Math.Max(slipped, limit);
        return ValueTask.FromResult<IReadOnlyList<VenueFill>>([Fill(order, order.Quantity, capped, settings)]);
    }

    public IReadOnlyList<VenueFill> OnTick(IEnumerable<OrderSnapshot> working, decimal price, DateTimeOffset timeUtc)
    {
        List<VenueFill>? fills = null;
        var settings = options.CurrentValue;
        foreach (var order in working)
        {
            if (order.Type != OrderType.Limit || order.LimitPrice is not { } limit) continue;
            var crossed = order.Side == Side.Buy ? price <= limit : price >= limit;
            if (crossed) (fills ??= []).Add(Fill(order, order.RemainingQuantity, limit, settings));
        }
        return fills ?? (IReadOnlyList<VenueFill>)[];
    }

    public ValueTask Cancel(OrderSnapshot order) => ValueTask.CompletedTask;

    private static VenueFill Fill(OrderSnapshot order, decimal quantity, decimal price, ExecutionOptions settings)
    {
        price = FillPricing.RoundPrice(price);
        var fee = FillPricing.Fee(quantity, price, settings.FeeBps);
        return new VenueFill(order.OrderId, quantity, price, fee);
    }
}
