using System.ComponentModel.DataAnnotations;
using TradingPlatform.Identity;

namespace TradingPlatform.Api.Identity;

/// <summary>Tokens, the bootstrap admin and brute-force protection (configuration section <c>Auth</c>).</summary>
public sealed class AuthOptions
{
    public const string SectionName = "Auth";
    public const int MinimumKeyBytes = 32;

    /// <summary>HMAC-SHA256 key for access tokens, at least 32 bytes (UTF-8). Required outside Development.</summary>
    public string? SigningKey { get; set; }

    [Required] public string Issuer { get; set; } = "tradingplatform";
    [Required] public string Audience { get; set; } = "tradingplatform-api";
    [Range(1, 24 * 60)] public int AccessTokenMinutes { get; set; } = 15;
    [Range(1, 365)] public int RefreshTokenDays { get; set; } = 7;
    [Range(0, 300)] public int ClockSkewSeconds { get; set; } = 30;
    public BootstrapAdminOptions BootstrapAdmin { get; set; } = new();
    public LockoutOptions Lockout { get; set; } = new();

    public LoginThrottle Throttle => new(Lockout.MaxFailures, Lockout.WindowSeconds, Lockout.LockoutSeconds);
}

public sealed class BootstrapAdminOptions
{
    public string? Username { get; set; }
    public string? Password { get; set; }
}

public sealed class LockoutOptions
{
    /// <summary>Failed logins for one username within <see cref="WindowSeconds"/> that lock it.</summary>
    [Range(1, 1000)] public int MaxFailures { get; set; } = 5;
    [Range(1, 3600)] public int WindowSeconds { get; set; } = 60;
    [Range(1, 86400)] public int LockoutSeconds { get; set; } = 300;
}

/// <summary>Per-user, cluster-wide request budgets (configuration section <c>RateLimits</c>).</summary>
public sealed class RateLimitOptions
{
    public const string SectionName = "RateLimits";

    public TierOptions Dashboard { get; set; } = new() { PermitsPerMinute = 100 };
    public TierOptions Admin { get; set; } = new() { PermitsPerMinute = 10 };
    public TierOptions Backtest { get; set; } = new() { PermitsPerMinute = 5 };

    /// <summary>Length of a budget window. The contract's budgets are per minute; tests shorten it.</summary>
    [Range(1, 3600)] public int WindowSeconds { get; set; } = 60;

    public int PermitsFor(RateTier tier) => tier switch
    {
        RateTier.Dashboard => Dashboard.PermitsPerMinute,
        RateTier.Admin => Admin.PermitsPerMinute,
        _ => Backtest.PermitsPerMinute,
    };

    public sealed class TierOptions
    {
        [Range(1, int.MaxValue)] public int PermitsPerMinute { get; set; }
    }
}

/// <summary>Browser origins allowed to call the API (configuration section <c>Cors</c>). None by default outside Development.</summary>
public sealed class CorsOptions
{
    public const string SectionName = "Cors";

    public string[] AllowedOrigins { get; set; } = [];
}
