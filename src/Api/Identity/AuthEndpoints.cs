using System.Globalization;
using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using TradingPlatform.Identity;

namespace TradingPlatform.Api.Identity;

public sealed record LoginRequest(string? Username, string? Password);

public sealed record RefreshRequest(string? RefreshToken);

public sealed record MeResponse(string Id, string Username, string Role);

/// <summary><c>/v1/auth</c>: log in, rotate refresh tokens, log out, who am I.</summary>
public static class AuthEndpoints
{
    private const string InvalidCredentials = "Invalid username or password.";

    public static RouteGroupBuilder MapAuthEndpoints(this RouteGroupBuilder v1)
    {
        var group = v1.MapGroup("/auth").WithTags("Auth");
        group.MapPost("/login", Login).AllowAnonymous().WithName("Login")
            .WithSummary("Exchange a username and password for an access token and a refresh token")
            .ProducesProblem(StatusCodes.Status401Unauthorized).ProducesProblem(StatusCodes.Status429TooManyRequests);
        group.MapPost("/refresh", Refresh).AllowAnonymous().WithName("RefreshToken")
            .WithSummary("Rotate a refresh token into a new pair; a reused refresh token revokes its whole family")
            .ProducesProblem(StatusCodes.Status401Unauthorized);
        group.MapPost("/logout", Logout).WithName("Logout")
            .WithSummary("Revoke this access token and its refresh-token family");
        group.MapGet("/me", Me).WithName("Me").WithSummary("The caller's id, username and role");
        return group;
    }

    private static async Task<Results<Ok<TokenResponse>, ValidationProblem, ProblemHttpResult>> Login(
        LoginRequest request, IGrainFactory grains, Credentials credentials, TokenService tokens, IOptions<AuthOptions> options, HttpResponse response)
    {
        var errors = new Dictionary<string, string[]>();
        if (string.IsNullOrEmpty(request.Username)) errors["username"] = ["Required."];
        if (string.IsNullOrEmpty(request.Password)) errors["password"] = ["Required."];
        if (errors.Count > 0) return TypedResults.ValidationProblem(errors);

        var userId = Credentials.Normalize(request.Username!);
        if (!Credentials.IsValidUsername(userId))
        {
            credentials.Verify(null, request.Password!); // same cost as a real check
            return Unauthorized(InvalidCredentials);
        }
        var user = grains.GetGrain<IUserGrain>(userId);
        var throttle = options.Value.Throttle;
        var challenge = await user.BeginLogin(throttle);
        if (challenge.LockedOut)
        {
            response.Headers.RetryAfter = challenge.LockedOutForSeconds.ToString(CultureInfo.InvariantCulture);
            return TooManyAttempts(challenge.LockedOutForSeconds);
        }

        if (!credentials.Verify(challenge.PasswordHash, request.Password!))
        {
            await user.LoginFailed(throttle);
            return Unauthorized(InvalidCredentials);
        }

        var familyId = TokenService.NewFamilyId();
        var (refreshToken, hash) = TokenService.NewRefreshToken(userId, familyId);
        var snapshot = await user.LoginSucceeded(new RefreshGrant(familyId, hash, tokens.RefreshExpiry()));
        return snapshot is null ? Unauthorized(InvalidCredentials) : TypedResults.Ok(tokens.Issue(snapshot, familyId, refreshToken));
    }

    private static async Task<Results<Ok<TokenResponse>, ProblemHttpResult>> Refresh(
        RefreshRequest request, IGrainFactory grains, TokenService tokens)
    {
        if (!TokenService.TryParseRefreshToken(request.RefreshToken, out var userId, out var familyId, out var presentedHash))
            return Unauthorized("The refresh token is not valid.");

        var (next, nextHash) = TokenService.NewRefreshToken(userId, familyId);
        var outcome = await grains.GetGrain<IUserGrain>(userId).Refresh(presentedHash, new RefreshGrant(familyId, nextHash, tokens.RefreshExpiry()));
        return outcome.Kind switch
        {
            RefreshOutcomeKind.Rotated => TypedResults.Ok(tokens.Issue(outcome.User!, familyId, next)),
            RefreshOutcomeKind.Reused => Unauthorized("The refresh token was already used; this session is now revoked. Log in again."),
            _ => Unauthorized("The refresh token is not valid."),
        };
    }

    private static async Task<NoContent> Logout(ClaimsPrincipal principal, IGrainFactory grains)
    {
        var userId = TokenService.Claim(principal, TokenClaims.Subject)!;
        var expires = long.TryParse(TokenService.Claim(principal, TokenClaims.Expires), NumberStyles.None, CultureInfo.InvariantCulture, out var exp)
            ? DateTimeOffset.FromUnixTimeSeconds(exp)
            : DateTimeOffset.UtcNow.AddDays(1);
        await grains.GetGrain<IUserGrain>(userId).Logout(
            TokenService.Claim(principal, TokenClaims.TokenId)!, TokenService.Claim(principal, TokenClaims.FamilyId)!, expires);
        return TypedResults.NoContent();
    }

    private static Ok<MeResponse> Me(ClaimsPrincipal principal) => TypedResults.Ok(new MeResponse(
        TokenService.Claim(principal, TokenClaims.Subject)!,
        TokenService.Claim(principal, TokenClaims.Name)!,
        TokenService.Claim(principal, TokenClaims.Role)!));

    private static ProblemHttpResult Unauthorized(string detail) =>
        TypedResults.Problem(statusCode: StatusCodes.Status401Unauthorized, title: "Unauthorized", detail: detail);

    private static ProblemHttpResult TooManyAttempts(int retryAfterSeconds) =>
        TypedResults.Problem(statusCode: StatusCodes.Status429TooManyRequests, title: "Too many failed logins",
            detail: $"Too many failed logins for this username; try again in {retryAfterSeconds} s.",
            extensions: new Dictionary<string, object?> { ["retryAfterSeconds"] = retryAfterSeconds });
}
