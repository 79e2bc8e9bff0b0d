using System.Text.Json.Serialization;

namespace TradingPlatform.Risk;

/// <summary>Where one alert delivery (one alert to one notifier) stands.</summary>
[GenerateSerializer, Alias("alert-delivery-status")]
public enum AlertDeliveryStatus
{
    /// <summary>Waiting for its first attempt or for the next retry (<c>nextAttemptAt</c>).</summary>
    Pending = 0,

    /// <summary>The receiver answered 2xx.</summary>
    Delivered = 1,

    /// <summary>Given up: the maximum attempts were used, or the receiver refused it for good (a 4xx other than 408/429).</summary>
    Failed = 2,

    /// <summary>Never attempted again: the delivery queue was full and this was its oldest pending delivery.</summary>
    Dropped = 3,
}

/// <summary>One alert's delivery to one notifier, as <c>GET /v1/alerts/deliveries</c> shows it.</summary>
[GenerateSerializer, Immutable, Alias("alert-delivery.v1")]
public sealed record AlertDelivery(
    [property: Id(0)] string Id,
    [property: Id(1)] string AlertId,
    [property: Id(2)] string Notifier,
    [property: Id(3)] string Event,
    [property: Id(4)] AlertDeliveryStatus Status,
    [property: Id(5)] int Attempts,
    [property: Id(6), JsonPropertyName("createdAt")] DateTimeOffset CreatedAtUtc,
    [property: Id(7), JsonPropertyName("lastAttemptAt")] DateTimeOffset? LastAttemptAtUtc,
    [property: Id(8), JsonPropertyName("nextAttemptAt")] DateTimeOffset? NextAttemptAtUtc,
    [property: Id(9), JsonPropertyName("deliveredAt")] DateTimeOffset? DeliveredAtUtc,
    [property: Id(10)] int? LastStatusCode,
    [property: Id(11)] string? LastError);

[GenerateSerializer, Immutable, Alias("alert-delivery-query.v1")]
public sealed record AlertDeliveryQuery(
    [property: Id(0)] AlertDeliveryStatus? Status = null,
    [property: Id(1)] string? AlertId = null);

/// <summary>The wire names of <see cref="AlertDeliveryStatus"/> (lowercase, as in the table and the API).</summary>
public static class AlertDeliveryStatuses
{
    public static readonly IReadOnlyList<string> Names = ["pending", "delivered", "failed", "dropped"];

    public static string Of(AlertDeliveryStatus status) => status switch
    {
        AlertDeliveryStatus.Pending => "pending",
        AlertDeliveryStatus.Delivered => "delivered",
        AlertDeliveryStatus.Failed => "failed",
        AlertDeliveryStatus.Dropped => "dropped",
        _ => throw new ArgumentOutOfRangeException(nameof(status), status, "No wire name."),
    };

    public static bool TryParse(string? name, out AlertDeliveryStatus status)
    {
        var index = name is null ? -1 : Names.ToList().IndexOf(name);
        status = (AlertDeliveryStatus)Math.Max(index, 0);
        return index >= 0;
    }
}
