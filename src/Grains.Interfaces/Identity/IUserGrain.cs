using Orleans.Concurrency;

namespace TradingPlatform.Identity;

/// <summary>
/// One user (key: the normalized username, which is also the user id): profile, password hash,
/// refresh-token families, revoked access tokens, login throttling and rate-limit budgets.
/// Every authenticated request asks this grain once (<see cref="Admit"/>), from memory.
/// </summary>
[Alias("user")]
public interface IUserGrain : IGrainWithStringKey
{
    [Alias("create")]
    Task<UserOutcome> Create(NewUserSpec spec);

    [Alias("get"), ReadOnly]
    Task<UserSnapshot?> Get();

    /// <summary>Role or disabled changes bump the token version: every issued token stops working.</summary>
    [Alias("update")]
    Task<UserOutcome> Update(UserPatch patch);

    [Alias("begin-login")]
    Task<LoginChallenge> BeginLogin(LoginThrottle throttle);

    [Alias("login-failed")]
    Task<LoginChallenge> LoginFailed(LoginThrottle throttle);

    /// <summary>Opens a refresh-token family; null when the user is gone or disabled meanwhile.</summary>
    [Alias("login-succeeded")]
    Task<UserSnapshot?> LoginSucceeded(RefreshGrant grant);

    /// <summary>Rotates the family's refresh token from <paramref name="presentedHash"/> to <paramref name="next"/>.</summary>
    [Alias("refresh")]
    Task<RefreshOutcome> Refresh(string presentedHash, RefreshGrant next);

    /// <summary>Revokes the access token (until it expires) and its refresh family.</summary>
    [Alias("logout")]
    Task Logout(string tokenId, string familyId, DateTimeOffset tokenExpiresAtUtc);

    /// <summary>
    /// Checks the token and counts the request against its budget. <see cref="Common.IdempotentAttribute">Idempotent</see>:
    /// an API node sends it again when the cluster failed it transiently; a second delivery at worst counts one request twice.
    /// </summary>
    [Alias("admit"), Common.Idempotent]
    Task<AccessDecision> Admit(AccessRequest request);
}
