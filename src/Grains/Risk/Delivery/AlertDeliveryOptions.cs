using System.ComponentModel.DataAnnotations;

namespace TradingPlatform.Risk.Delivery;

/// <summary>
/// Alert delivery (section <c>Alerts</c>): the notifiers (today the webhook) and how hard each delivery is tried.
/// No notifier configured (no <c>Alerts:Webhook:Url</c>): no delivery is recorded or attempted.
/// </summary>
public sealed class AlertDeliveryOptions : IValidatableObject
{
    public const string SectionName = "Alerts";

    public WebhookOptions Webhook { get; set; } = new();

    /// <summary>Attempts per delivery (the first included); then it is <c>failed</c>.</summary>
    [Range(1, 100)]
    public int MaxAttempts { get; set; } = 8;

    /// <summary>The wait after the first failed attempt; it doubles per attempt up to <see cref="MaxBackoffMilliseconds"/>, with jitter.</summary>
    [Range(1, 3_600_000)]
    public int InitialBackoffMilliseconds { get; set; } = 2_000;

    [Range(1, 86_400_000)]
    public int MaxBackoffMilliseconds { get; set; } = 300_000;

    /// <summary>How often each silo's worker looks for due deliveries (a local enqueue wakes it at once).</summary>
    [Range(10, 60_000)]
    public int PollMilliseconds { get; set; } = 1_000;

    /// <summary>The bound of the delivery queue: beyond it the oldest pending deliveries are dropped (and counted).</summary>
    [Range(1, 10_000_000)]
    public int MaxPending { get; set; } = 10_000;

    /// <summary>Deliveries one worker claims at a time.</summary>
    [Range(1, 1_000)]
    public int BatchSize { get; set; } = 32;

    /// <summary>Deliveries in flight at once on one silo.</summary>
    [Range(1, 64)]
    public int MaxConcurrency { get; set; } = 4;

    /// <summary>
    /// Retention: a finished delivery (delivered, failed, dropped) is deleted this many days after it finished, by the
    /// workers in small batches. Pending deliveries are never deleted. Alerts older than this are no longer enqueued.
    /// </summary>
    [Range(1, 3_650)]
    public int RetainDays { get; set; } = 7;

    public TimeSpan Retention => TimeSpan.FromDays(RetainDays);

    /// <summary>A claimed delivery is invisible to other silos for this long: the HTTP timeout plus this margin.</summary>
    public TimeSpan Lease => TimeSpan.FromSeconds(Webhook.TimeoutSeconds + 30);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (MaxBackoffMilliseconds < InitialBackoffMilliseconds)
            yield return new ValidationResult("Alerts:MaxBackoffMilliseconds must be at least Alerts:InitialBackoffMilliseconds.", [nameof(MaxBackoffMilliseconds)]);
        if (Webhook.TimeoutSeconds is < 1 or > 300)
            yield return new ValidationResult("Alerts:Webhook:TimeoutSeconds must be from 1 to 300.", ["Webhook.TimeoutSeconds"]);
        if (!Webhook.IsConfigured) yield break;
        if (!Uri.TryCreate(Webhook.Url, UriKind.Absolute, out var url) || url.Scheme is not ("http" or "https"))
            yield return new ValidationResult("Alerts:Webhook:Url must be an absolute http or https URL.", ["Webhook.Url"]);
        if (string.IsNullOrEmpty(Webhook.Secret) || Webhook.Secret.Length < WebhookOptions.MinSecretLength)
            yield return new ValidationResult($"Alerts:Webhook:Secret is required with a webhook URL, at least {WebhookOptions.MinSecretLength} characters.", ["Webhook.Secret"]);
    }
}

/// <summary>The webhook notifier (section <c>Alerts:Webhook</c>).</summary>
public sealed class WebhookOptions
{
    public const int MinSecretLength = 16;

    /// <summary>Where each alert is POSTed. Unset: the webhook notifier is off.</summary>
    public string? Url { get; set; }

    /// <summary>The HMAC-SHA256 key that signs each delivery. Never logged, never shown by the API.</summary>
    public string? Secret { get; set; }

    /// <summary>One attempt (connect, send, answer) may take this long.</summary>
    public int TimeoutSeconds { get; set; } = 10;

    public bool IsConfigured => !string.IsNullOrWhiteSpace(Url);
}
