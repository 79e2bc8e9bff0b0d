using System.Globalization;
using System.Security.Claims;
using TradingPlatform.Api.Identity;
using TradingPlatform.Common;
using TradingPlatform.Orders;
using TradingPlatform.Risk;

namespace TradingPlatform.Api.Infrastructure;

/// <summary>Parsing of the contract's lowercase enum values and ISO 8601 times from requests, with messages that list what is allowed.</summary>
public static class Wire
{
    public static Side? ParseSide(string? value, string field, Dictionary<string, string[]> errors) => Parse<Side>(value, field, errors);

    public static OrderType? ParseOrderType(string? value, string field, Dictionary<string, string[]> errors) => Parse<OrderType>(value, field, errors);

    public static OrderStatus? ParseOrderStatus(string? value, string field, Dictionary<string, string[]> errors) => Parse<OrderStatus>(value, field, errors);

    public static KillSwitchState? ParseKillSwitchState(string? value, string field, Dictionary<string, string[]> errors) => Parse<KillSwitchState>(value, field, errors);

    public static AlertSeverity? ParseSeverity(string? value, string field, Dictionary<string, string[]> errors) => Parse<AlertSeverity>(value, field, errors);

    /// <summary>An optional ISO 8601 time from the query string (must carry an offset or 'Z').</summary>
    public static DateTimeOffset? Time(string? value, string field, Dictionary<string, string[]> errors)
    {
        if (value is null) return null;
        if (DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var time)) return time;
        Add(errors, field, "Must be an ISO 8601 time, e.g. 2024-01-31T14:30:00Z.");
        return null;
    }

    /// <summary>Who is calling, for audit records and acknowledgements.</summary>
    public static string Actor(ClaimsPrincipal user) => TokenService.Claim(user, TokenClaims.Subject) ?? "unknown";

    public static void Add(Dictionary<string, string[]> errors, string field, string message) =>
        errors[field] = errors.TryGetValue(field, out var existing) ? [.. existing, message] : [message];

    public static string Shorten(string value) => value.Length <= 64 ? value : value[..64] + "…";

    private static T? Parse<T>(string? value, string field, Dictionary<string, string[]> errors) where T : struct, Enum
    {
        var allowed = string.Join(", ", WireNames.Names<T>());
        if (value is null)
        {
            Add(errors, field, $"Required: one of {allowed}.");
            return null;
        }
        if (WireNames.TryParse<T>(value, out var parsed)) return parsed;
        Add(errors, field, $"'{Shorten(value)}' is not one of {allowed}.");
        return null;
    }
}
