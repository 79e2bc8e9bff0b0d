namespace TradingPlatform.Risk.Delivery;

/// <summary>
/// Bounded exponential backoff with jitter: after failed attempt n (1-based) the next waits
/// <c>d = min(max, initial · 2^(n-1))</c> scaled by a random factor in [0.5, 1] ("equal jitter"), so silos that
/// failed together do not retry together, and no wait exceeds <c>max</c>.
/// </summary>
public static class DeliveryBackoff
{
    public static TimeSpan Delay(int failedAttempt, TimeSpan initial, TimeSpan max, double random)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(failedAttempt, 1);
        var exponent = Math.Min(failedAttempt - 1, 30);
        var ceiling = Math.Min(max.TotalMilliseconds, initial.TotalMilliseconds * Math.Pow(2, exponent));
        return TimeSpan.FromMilliseconds(ceiling * (0.5 + 0.5 * Math.Clamp(random, 0, 1)));
    }
}
