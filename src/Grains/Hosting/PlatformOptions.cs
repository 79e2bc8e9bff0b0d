using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Configuration;

namespace TradingPlatform.Hosting;

public enum PlatformMode
{
    /// <summary>One process, co-hosted silo, everything in memory.</summary>
    Embedded,

    /// <summary>Silos and API nodes against one PostgreSQL database.</summary>
    Cluster,
}

/// <summary>Cluster identity, ports and timeouts (configuration section <c>Orleans</c>).</summary>
public sealed class TradingClusterOptions
{
    public const string SectionName = "Orleans";

    [Required] public string ClusterId { get; set; } = "tradingplatform";

    /// <summary>Part of every storage and reminder key: keep it stable for the life of a deployment.</summary>
    [Required] public string ServiceId { get; set; } = "tradingplatform";

    [Range(1, 65535)] public int SiloPort { get; set; } = 11111;

    [Range(1, 65535)] public int GatewayPort { get; set; } = 30000;

    /// <summary>Host name or IP other silos and clients use to reach this silo. Default: loopback.</summary>
    public string? AdvertisedHost { get; set; }

    /// <summary>How long a grain call may wait for an answer (a call through a dead silo waits this long).</summary>
    [Range(1, 300)] public int ResponseTimeoutSeconds { get; set; } = 10;

    /// <summary>
    /// API nodes send an idempotent grain call (a read, or admission) again when the cluster fails it transiently,
    /// while less than this many seconds have passed since its first attempt (0: never). One such call answers or
    /// fails within <c>IdempotentRetrySeconds + ResponseTimeoutSeconds</c>. Above <see cref="ResponseTimeoutSeconds"/>
    /// (the default, 12, is), so that a call that timed out (its message was stuck with a silo that stopped) is sent
    /// once more. See <see cref="IdempotentRetryFilter"/>.
    /// </summary>
    [Range(0, 300)] public int IdempotentRetrySeconds { get; set; } = 12;

    /// <summary>Fast failure detection: a killed silo is declared dead within a few seconds.</summary>
    [Range(1, 60)] public int ProbeTimeoutSeconds { get; set; } = 1;

    /// <summary>
    /// Probes a silo may miss in a row before its prober suspects it. With <see cref="ProbeTimeoutSeconds"/> = 1, a
    /// killed silo is suspected after about 3 s; fewer made a silo that was starting on busy cores (its first seconds
    /// are JIT-bound) miss two probes, be declared dead and stop itself.
    /// </summary>
    [Range(1, 10)] public int MissedProbesLimit { get; set; } = 3;

    /// <summary>
    /// Suspicions (from distinct silos) that declare a silo dead; Orleans caps it at half the active silos, so two
    /// silos still declare each other with one. One vote let a single overloaded prober evict a healthy silo.
    /// </summary>
    [Range(1, 10)] public int VotesForDeathDeclaration { get; set; } = 2;

    /// <summary>
    /// Minutes an activation may stay idle before the silo collects it (Orleans' <c>GrainCollectionOptions.CollectionAge</c>,
    /// whose default is also 15). Above Orleans' one-minute collection quantum. Grains made per request (one per
    /// backtest run, its progress stream's pub/sub grain) stay this long after their last call, so a load of N such
    /// requests a minute keeps about N × this many of them in memory.
    /// </summary>
    [Range(2, 1440)] public int CollectionAgeMinutes { get; set; } = 15;

    public static TradingClusterOptions From(IConfiguration configuration) =>
        configuration.GetSection(SectionName).Get<TradingClusterOptions>() ?? new TradingClusterOptions();
}

public static class Platform
{
    public const string ConnectionStringName = "Postgres";

    public static string? PostgresConnectionString(IConfiguration configuration)
    {
        var value = configuration.GetConnectionString(ConnectionStringName);
        return string.IsNullOrWhiteSpace(value) ? null : value;
    }

    public static PlatformMode ModeOf(IConfiguration configuration) =>
        PostgresConnectionString(configuration) is null ? PlatformMode.Embedded : PlatformMode.Cluster;

    public static string Version { get; } =
        typeof(Platform).Assembly.GetCustomAttributes(typeof(System.Reflection.AssemblyInformationalVersionAttribute), false)
            .OfType<System.Reflection.AssemblyInformationalVersionAttribute>().FirstOrDefault()?.InformationalVersion.Split('+')[0]
        ?? "0.0.0";

    public static DateTimeOffset StartedAtUtc { get; } = DateTimeOffset.UtcNow;
}
