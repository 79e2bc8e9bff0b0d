using Microsoft.AspNetCore.Authorization;
using TradingPlatform.Identity;

namespace TradingPlatform.Api.Identity;

/// <summary>
/// Authorization policies, one per role. The whole <c>/v1</c> group requires <see cref="Viewer"/>, so an
/// endpoint is never public by accident; endpoints that need more add <see cref="Trader"/> or <see cref="Admin"/>.
/// </summary>
public static class Policies
{
    public const string Viewer = "viewer";
    public const string Trader = "trader";
    public const string Admin = "admin";

    public static string WireName(this Role role) => role switch
    {
        Role.Viewer => "viewer",
        Role.Trader => "trader",
        _ => "admin",
    };

    public static bool TryParseRole(string? value, out Role role)
    {
        role = value switch { "viewer" => Role.Viewer, "trader" => Role.Trader, "admin" => Role.Admin, _ => (Role)(-1) };
        return Enum.IsDefined(role);
    }

    public static AuthorizationBuilder AddRolePolicies(this AuthorizationBuilder builder) => builder
        .AddPolicy(Viewer, p => p.RequireAuthenticatedUser().RequireRole("viewer", "trader", "admin"))
        .AddPolicy(Trader, p => p.RequireAuthenticatedUser().RequireRole("trader", "admin"))
        .AddPolicy(Admin, p => p.RequireAuthenticatedUser().RequireRole("admin"));

    /// <summary>The most privileged role the endpoint's policies require, or null when it is open.</summary>
    public static string? RequiredRole(IEnumerable<object> metadata)
    {
        var list = metadata.ToList();
        if (list.OfType<IAllowAnonymous>().Any()) return null;
        var policies = list.OfType<IAuthorizeData>().Select(a => a.Policy).ToHashSet(StringComparer.Ordinal);
        return policies.Contains(Admin) ? Admin : policies.Contains(Trader) ? Trader : policies.Contains(Viewer) ? Viewer : null;
    }
}

/// <summary>Which rate-limit budget an endpoint draws from.</summary>
public sealed record RateLimitTierMetadata(RateTier Tier);

/// <summary>The endpoint enforces its own budget (e.g. a safety action that must never be refused).</summary>
public sealed record RateLimitEnforcedByEndpointMetadata;

public static class RateLimitEndpointExtensions
{
    public static TBuilder WithRateLimitTier<TBuilder>(this TBuilder builder, RateTier tier) where TBuilder : IEndpointConventionBuilder
    {
        builder.Add(b => b.Metadata.Add(new RateLimitTierMetadata(tier)));
        return builder;
    }

    /// <summary>Reads (GET) draw from the dashboard budget unless they name another.</summary>
    public static RouteGroupBuilder WithDashboardTierForReads(this RouteGroupBuilder group)
    {
        ((IEndpointConventionBuilder)group).Finally(b =>
        {
            var isRead = b.Metadata.OfType<HttpMethodMetadata>().Any(m => m.HttpMethods.Contains(HttpMethods.Get));
            if (isRead && !b.Metadata.OfType<RateLimitTierMetadata>().Any()) b.Metadata.Add(new RateLimitTierMetadata(RateTier.Dashboard));
        });
        return group;
    }
}
