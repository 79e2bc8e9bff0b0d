using System.Collections.Concurrent;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace TradingPlatform.Api.Identity;

/// <summary>
/// Remembers successful validations of the same token string until the token expires, so a dashboard
/// polling with one token pays for parsing and HMAC once instead of on every request. Safe because the
/// cache only skips work whose answer cannot change before <c>exp</c> (signature, issuer, audience);
/// lifetime is rechecked on every hit, and revocation, token version and budgets are still decided
/// per request by the user grain (OnTokenValidated runs for every request). Hits share one read-only
/// ClaimsIdentity; nothing in the pipeline adds claims to it.
/// </summary>
public sealed class CachingTokenHandler(TimeProvider clock) : JsonWebTokenHandler
{
    private const int Capacity = 10_000;
    private readonly ConcurrentDictionary<string, (TokenValidationResult Result, DateTime ExpiresUtc)> _validated = new(StringComparer.Ordinal);

    public override async Task<TokenValidationResult> ValidateTokenAsync(string token, TokenValidationParameters validationParameters)
    {
        var nowUtc = clock.GetUtcNow().UtcDateTime;
        if (_validated.TryGetValue(token, out var hit))
        {
            if (hit.ExpiresUtc > nowUtc) return hit.Result;
            _validated.TryRemove(token, out _);
        }

        var result = await base.ValidateTokenAsync(token, validationParameters);
        if (result.IsValid && result.SecurityToken is JsonWebToken jwt)
        {
            if (_validated.Count >= Capacity) _validated.Clear(); // bounded: a flood of distinct tokens only costs re-validation
            _validated[token] = (result, jwt.ValidTo + validationParameters.ClockSkew);
        }
        return result;
    }
}
