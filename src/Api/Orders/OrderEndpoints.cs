using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using TradingPlatform.Api.Identity;
using TradingPlatform.Api.Infrastructure;
using TradingPlatform.Common;
using TradingPlatform.Orders;
using TradingPlatform.Strategies;

namespace TradingPlatform.Api.Orders;

/// <summary>Body of <c>POST /v1/orders</c>.</summary>
public sealed record PlaceOrderRequest(
    string? StrategyId,
    string? Symbol,
    string? Side,
    decimal? Quantity,
    string? Type,
    decimal? LimitPrice,
    string? ClientOrderId);

/// <summary>
/// <c>/v1/orders</c>: place (through pre-trade risk), list, read and cancel. Orders are decided by
/// their strategy's grain; a refused order is still recorded (201, status <c>rejected</c>, a reason).
/// </summary>
public static class OrderEndpoints
{
    public static RouteGroupBuilder MapOrderEndpoints(this RouteGroupBuilder v1)
    {
        var group = v1.MapGroup("/orders").WithTags("Orders");
        group.MapPost("/", Place).WithName("PlaceOrder").RequireAuthorization(Policies.Trader)
            .WithSummary("Place a market or limit order; idempotent per (strategyId, clientOrderId)")
            .WithDescription("201 with the order. Pre-trade risk refusals are orders too: status 'rejected' and a rejectReason (kill_switch_global, kill_switch_strategy, strategy_halted, order_rate, max_order_quantity, max_position, no_market_price, max_notional, price_collar). Repeating a clientOrderId returns the first answer with Idempotent-Replayed: true.")
            .ProducesProblem(StatusCodes.Status404NotFound);
        group.MapGet("/", List).WithName("ListOrders").WithSummary("Orders newest first; filters strategyId, symbol, status");
        group.MapGet("/{orderId}", Get).WithName("GetOrder").ProducesProblem(StatusCodes.Status404NotFound);
        group.MapDelete("/{orderId}", Cancel).WithName("CancelOrder").RequireAuthorization(Policies.Trader)
            .WithSummary("Cancel an open order").ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);
        return group;
    }

    private static async Task<Results<Created<OrderSnapshot>, ValidationProblem, ProblemHttpResult>> Place(
        PlaceOrderRequest request, IGrainFactory grains, HttpContext http)
    {
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        if (!StrategyRules.IsValidId(request.StrategyId)) Wire.Add(errors, "strategyId", "Required: an existing strategy's id.");
        if (string.IsNullOrWhiteSpace(request.Symbol)) Wire.Add(errors, "symbol", "Required.");
        var side = Wire.ParseSide(request.Side, "side", errors);
        var type = Wire.ParseOrderType(request.Type, "type", errors);
        if (request.Quantity is null) Wire.Add(errors, "quantity", "Required.");
        if (!OrderRules.IsValidClientId(request.ClientOrderId)) Wire.Add(errors, "clientOrderId", "Required: 1-64 characters, letters, digits, '.', '_', ':' or '-'.");
        if (errors.Count > 0) return TypedResults.ValidationProblem(errors, title: "The order is not valid");

        var spec = new OrderSpec(request.StrategyId!, StrategyRules.NormalizeSymbol(request.Symbol!), side!.Value, request.Quantity!.Value, type!.Value,
            request.LimitPrice, request.ClientOrderId!);
        var outcome = await grains.GetGrain<IStrategyGrain>(spec.StrategyId).PlaceOrder(spec);
        switch (outcome.Kind)
        {
            case OrderOutcomeKind.Placed:
            case OrderOutcomeKind.Duplicate:
                if (outcome.Kind == OrderOutcomeKind.Duplicate) http.Response.Headers["Idempotent-Replayed"] = "true";
                return TypedResults.Created($"/v1/orders/{Uri.EscapeDataString(outcome.Order!.OrderId)}", outcome.Order);
            case OrderOutcomeKind.Invalid:
                return TypedResults.ValidationProblem(outcome.Errors!, title: "The order is not valid");
            default:
                return Problems.From(outcome.Kind, outcome.Detail);
        }
    }

    private static async Task<Results<Ok<Page<OrderSnapshot>>, ValidationProblem>> List(
        string? strategyId, string? symbol, string? status, int? page, [FromQuery(Name = "per_page")] int? perPage, IGrainFactory grains)
    {
        Paging.TryCreate(page, perPage, out var request, out var errors);
        var parsedStatus = status is null ? null : Wire.ParseOrderStatus(status, "status", errors);
        if (errors.Count > 0) return TypedResults.ValidationProblem(errors);
        var query = new OrderQuery(strategyId, symbol is null ? null : StrategyRules.NormalizeSymbol(symbol), parsedStatus);
        return TypedResults.Ok(await grains.JournalReader().Orders(query, request));
    }

    private static async Task<Results<Ok<OrderSnapshot>, ProblemHttpResult>> Get(string orderId, IGrainFactory grains)
    {
        var order = await grains.JournalReader().Order(orderId);
        return order is null ? OrderNotFound(orderId) : TypedResults.Ok(order);
    }

    private static async Task<Results<Ok<OrderSnapshot>, ProblemHttpResult>> Cancel(string orderId, IGrainFactory grains)
    {
        // Order ids are "{strategyId}.{unique}": the strategy grain that owns the order is named in it.
        var dot = orderId.LastIndexOf('.');
        if (dot <= 0 || !StrategyRules.IsValidId(orderId[..dot])) return OrderNotFound(orderId);
        var outcome = await grains.GetGrain<IStrategyGrain>(orderId[..dot]).CancelOrder(orderId);
        return outcome.Kind == OrderOutcomeKind.Cancelled ? TypedResults.Ok(outcome.Order!) : Problems.From(outcome.Kind, outcome.Detail);
    }

    private static ProblemHttpResult OrderNotFound(string orderId) =>
        TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Order not found", detail: $"No order has id '{Wire.Shorten(orderId)}'.");

    public static IJournalReaderGrain JournalReader(this IGrainFactory grains) => grains.GetGrain<IJournalReaderGrain>(0);
}

/// <summary>Non-success grain outcomes as problem details.</summary>
public static class Problems
{
    public static ProblemHttpResult From(OrderOutcomeKind kind, string? detail) => kind switch
    {
        OrderOutcomeKind.NotFound => TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Not found", detail: detail),
        _ => TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "Conflict", detail: detail),
    };
}
