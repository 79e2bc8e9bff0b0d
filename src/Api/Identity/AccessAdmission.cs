using System.Globalization;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using TradingPlatform.Identity;

namespace TradingPlatform.Api.Identity;

/// <summary>What the user grain said about this request's token and budget.</summary>
public sealed record AdmissionFeature(AccessDecision Decision);

/// <summary>
/// After the JWT's signature, issuer, audience and lifetime check out, one call to the user's grain
/// decides the rest from memory: revoked token or session, stale token version (role change, disable),
/// and the request's rate-limit budget, shared by every API node.
/// </summary>
public static class AccessAdmission
{
    public static async Task OnTokenValidated(TokenValidatedContext context)
    {
        var principal = context.Principal!;
        var userId = TokenService.Claim(principal, TokenClaims.Subject);
        var tokenId = TokenService.Claim(principal, TokenClaims.TokenId);
        var familyId = TokenService.Claim(principal, TokenClaims.FamilyId);
        if (userId is null || tokenId is null || familyId is null
            || !int.TryParse(TokenService.Claim(principal, TokenClaims.TokenVersion), NumberStyles.None, CultureInfo.InvariantCulture, out var version))
        {
            context.Fail("The token lacks required claims.");
            return;
        }

        var http = context.HttpContext;
        var tier = http.GetEndpoint()?.Metadata.GetMetadata<RateLimitTierMetadata>()?.Tier;
        var limits = http.RequestServices.GetRequiredService<IOptionsMonitor<RateLimitOptions>>().CurrentValue;
        var grains = http.RequestServices.GetRequiredService<IGrainFactory>();
        var request = new AccessRequest(tokenId, familyId, version, tier, tier is { } t ? limits.PermitsFor(t) : 0, limits.WindowSeconds);
        var decision = await grains.GetGrain<IUserGrain>(userId).Admit(request);
        if (!decision.Accepted)
        {
            context.Fail($"The token is no longer valid: {decision.Reason}.");
            return;
        }
        http.Features.Set(new AdmissionFeature(decision));
    }

    /// <summary>Writes the budget headers on every limited response and refuses requests over budget with 429.</summary>
    /// <remarks>
    /// Not an async lambda: the passing path returns <c>next</c>'s task as it is. An async middleware keeps its state
    /// machine alive as long as the request runs, and a WebSocket upgrade runs for the socket's lifetime (≈ 110 bytes
    /// per idle connection, measured with a heap diff).
    /// </remarks>
    public static IApplicationBuilder UseRateLimitBudgets(this IApplicationBuilder app) => app.Use((context, next) =>
    {
        var rate = context.Features.Get<AdmissionFeature>()?.Decision.Rate;
        if (rate is null) return next(context);
        WriteHeaders(context, rate);
        if (rate.Exceeded && context.GetEndpoint()?.Metadata.GetMetadata<RateLimitEnforcedByEndpointMetadata>() is null)
        {
            return WriteTooManyRequests(context, rate.ResetSeconds, "Rate limit exceeded",
                $"This user's budget of {rate.Limit} requests per window is used up; it resets in {rate.ResetSeconds} s.");
        }
        return next(context);
    });

    public static void WriteHeaders(HttpContext context, RateLimitState rate)
    {
        var headers = context.Response.Headers;
        headers["X-RateLimit-Limit"] = rate.Limit.ToString(CultureInfo.InvariantCulture);
        headers["X-RateLimit-Remaining"] = rate.Remaining.ToString(CultureInfo.InvariantCulture);
        headers["X-RateLimit-Reset"] = rate.ResetSeconds.ToString(CultureInfo.InvariantCulture);
    }

    public static async Task WriteTooManyRequests(HttpContext context, int retryAfterSeconds, string title, string detail)
    {
        context.Response.StatusCode = StatusCodes.Status429TooManyRequests;
        context.Response.Headers.RetryAfter = retryAfterSeconds.ToString(CultureInfo.InvariantCulture);
        var problems = context.RequestServices.GetRequiredService<IProblemDetailsService>();
        await problems.WriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            ProblemDetails = new ProblemDetails { Status = StatusCodes.Status429TooManyRequests, Title = title, Detail = detail },
        });
    }

    public static void Configure(JwtBearerOptions options) => options.Events = new JwtBearerEvents
    {
        OnMessageReceived = WebSockets.WebSocketEndpoint.TokenFromQuery,
        OnTokenValidated = OnTokenValidated,
    };
}
