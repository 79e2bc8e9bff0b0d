using TradingPlatform.Orders;

namespace TradingPlatform.Execution;

/// <summary>A fill a venue reports for one order (the strategy journals it with the next position sequence).</summary>
public readonly record struct VenueFill(string OrderId, decimal Quantity, decimal Price, decimal Fee);

/// <summary>
/// Where accepted orders go. The built-in <see cref="PaperVenue"/> simulates fills from ticks; a real
/// venue adapter sends orders out and reports fills later through <c>POST /v1/fills</c>, returning no
/// fills here. Calls come from the strategy grain's turn: implementations must not block.
/// </summary>
public interface IExecutionVenue
{
    /// <summary>A newly accepted order. Fills returned here are immediate; an order without fills rests (open).</summary>
    ValueTask<IReadOnlyList<VenueFill>> Submit(OrderSnapshot order, decimal lastPrice, DateTimeOffset nowUtc);

    /// <summary>A tick of the order's symbol: which working orders it fills.</summary>
    IReadOnlyList<VenueFill> OnTick(IEnumerable<OrderSnapshot> working, decimal price, DateTimeOffset timeUtc);

    /// <summary>The strategy cancelled a working order.</summary>
    ValueTask Cancel(OrderSnapshot order);
}
