using System.Collections.Immutable;
using System.Text.RegularExpressions;
using TradingPlatform.Positions;

namespace TradingPlatform.Orders;

/// <summary>Shape rules for orders and external fills, shared by the API (400 before any grain call) and the strategy grain.</summary>
public static partial class OrderRules
{
    public const decimal MaxQuantity = 1_000_000_000_000m;
    public const decimal MaxPrice = 1_000_000_000_000m;

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$", RegexOptions.CultureInvariant)]
    private static partial Regex ClientIdPattern();

    /// <summary>Client order ids and fill ids: 1-64 characters, letters, digits, '.', '_', ':' or '-'.</summary>
    public static bool IsValidClientId(string? id) => id is not null && ClientIdPattern().IsMatch(id);

    public static ImmutableDictionary<string, string[]> Validate(OrderSpec order, IReadOnlyCollection<string> strategySymbols)
    {
        var errors = ImmutableDictionary.CreateBuilder<string, string[]>(StringComparer.Ordinal);
        if (!IsValidClientId(order.ClientOrderId))
            errors["clientOrderId"] = ["Required: 1-64 characters, letters, digits, '.', '_', ':' or '-'."];
        if (!strategySymbols.Contains(order.Symbol))
            errors["symbol"] = [$"The strategy does not trade '{Shorten(order.Symbol)}'; it trades {string.Join(", ", strategySymbols)}."];
        if (order.Quantity <= 0m || order.Quantity > MaxQuantity)
            errors["quantity"] = [$"Must be greater than 0 and at most {MaxQuantity}."];
        if (order.Type == OrderType.Limit && (order.LimitPrice is not { } limit || limit <= 0m || limit > MaxPrice))
            errors["limitPrice"] = ["Required for a limit order: greater than 0."];
        if (order.Type == OrderType.Market && order.LimitPrice is not null)
            errors["limitPrice"] = ["Must be absent for a market order."];
        return errors.ToImmutable();
    }

    public static ImmutableDictionary<string, string[]> Validate(ExternalFillSpec fill, IReadOnlyCollection<string> strategySymbols)
    {
        var errors = ImmutableDictionary.CreateBuilder<string, string[]>(StringComparer.Ordinal);
        if (!IsValidClientId(fill.FillId))
            errors["fillId"] = ["Required: 1-64 characters, letters, digits, '.', '_', ':' or '-'."];
        if (!strategySymbols.Contains(fill.Symbol))
            errors["symbol"] = [$"The strategy does not trade '{Shorten(fill.Symbol)}'."];
        if (fill.Quantity <= 0m || fill.Quantity > MaxQuantity)
            errors["quantity"] = [$"Must be greater than 0 and at most {MaxQuantity}."];
        if (fill.Price <= 0m || fill.Price > MaxPrice)
            errors["price"] = ["Must be greater than 0."];
        if (fill.Fee < 0m || fill.Fee > MaxPrice)
            errors["fee"] = ["Must be 0 or more."];
        return errors.ToImmutable();
    }

    private static string Shorten(string value) => value.Length <= 32 ? value : value[..32] + "…";
}
