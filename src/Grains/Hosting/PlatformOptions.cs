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

    /// <summary>Fast failure detection: a killed silo is declared dead within a few seconds.</summary>
    [Range(1, 60)] public int ProbeTimeoutSeconds { get; set; } = 1;

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
