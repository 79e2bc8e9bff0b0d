using System.Text.Json.Serialization;

namespace TradingPlatform.Identity;

/// <summary>Roles, from least to most privileged: each includes what the ones before it may do.</summary>
[GenerateSerializer, Alias("role")]
public enum Role
{
    Viewer = 0,
    Trader = 1,
    Admin = 2,
}

/// <summary>Rate-limit budgets, per user and cluster-wide.</summary>
[GenerateSerializer, Alias("rate-tier")]
public enum RateTier
{
    Dashboard = 0,
    Admin = 1,
    Backtest = 2,
}

[GenerateSerializer, Immutable, Alias("user-snapshot.v1")]
public sealed record UserSnapshot(
    [property: Id(0)] string Id,
    [property: Id(1)] string Username,
    [property: Id(2)] Role Role,
    [property: Id(3)] bool Disabled,
    [property: Id(4), JsonIgnore] int TokenVersion,
    [property: Id(5), JsonPropertyName("createdAt")] DateTimeOffset CreatedAtUtc,
    [property: Id(6), JsonPropertyName("updatedAt")] DateTimeOffset UpdatedAtUtc);

/// <summary>A new user; the password arrives already hashed (hashing is CPU work kept off grain turns).</summary>
[GenerateSerializer, Immutable, Alias("new-user-spec.v1")]
public sealed record NewUserSpec(
    [property: Id(0)] string Username,
    [property: Id(1)] string PasswordHash,
    [property: Id(2)] Role Role);

[GenerateSerializer, Immutable, Alias("user-patch.v1")]
public sealed record UserPatch(
    [property: Id(0)] Role? Role = null,
    [property: Id(1)] bool? Disabled = null);

[GenerateSerializer, Alias("user-outcome-kind")]
public enum UserOutcomeKind
{
    Ok = 0,
    Created = 1,
    NotFound = 2,
    Conflict = 3,
}

[GenerateSerializer, Immutable, Alias("user-outcome.v1")]
public sealed record UserOutcome(
    [property: Id(0)] UserOutcomeKind Kind,
    [property: Id(1)] UserSnapshot? User = null,
    [property: Id(2)] string? Detail = null);

/// <summary>Brute-force protection settings (owned by the API's configuration, applied by the user grain).</summary>
[GenerateSerializer, Immutable, Alias("login-throttle.v1")]
public sealed record LoginThrottle(
    [property: Id(0)] int MaxFailures,
    [property: Id(1)] int WindowSeconds,
    [property: Id(2)] int LockoutSeconds);

/// <summary>What a login attempt needs from the user grain before the password is checked.</summary>
[GenerateSerializer, Immutable, Alias("login-challenge.v1")]
public sealed record LoginChallenge(
    [property: Id(0)] int LockedOutForSeconds,
    [property: Id(1)] string? PasswordHash)
{
    public bool LockedOut => LockedOutForSeconds > 0;
}

/// <summary>A refresh-token family to open on successful login, or to rotate to on refresh.</summary>
[GenerateSerializer, Immutable, Alias("refresh-grant.v1")]
public sealed record RefreshGrant(
    [property: Id(0)] string FamilyId,
    [property: Id(1)] string TokenHash,
    [property: Id(2)] DateTimeOffset ExpiresAtUtc);

[GenerateSerializer, Alias("refresh-outcome-kind")]
public enum RefreshOutcomeKind
{
    Rotated = 0,
    Invalid = 1,

    /// <summary>An already-used token came back: the whole family is revoked.</summary>
    Reused = 2,
}

[GenerateSerializer, Immutable, Alias("refresh-outcome.v1")]
public sealed record RefreshOutcome(
    [property: Id(0)] RefreshOutcomeKind Kind,
    [property: Id(1)] UserSnapshot? User = null);

/// <summary>The claims of a validated access token that the user grain still has to accept.</summary>
[GenerateSerializer, Immutable, Alias("access-request.v1")]
public sealed record AccessRequest(
    [property: Id(0)] string TokenId,
    [property: Id(1)] string FamilyId,
    [property: Id(2)] int TokenVersion,
    [property: Id(3)] RateTier? Tier,
    [property: Id(4)] int PermitsPerWindow,
    [property: Id(5)] int WindowSeconds);

[GenerateSerializer, Immutable, Alias("rate-limit-state.v1")]
public sealed record RateLimitState(
    [property: Id(0)] int Limit,
    [property: Id(1)] int Remaining,
    [property: Id(2)] int ResetSeconds,
    [property: Id(3)] bool Exceeded);

/// <summary>Whether the token still stands (not revoked, current token version, user enabled), and the rate budget.</summary>
[GenerateSerializer, Immutable, Alias("access-decision.v1")]
public sealed record AccessDecision(
    [property: Id(0)] bool Accepted,
    [property: Id(1)] string? Reason,
    [property: Id(2)] RateLimitState? Rate);
