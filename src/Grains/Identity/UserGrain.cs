using Microsoft.Extensions.Logging;
using TradingPlatform.Common;
using TradingPlatform.Storage;

namespace TradingPlatform.Identity;

[GrainType("user")]
public sealed partial class UserGrain(
    [PersistentState("user", StorageNames.Trading)] IPersistentState<UserState> state,
    TimeProvider clock,
    ILogger<UserGrain> logger) : Grain, IUserGrain
{
    // In memory only: losing them with a silo costs a fresh budget, never a wrong answer about a token.
    private readonly LoginFailures _failures = new();
    private readonly Dictionary<RateTier, RateWindow> _windows = [];

    private string Id => this.GetPrimaryKeyString();

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (state.RecordExists && !state.State.Registered) await Register();
    }

    public Task<UserSnapshot?> Get() =>
        Task.FromResult(state.RecordExists ? state.State.ToSnapshot(Id) : null);

    public async Task<UserOutcome> Create(NewUserSpec spec)
    {
        if (state.RecordExists) return new UserOutcome(UserOutcomeKind.Conflict, Detail: $"User '{Id}' already exists.");
        var now = clock.GetUtcNow();
        await Persist(new UserState
        {
            Username = spec.Username,
            PasswordHash = spec.PasswordHash,
            Role = spec.Role,
            CreatedAtUtc = now,
            UpdatedAtUtc = now,
        });
        try
        {
            await Register();
        }
        catch
        {
            DeactivateOnIdle(); // stored but not listed yet: the next activation registers it
            throw;
        }
        LogCreated(logger, Id, spec.Role);
        return new UserOutcome(UserOutcomeKind.Created, state.State.ToSnapshot(Id));
    }

    public async Task<UserOutcome> Update(UserPatch patch)
    {
        if (!state.RecordExists) return new UserOutcome(UserOutcomeKind.NotFound, Detail: $"User '{Id}' does not exist.");
        var current = state.State;
        var roleChanges = patch.Role is { } role && role != current.Role;
        var disabledChanges = patch.Disabled is { } disabled && disabled != current.Disabled;
        if (!roleChanges && !disabledChanges) return new UserOutcome(UserOutcomeKind.Ok, current.ToSnapshot(Id));

        var next = Copy(current);
        next.Role = patch.Role ?? next.Role;
        next.Disabled = patch.Disabled ?? next.Disabled;
        next.TokenVersion++; // every token issued before this change fails on its next request
        next.UpdatedAtUtc = clock.GetUtcNow();
        await Persist(next);
        LogChanged(logger, Id, next.Role, next.Disabled, next.TokenVersion);
        return new UserOutcome(UserOutcomeKind.Ok, next.ToSnapshot(Id));
    }

    public Task<LoginChallenge> BeginLogin(LoginThrottle throttle)
    {
        var locked = _failures.LockedOutForSeconds(clock.GetUtcNow());
        var hash = state.RecordExists && !state.State.Disabled ? state.State.PasswordHash : null;
        return Task.FromResult(new LoginChallenge(locked, locked > 0 ? null : hash));
    }

    public Task<LoginChallenge> LoginFailed(LoginThrottle throttle)
    {
        var now = clock.GetUtcNow();
        _failures.Fail(throttle, now);
        return Task.FromResult(new LoginChallenge(_failures.LockedOutForSeconds(now), null));
    }

    public async Task<UserSnapshot?> LoginSucceeded(RefreshGrant grant)
    {
        if (!state.RecordExists || state.State.Disabled) return null;
        _failures.Reset();
        var now = clock.GetUtcNow();
        var next = Copy(state.State);
        next.Prune(now);
        next.Families[grant.FamilyId] = new RefreshFamily { CurrentHash = grant.TokenHash, ExpiresAtUtc = grant.ExpiresAtUtc };
        await Persist(next);
        return next.ToSnapshot(Id);
    }

    public async Task<RefreshOutcome> Refresh(string presentedHash, RefreshGrant next)
    {
        if (!state.RecordExists || state.State.Disabled) return new RefreshOutcome(RefreshOutcomeKind.Invalid);
        if (!state.State.Families.ContainsKey(next.FamilyId)) return new RefreshOutcome(RefreshOutcomeKind.Invalid);

        var updated = Copy(state.State);
        var family = updated.Families[next.FamilyId];
        var outcome = family.Rotate(presentedHash, next, clock.GetUtcNow());
        if (outcome == RefreshOutcomeKind.Invalid) return new RefreshOutcome(outcome);
        await Persist(updated);
        if (outcome == RefreshOutcomeKind.Reused) LogReuse(logger, Id, next.FamilyId);
        return new RefreshOutcome(outcome, outcome == RefreshOutcomeKind.Rotated ? updated.ToSnapshot(Id) : null);
    }

    public async Task Logout(string tokenId, string familyId, DateTimeOffset tokenExpiresAtUtc)
    {
        if (!state.RecordExists) return;
        var next = Copy(state.State);
        next.Prune(clock.GetUtcNow());
        next.RevokedTokens[tokenId] = tokenExpiresAtUtc;
        if (next.Families.TryGetValue(familyId, out var family)) family.Revoked = true;
        await Persist(next);
    }

    public Task<AccessDecision> Admit(AccessRequest request)
    {
        var user = state.State;
        string? refusal =
            !state.RecordExists ? "unknown user"
            : user.Disabled ? "user disabled"
            : request.TokenVersion != user.TokenVersion ? "token issued before the user's role or status changed"
            : user.RevokedTokens.ContainsKey(request.TokenId) ? "token revoked"
            : user.Families.TryGetValue(request.FamilyId, out var family) && family.Revoked ? "session revoked"
            : null;
        if (refusal is not null) return Task.FromResult(new AccessDecision(false, refusal, null));
        if (request.Tier is not { } tier) return Task.FromResult(new AccessDecision(true, null, null));

        if (!_windows.TryGetValue(tier, out var window)) _windows[tier] = window = new RateWindow();
        var rate = window.Take(request.PermitsPerWindow, request.WindowSeconds, clock.GetUtcNow());
        return Task.FromResult(new AccessDecision(true, null, rate));
    }

    private Task Persist(UserState next) => state.Replace(next, this);

    private async Task Register()
    {
        await GrainFactory.Registry(Registries.Users).Register(Id);
        state.State.Registered = true;
        await state.WriteStateAsync();
    }

    /// <summary>A deep copy, so a failed write leaves the state in memory exactly as stored.</summary>
    private static UserState Copy(UserState s) => new()
    {
        Username = s.Username,
        PasswordHash = s.PasswordHash,
        Role = s.Role,
        Disabled = s.Disabled,
        TokenVersion = s.TokenVersion,
        CreatedAtUtc = s.CreatedAtUtc,
        UpdatedAtUtc = s.UpdatedAtUtc,
        Registered = s.Registered,
        Families = s.Families.ToDictionary(f => f.Key, f => new RefreshFamily
        {
            CurrentHash = f.Value.CurrentHash,
            UsedHashes = [.. f.Value.UsedHashes],
            ExpiresAtUtc = f.Value.ExpiresAtUtc,
            Revoked = f.Value.Revoked,
        }),
        RevokedTokens = new Dictionary<string, DateTimeOffset>(s.RevokedTokens),
    };

    [LoggerMessage(Level = LogLevel.Information, Message = "User {UserId} created with role {Role}")]
    private static partial void LogCreated(ILogger logger, string userId, Role role);

    [LoggerMessage(Level = LogLevel.Information, Message = "User {UserId} changed: role {Role}, disabled {Disabled}; token version now {TokenVersion}")]
    private static partial void LogChanged(ILogger logger, string userId, Role role, bool disabled, int tokenVersion);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Refresh token reused for user {UserId}: family {FamilyId} revoked")]
    private static partial void LogReuse(ILogger logger, string userId, string familyId);
}
