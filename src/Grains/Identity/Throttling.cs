namespace TradingPlatform.Identity;

/// <summary>A fixed-window request budget: at most <c>limit</c> permits per window, counted from the window's first request.</summary>
public sealed class RateWindow
{
    private DateTimeOffset _startedAtUtc = DateTimeOffset.MinValue;
    private int _used;

    public RateLimitState Take(int limit, int windowSeconds, DateTimeOffset nowUtc)
    {
        var window = TimeSpan.FromSeconds(windowSeconds);
        if (nowUtc - _startedAtUtc >= window)
        {
            _startedAtUtc = nowUtc;
            _used = 0;
        }
        _used++; // a refused request still counts: retrying harder does not help
        var reset = (int)Math.Ceiling((_startedAtUtc + window - nowUtc).TotalSeconds);
        return new RateLimitState(limit, Math.Max(0, limit - _used), Math.Max(1, reset), _used > limit);
    }
}

/// <summary>Failed logins for one username: after too many in a window, every attempt is refused for a while.</summary>
public sealed class LoginFailures
{
    private readonly Queue<DateTimeOffset> _failures = new();
    private DateTimeOffset _lockedUntilUtc = DateTimeOffset.MinValue;

    public int LockedOutForSeconds(DateTimeOffset nowUtc) =>
        _lockedUntilUtc > nowUtc ? (int)Math.Ceiling((_lockedUntilUtc - nowUtc).TotalSeconds) : 0;

    public void Fail(LoginThrottle throttle, DateTimeOffset nowUtc)
    {
        while (_failures.Count > 0 && nowUtc - _failures.Peek() > TimeSpan.FromSeconds(throttle.WindowSeconds)) _failures.Dequeue();
        _failures.Enqueue(nowUtc);
        if (_failures.Count >= throttle.MaxFailures)
        {
            _lockedUntilUtc = nowUtc + TimeSpan.FromSeconds(throttle.LockoutSeconds);
            _failures.Clear();
        }
    }

    public void Reset()
    {
        _failures.Clear();
        _lockedUntilUtc = DateTimeOffset.MinValue;
    }
}
