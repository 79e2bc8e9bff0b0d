using TradingPlatform.Hosting;

namespace TradingPlatform.Silo;

/// <summary>
/// A silo process: Orleans on Postgres (or in memory without a connection string, for local
/// experiments), plus a small HTTP surface for operators: <c>/health</c>, <c>/health/ready</c>, <c>/metrics</c>.
/// </summary>
public static partial class SiloHostExtensions
{
    /// <summary>Where the silo's operator endpoints listen unless ASPNETCORE_URLS / --urls say otherwise.</summary>
    public const string DefaultUrls = "http://127.0.0.1:5101";

    public static WebApplicationBuilder AddTradingSilo(this WebApplicationBuilder builder)
    {
        if (string.IsNullOrEmpty(builder.Configuration["urls"]) && string.IsNullOrEmpty(builder.Configuration["http_ports"]))
            builder.WebHost.UseUrls(DefaultUrls);

        builder.AddTradingServiceDefaults();
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(30));
        builder.UseOrleans(silo => silo.UseTradingCluster(builder.Configuration));
        builder.Services.AddHostedService<ModeBanner>();
        return builder;
    }

    private sealed partial class ModeBanner(IConfiguration configuration, ILogger<ModeBanner> logger) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken)
        {
            var options = TradingClusterOptions.From(configuration);
            if (Platform.ModeOf(configuration) == PlatformMode.Cluster)
                LogCluster(logger, options.ClusterId, options.SiloPort, options.GatewayPort);
            else
                LogEmbedded(logger);
            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        [LoggerMessage(Level = LogLevel.Information, Message = "Silo started in cluster {ClusterId} on Postgres (silo port {SiloPort}, gateway port {GatewayPort})")]
        private static partial void LogCluster(ILogger logger, string clusterId, int siloPort, int gatewayPort);

        [LoggerMessage(Level = LogLevel.Warning, Message = "Silo started WITHOUT ConnectionStrings__Postgres: localhost clustering and in-memory state; NOTHING IS DURABLE")]
        private static partial void LogEmbedded(ILogger logger);
    }
}
