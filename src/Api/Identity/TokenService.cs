using System.Buffers.Text;
using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using TradingPlatform.Identity;

namespace TradingPlatform.Api.Identity;

/// <summary>Claim names in our access tokens.</summary>
public static class TokenClaims
{
    public const string Subject = JwtRegisteredClaimNames.Sub;
    public const string Name = JwtRegisteredClaimNames.Name;
    public const string Role = "role";
    public const string TokenId = JwtRegisteredClaimNames.Jti;
    public const string TokenVersion = "ver";
    public const string FamilyId = "fid";
    public const string Expires = JwtRegisteredClaimNames.Exp;
}

public sealed record TokenResponse(string AccessToken, string RefreshToken, string TokenType, int ExpiresIn);

/// <summary>The signing key: from <c>Auth:SigningKey</c>, or generated for this process in Development.</summary>
public sealed class SigningKeys
{
    public SigningKeys(IOptions<AuthOptions> options, IHostEnvironment environment, ILogger<SigningKeys> logger)
    {
        var configured = Check(options.Value.SigningKey, environment);
        if (configured is null)
        {
            Generated = true;
            Key = new SymmetricSecurityKey(RandomNumberGenerator.GetBytes(64));
            LogGenerated(logger);
        }
        else
        {
            Key = new SymmetricSecurityKey(configured);
        }
    }

    /// <summary>
    /// The configured key's bytes, or null in Development without one. Throws when the key is missing
    /// outside Development or too short: the process must not start without a real secret.
    /// </summary>
    public static byte[]? Check(string? signingKey, IHostEnvironment environment)
    {
        if (string.IsNullOrEmpty(signingKey))
        {
            return environment.IsDevelopment() ? null
                : throw new InvalidOperationException($"Auth:SigningKey (environment variable Auth__SigningKey) is required outside Development: a secret of at least {AuthOptions.MinimumKeyBytes} bytes. Refusing to start.");
        }
        var bytes = Encoding.UTF8.GetBytes(signingKey);
        return bytes.Length >= AuthOptions.MinimumKeyBytes ? bytes
            : throw new InvalidOperationException($"Auth:SigningKey must be at least {AuthOptions.MinimumKeyBytes} bytes; it has {bytes.Length}. Refusing to start.");
    }

    public SymmetricSecurityKey Key { get; }
    public bool Generated { get; }

    private static void LogGenerated(ILogger logger) => logger.LogWarning(
        "Development: no Auth__SigningKey configured, so this process generated a random signing key. Tokens it issues are not accepted by other API nodes or after a restart. Configure Auth__SigningKey for anything shared.");
}

/// <summary>Issues access tokens (JWT, HMAC-SHA256) and opaque refresh tokens; only refresh-token hashes are stored.</summary>
public sealed class TokenService(IOptions<AuthOptions> options, SigningKeys keys, TimeProvider clock)
{
    private const string RefreshPrefix = "rt1";
    private readonly JsonWebTokenHandler _handler = new();

    public TimeSpan AccessLifetime => TimeSpan.FromMinutes(options.Value.AccessTokenMinutes);

    public DateTimeOffset RefreshExpiry() => clock.GetUtcNow().AddDays(options.Value.RefreshTokenDays);

    public TokenResponse Issue(UserSnapshot user, string familyId, string refreshToken)
    {
        var now = clock.GetUtcNow();
        var descriptor = new SecurityTokenDescriptor
        {
            Issuer = options.Value.Issuer,
            Audience = options.Value.Audience,
            IssuedAt = now.UtcDateTime,
            NotBefore = now.UtcDateTime,
            Expires = (now + AccessLifetime).UtcDateTime,
            SigningCredentials = new SigningCredentials(keys.Key, SecurityAlgorithms.HmacSha256),
            Claims = new Dictionary<string, object>
            {
                [TokenClaims.Subject] = user.Id,
                [TokenClaims.Name] = user.Username,
                [TokenClaims.Role] = user.Role.WireName(),
                [TokenClaims.TokenId] = Guid.NewGuid().ToString("N"),
                [TokenClaims.TokenVersion] = user.TokenVersion,
                [TokenClaims.FamilyId] = familyId,
            },
        };
        return new TokenResponse(_handler.CreateToken(descriptor), refreshToken, "Bearer", (int)AccessLifetime.TotalSeconds);
    }

    /// <summary>A new refresh token for the user's family, and the hash to store: <c>rt1.{user}.{family}.{secret}</c>.</summary>
    public static (string Token, string Hash) NewRefreshToken(string userId, string familyId)
    {
        var secret = Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));
        var token = $"{RefreshPrefix}.{Base64Url.EncodeToString(Encoding.UTF8.GetBytes(userId))}.{familyId}.{secret}";
        return (token, Hash(secret));
    }

    public static bool TryParseRefreshToken(string? token, out string userId, out string familyId, out string hash)
    {
        userId = familyId = hash = "";
        var parts = token?.Split('.');
        if (parts is not [RefreshPrefix, var user, var family, var secret] || family.Length != 32 || secret.Length != 43) return false;
        try
        {
            userId = Encoding.UTF8.GetString(Base64Url.DecodeFromChars(user));
        }
        catch (FormatException)
        {
            return false;
        }
        familyId = family;
        hash = Hash(secret);
        return userId.Length > 0;
    }

    public static string NewFamilyId() => Guid.NewGuid().ToString("N");

    private static string Hash(string secret) => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(secret)));

    public static string? Claim(ClaimsPrincipal principal, string type) => principal.FindFirst(type)?.Value;
}
