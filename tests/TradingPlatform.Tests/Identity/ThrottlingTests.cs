using TradingPlatform.Identity;

namespace TradingPlatform.Tests.Identity;

public sealed class ThrottlingTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public void A_window_counts_down_refuses_past_the_limit_and_resets_after_its_length()
    {
        var window = new RateWindow();

        var states = Enumerable.Range(0, 4).Select(i => window.Take(3, 60, T0.AddSeconds(i))).ToArray();

        Assert.Equal([2, 1, 0, 0], states.Select(s => s.Remaining));
        Assert.Equal([false, false, false, true], states.Select(s => s.Exceeded));
        Assert.Equal(57, states[3].ResetSeconds);
        var fresh = window.Take(3, 60, T0.AddSeconds(60));
        Assert.False(fresh.Exceeded);
        Assert.Equal(2, fresh.Remaining);
        Assert.Equal(60, fresh.ResetSeconds);
    }

    [Fact]
    public void Five_failures_within_the_window_lock_out_for_the_lockout_period()
    {
        var throttle = new LoginThrottle(MaxFailures: 5, WindowSeconds: 60, LockoutSeconds: 300);
        var failures = new LoginFailures();

        for (var i = 0; i < 4; i++) failures.Fail(throttle, T0.AddSeconds(i));
        Assert.Equal(0, failures.LockedOutForSeconds(T0.AddSeconds(5)));
        failures.Fail(throttle, T0.AddSeconds(5));

        Assert.Equal(300, failures.LockedOutForSeconds(T0.AddSeconds(5)));
        Assert.Equal(0, failures.LockedOutForSeconds(T0.AddSeconds(306)));
    }

    [Fact]
    public void Failures_spread_wider_than_the_window_do_not_lock()
    {
        var throttle = new LoginThrottle(5, 60, 300);
        var failures = new LoginFailures();

        for (var i = 0; i < 10; i++) failures.Fail(throttle, T0.AddSeconds(i * 20));

        Assert.Equal(0, failures.LockedOutForSeconds(T0.AddSeconds(200)));
    }

    [Fact]
    public void A_used_refresh_token_revokes_its_family_and_only_the_newest_rotates()
    {
        var family = new RefreshFamily { CurrentHash = "h1", ExpiresAtUtc = T0.AddDays(7) };

        Assert.Equal(RefreshOutcomeKind.Rotated, family.Rotate("h1", new RefreshGrant("f", "h2", T0.AddDays(8)), T0));
        Assert.Equal(RefreshOutcomeKind.Invalid, family.Rotate("nope", new RefreshGrant("f", "h3", T0.AddDays(8)), T0));
        Assert.Equal(RefreshOutcomeKind.Reused, family.Rotate("h1", new RefreshGrant("f", "h3", T0.AddDays(8)), T0));
        Assert.True(family.Revoked);
        Assert.Equal(RefreshOutcomeKind.Invalid, family.Rotate("h2", new RefreshGrant("f", "h3", T0.AddDays(8)), T0));
    }

    [Fact]
    public void An_expired_family_does_not_rotate()
    {
        var family = new RefreshFamily { CurrentHash = "h1", ExpiresAtUtc = T0 };
        Assert.Equal(RefreshOutcomeKind.Invalid, family.Rotate("h1", new RefreshGrant("f", "h2", T0.AddDays(7)), T0.AddSeconds(1)));
    }
}
