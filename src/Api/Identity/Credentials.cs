using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Identity;

namespace TradingPlatform.Api.Identity;

/// <summary>Usernames and passwords: rules, normalization, and hashing with ASP.NET Core Identity's PBKDF2 hasher.</summary>
public sealed partial class Credentials
{
    public const int MinPasswordLength = 10;
    public const int MaxPasswordLength = 256;

    private readonly PasswordHasher<string> _hasher = new();
    private readonly string _dummyHash;

    public Credentials()
    {
        // Verifying an unknown user's password against this costs the same as a real check,
        // so response time does not tell whether a username exists.
        _dummyHash = _hasher.HashPassword("", Guid.NewGuid().ToString());
    }

    [GeneratedRegex("^[a-z0-9][a-z0-9._@-]{2,63}$", RegexOptions.CultureInvariant)]
    private static partial Regex UsernamePattern();

    public static string Normalize(string username) => username.Trim().ToLowerInvariant();

    public static bool IsValidUsername(string normalized) => UsernamePattern().IsMatch(normalized);

    public static string? PasswordProblem(string? password) =>
        password is null ? "Required."
        : password.Length < MinPasswordLength ? $"At least {MinPasswordLength} characters."
        : password.Length > MaxPasswordLength ? $"At most {MaxPasswordLength} characters."
        : null;

    public string Hash(string password) => _hasher.HashPassword("", password);

    /// <summary>True when <paramref name="password"/> matches; with no hash, spends the same time and says false.</summary>
    public bool Verify(string? hash, string password)
    {
        var result = _hasher.VerifyHashedPassword("", hash ?? _dummyHash, password);
        return hash is not null && result != PasswordVerificationResult.Failed;
    }
}
