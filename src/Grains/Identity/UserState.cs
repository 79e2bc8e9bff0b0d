namespace TradingPlatform.Identity;

/// <summary>The persisted state of one user. Stored as JSON; property names are its schema.</summary>
[GenerateSerializer, Alias("user-state.v1")]
public sealed class UserState
{
    [Id(0)] public string Username { get; set; } = "";
    [Id(1)] public string PasswordHash { get; set; } = "";
    [Id(2)] public Role Role { get; set; }
    [Id(3)] public bool Disabled { get; set; }
    [Id(4)] public int TokenVersion { get; set; } = 1;
    [Id(5)] public DateTimeOffset CreatedAtUtc { get; set; }
    [Id(6)] public DateTimeOffset UpdatedAtUtc { get; set; }
    [Id(7)] public bool Registered { get; set; }

    /// <summary>Open refresh-token families by id.</summary>
    [Id(8)] public Dictionary<string, RefreshFamily> Families { get; set; } = [];

    /// <summary>Revoked access-token ids with the time the token would have expired anyway.</summary>
    [Id(9)] public Dictionary<string, DateTimeOffset> RevokedTokens { get; set; } = [];

    public UserSnapshot ToSnapshot(string id) => new(id, Username, Role, Disabled, TokenVersion, CreatedAtUtc, UpdatedAtUtc);

    /// <summary>Drops what can no longer matter: expired families and revocations of expired tokens.</summary>
    public void Prune(DateTimeOffset nowUtc)
    {
        foreach (var id in Families.Where(f => f.Value.ExpiresAtUtc < nowUtc).Select(f => f.Key).ToArray()) Families.Remove(id);
        foreach (var id in RevokedTokens.Where(t => t.Value < nowUtc).Select(t => t.Key).ToArray()) RevokedTokens.Remove(id);
    }
}

/// <summary>
/// One login's chain of refresh tokens. Only the newest token is valid; presenting an older one means
/// it was stolen or replayed, and revokes the family (and every access token issued from it).
/// Only SHA-256 hashes of tokens are kept.
/// </summary>
[GenerateSerializer, Alias("refresh-family.v1")]
public sealed class RefreshFamily
{
    public const int MaxUsedHashes = 500;

    [Id(0)] public string CurrentHash { get; set; } = "";
    [Id(1)] public List<string> UsedHashes { get; set; } = [];
    [Id(2)] public DateTimeOffset ExpiresAtUtc { get; set; }
    [Id(3)] public bool Revoked { get; set; }

    public RefreshOutcomeKind Rotate(string presentedHash, RefreshGrant next, DateTimeOffset nowUtc)
    {
        if (UsedHashes.Contains(presentedHash))
        {
            Revoked = true;
            return RefreshOutcomeKind.Reused;
        }
        if (Revoked || ExpiresAtUtc < nowUtc || !string.Equals(presentedHash, CurrentHash, StringComparison.Ordinal))
            return RefreshOutcomeKind.Invalid;
        UsedHashes.Add(CurrentHash);
        if (UsedHashes.Count > MaxUsedHashes) UsedHashes.RemoveAt(0);
        CurrentHash = next.TokenHash;
        ExpiresAtUtc = next.ExpiresAtUtc;
        return RefreshOutcomeKind.Rotated;
    }
}
