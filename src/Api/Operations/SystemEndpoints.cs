using Orleans.Runtime;
using TradingPlatform.Hosting;

namespace TradingPlatform.Api.Operations;

/// <summary><c>/v1/system/status</c>: mode, silos and their status, version, uptime.</summary>
public static class SystemEndpoints
{
    public static RouteGroupBuilder MapSystemEndpoints(this RouteGroupBuilder v1)
    {
        var group = v1.MapGroup("/system").WithTags("System");
        group.MapGet("/status", Status).WithName("GetSystemStatus").WithSummary("Mode, silos with status, version, uptime");
        return group;
    }

    public sealed record SiloState(string Address, string Name, string HostName, string Status, DateTimeOffset StartedAt, DateTimeOffset LastHeartbeatAt);

    public sealed record SystemStatus(string Mode, string Version, string Node, DateTimeOffset StartedAt, double UptimeSeconds, IReadOnlyList<SiloState> Silos);

    private static async Task<Microsoft.AspNetCore.Http.HttpResults.Ok<SystemStatus>> Status(IGrainFactory grains, IConfiguration configuration, TimeProvider clock)
    {
        var now = clock.GetUtcNow();
        var hosts = await grains.GetGrain<IManagementGrain>(0).GetDetailedHosts(onlyActive: false);
        // Dead silos stay in the membership table; show only those that died within the last hour.
        var silos = hosts
            .Where(h => h.Status != SiloStatus.Dead || now - new DateTimeOffset(DateTime.SpecifyKind(h.IAmAliveTime, DateTimeKind.Utc)) < TimeSpan.FromHours(1))
            .OrderBy(h => h.SiloAddress.ToParsableString(), StringComparer.Ordinal)
            .Select(h => new SiloState(
                h.SiloAddress.ToParsableString(),
                h.SiloName,
                h.HostName,
                h.Status.ToString().ToLowerInvariant(),
                new DateTimeOffset(DateTime.SpecifyKind(h.StartTime, DateTimeKind.Utc)),
                new DateTimeOffset(DateTime.SpecifyKind(h.IAmAliveTime, DateTimeKind.Utc))))
            .ToArray();
        var mode = Platform.ModeOf(configuration) == PlatformMode.Embedded ? "embedded" : "cluster";
        return TypedResults.Ok(new SystemStatus(mode, Platform.Version, Environment.MachineName, Platform.StartedAtUtc,
            Math.Round((now - Platform.StartedAtUtc).TotalSeconds, 1), silos));
    }
}
