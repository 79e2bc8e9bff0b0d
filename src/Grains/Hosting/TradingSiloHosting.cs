using System.ComponentModel.DataAnnotations;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using Orleans.Serialization.Serializers;
using TradingPlatform.Storage;

namespace TradingPlatform.Hosting;

/// <summary>The one place that configures a silo and an Orleans client, for every host and the tests.</summary>
public static class TradingSiloHosting
{
    private const string Invariant = "Npgsql";

    /// <summary>Grain-side services and providers that do not depend on where state lives.</summary>
    public static ISiloBuilder AddTradingGrains(this ISiloBuilder silo)
    {
        silo.Services.AddTradingServices(silo.Configuration);
        silo.AddIncomingGrainCallFilter<StorageFaultFilter>();
        silo.Services.AddSingleton<IGeneralizedCodec, StorageFaultCodec>(); // what the filter cannot see: failed activations
        silo.Services.AddOptions<StreamCacheOptions>().Bind(silo.Configuration.GetSection(StreamCacheOptions.SectionName)).ValidateDataAnnotations().ValidateOnStart();
        // Agents poll the memory queues every 10 ms by default instead of Orleans' 100 ms: the WebSocket topics
        // (fill -> subscriber) ride on these streams and aim at p99 < 50 ms. Their cache keeps minutes of events, not
        // Orleans' half hour (see StreamCacheOptions).
        var streamOptions = StreamCacheOptions.From(silo.Configuration);
        silo.AddMemoryStreams(StorageNames.Streams, streams =>
        {
            streams.ConfigurePartitioning(streamOptions.Queues);
            streams.ConfigurePullingAgent(agent => agent.Configure(o => o.GetQueueMsgsTimerPeriod = TimeSpan.FromMilliseconds(streamOptions.PollMilliseconds)));
            streams.ConfigureCacheEviction(eviction => eviction.Configure<IOptions<StreamCacheOptions>>((o, cache) =>
            {
                o.DataMaxAgeInCache = TimeSpan.FromSeconds(cache.Value.CacheMaxAgeSeconds);
                o.DataMinTimeInCache = TimeSpan.FromSeconds(cache.Value.CacheMinTimeSeconds);
            }));
        });
        // An idle activation stays for this long (grains made per request, e.g. one per backtest run, included).
        // Refused while the silo is configured, by the option's own [Range] (one statement of the bounds).
        var cluster = TradingClusterOptions.From(silo.Configuration);
        var refused = new List<ValidationResult>();
        if (!Validator.TryValidateProperty(cluster.CollectionAgeMinutes, new ValidationContext(cluster) { MemberName = nameof(cluster.CollectionAgeMinutes) }, refused))
            throw new OptionsValidationException(TradingClusterOptions.SectionName, typeof(TradingClusterOptions), [.. refused.Select(r => r.ErrorMessage ?? nameof(cluster.CollectionAgeMinutes))]);
        silo.Configure<GrainCollectionOptions>(o => o.CollectionAge = TimeSpan.FromMinutes(cluster.CollectionAgeMinutes));
        return silo;
    }

    /// <summary>
    /// Clustering, storage and reminders from configuration: Postgres (ADO.NET) when
    /// <c>ConnectionStrings:Postgres</c> is set, otherwise localhost clustering and memory.
    /// </summary>
    public static ISiloBuilder UseTradingCluster(this ISiloBuilder silo, IConfiguration configuration)
    {
        var options = TradingClusterOptions.From(configuration);
        var connectionString = Platform.PostgresConnectionString(configuration);
        silo.Configure<SiloMessagingOptions>(o => o.ResponseTimeout = TimeSpan.FromSeconds(options.ResponseTimeoutSeconds));

        if (connectionString is null)
        {
            silo.UseLocalhostClustering(options.SiloPort, options.GatewayPort, null, options.ServiceId, options.ClusterId);
        }
        else
        {
            silo.Configure<ClusterOptions>(o =>
            {
                o.ClusterId = options.ClusterId;
                o.ServiceId = options.ServiceId;
            });
            silo.ConfigureEndpoints(AdvertisedAddress(options.AdvertisedHost), options.SiloPort, options.GatewayPort, listenOnAnyHostAddress: options.AdvertisedHost is not null);
            silo.UseAdoNetClustering(o =>
            {
                o.Invariant = Invariant;
                o.ConnectionString = connectionString;
            });
            silo.Configure<ClusterMembershipOptions>(o =>
            {
                // A killed silo is declared dead in about four seconds instead of about twelve (Orleans' defaults).
                o.ProbeTimeout = TimeSpan.FromSeconds(options.ProbeTimeoutSeconds);
                o.NumMissedProbesLimit = options.MissedProbesLimit;
                o.NumVotesForDeathDeclaration = options.VotesForDeathDeclaration;
                o.TableRefreshTimeout = TimeSpan.FromSeconds(2);
                o.IAmAliveTablePublishTimeout = TimeSpan.FromSeconds(2);
                o.DeathVoteExpirationTimeout = TimeSpan.FromSeconds(10);
            });
        }
        return silo.AddTradingPersistence(configuration).AddTradingGrains();
    }

    /// <summary>Grain storage, stream pub/sub state and reminders: on Postgres when configured, else in memory.</summary>
    public static ISiloBuilder AddTradingPersistence(this ISiloBuilder silo, IConfiguration configuration)
    {
        var connectionString = Platform.PostgresConnectionString(configuration);
        if (connectionString is null)
        {
            silo.AddMemoryGrainStorage(StorageNames.Trading);
            silo.AddMemoryGrainStorage(StorageNames.PubSub);
            silo.UseInMemoryReminderService();
            silo.Services.PostConfigure<Topics.TopicOptions>(o => o.StateOutlivesSilo = false);
            return silo;
        }
        // Our state as JSON, Orleans' pub/sub state (kept in the storage named like the stream provider, "trading")
        // with Orleans' serializer: see TradingGrainStorageSerializer.
        foreach (var name in new[] { StorageNames.Trading, StorageNames.PubSub })
        {
            silo.AddAdoNetGrainStorage(name, (Microsoft.Extensions.Options.OptionsBuilder<AdoNetGrainStorageOptions> storage) =>
                storage.Configure<Orleans.Serialization.Serializer>((o, serializer) =>
                {
                    o.Invariant = Invariant;
                    o.ConnectionString = connectionString;
                    o.GrainStorageSerializer = new TradingGrainStorageSerializer(serializer);
                }));
        }
        silo.UseAdoNetReminderService(o =>
        {
            o.Invariant = Invariant;
            o.ConnectionString = connectionString;
        });
        return silo;
    }

    /// <summary>An external client of a Postgres-backed cluster (API nodes in cluster mode).</summary>
    public static IClientBuilder UseTradingClusterClient(this IClientBuilder client, IConfiguration configuration)
    {
        var options = TradingClusterOptions.From(configuration);
        var connectionString = Platform.PostgresConnectionString(configuration)
            ?? throw new InvalidOperationException("An external Orleans client needs ConnectionStrings:Postgres.");
        client.Configure<ClusterOptions>(o =>
        {
            o.ClusterId = options.ClusterId;
            o.ServiceId = options.ServiceId;
        });
        client.Configure<ClientMessagingOptions>(o => o.ResponseTimeout = TimeSpan.FromSeconds(options.ResponseTimeoutSeconds));
        client.Configure<GatewayOptions>(o => o.GatewayListRefreshPeriod = TimeSpan.FromSeconds(5));
        client.UseAdoNetClustering(o =>
        {
            o.Invariant = Invariant;
            o.ConnectionString = connectionString;
        });
        client.AddMemoryStreams(StorageNames.Streams, streams => streams.ConfigurePartitioning(StreamCacheOptions.From(configuration).Queues));
        client.UseConnectionRetryFilter<RetryUntilClusterAnswers>();
        // Reads (and admission) survive a silo leaving or dying; writes are sent once (the caller retries with its own key).
        client.AddOutgoingGrainCallFilter<IdempotentRetryFilter>();
        return client;
    }

    private static IPAddress AdvertisedAddress(string? host)
    {
        if (string.IsNullOrWhiteSpace(host)) return IPAddress.Loopback;
        if (IPAddress.TryParse(host, out var address)) return address;
        return Dns.GetHostAddresses(host).First(a => a.AddressFamily == AddressFamily.InterNetwork);
    }

    /// <summary>API nodes may start before any silo: keep trying, with a short pause, until one answers.</summary>
    private sealed class RetryUntilClusterAnswers : IClientConnectionRetryFilter
    {
        public async Task<bool> ShouldRetryConnectionAttempt(Exception exception, CancellationToken cancellationToken)
        {
            await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
            return !cancellationToken.IsCancellationRequested;
        }
    }
}
