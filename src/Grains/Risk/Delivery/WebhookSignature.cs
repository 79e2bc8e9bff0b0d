using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace TradingPlatform.Risk.Delivery;

/// <summary>
/// How a webhook delivery is signed: <c>X-TradingPlatform-Signature: sha256=&lt;lowercase hex&gt;</c>, the
/// HMAC-SHA256 (key: <c>Alerts:Webhook:Secret</c> as UTF-8) of the UTF-8 string <c>"{timestamp}.{body}"</c>, where
/// timestamp is the <c>X-TradingPlatform-Timestamp</c> header (Unix seconds) and body the raw request body.
/// A receiver recomputes it, compares in constant time and refuses timestamps older than a few minutes (replays).
/// </summary>
public static class WebhookSignature
{
    public const string SignatureHeader = "X-TradingPlatform-Signature";
    public const string TimestampHeader = "X-TradingPlatform-Timestamp";
    public const string DeliveryHeader = "X-TradingPlatform-Delivery";
    public const string EventHeader = "X-TradingPlatform-Event";
    public const string AttemptHeader = "X-TradingPlatform-Attempt";
    public const string Prefix = "sha256=";

    public static string Sign(string secret, long unixSeconds, string body)
    {
        var content = Encoding.UTF8.GetBytes(unixSeconds.ToString(CultureInfo.InvariantCulture) + "." + body);
        return Prefix + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), content));
    }

    /// <summary>True when <paramref name="signature"/> is this body's and the timestamp is within <paramref name="tolerance"/> of now.</summary>
    public static bool Verify(string secret, string? timestamp, string body, string? signature, DateTimeOffset now, TimeSpan tolerance)
    {
        if (signature is null || !long.TryParse(timestamp, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds)) return false;
        if (Math.Abs(now.ToUnixTimeSeconds() - seconds) > tolerance.TotalSeconds) return false;
        var expected = Encoding.ASCII.GetBytes(Sign(secret, seconds, body));
        return CryptographicOperations.FixedTimeEquals(expected, Encoding.ASCII.GetBytes(signature));
    }
}
