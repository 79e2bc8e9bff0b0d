using System.Globalization;
using Orleans.TestingHost;
using TradingPlatform.Tests.Infrastructure;

namespace TradingPlatform.Tests.Hosting;

/// <summary>
/// A two-silo cluster whose memory-related settings differ from every default, so a test can tell a configured value
/// that reached the silo from a default that was there anyway.
/// </summary>
public sealed class TunedClusterFixture : ClusterFixture
{
    public const int CacheMaxAgeSeconds = 77;
    public const int CacheMinTimeSeconds = 33;
    public const int CollectionAgeMinutes = 7;
    public const int RecentOrdersInMemory = 3;
    public const int StreamQueues = 3;
    public const int StreamPollMilliseconds = 7;

    protected override void Configure(TestClusterBuilder builder)
    {
        builder.Properties["Streams:CacheMaxAgeSeconds"] = CacheMaxAgeSeconds.ToString(CultureInfo.InvariantCulture);
        builder.Properties["Streams:CacheMinTimeSeconds"] = CacheMinTimeSeconds.ToString(CultureInfo.InvariantCulture);
        builder.Properties["Streams:Queues"] = StreamQueues.ToString(CultureInfo.InvariantCulture);
        builder.Properties["Streams:PollMilliseconds"] = StreamPollMilliseconds.ToString(CultureInfo.InvariantCulture);
        builder.Properties["Orleans:CollectionAgeMinutes"] = CollectionAgeMinutes.ToString(CultureInfo.InvariantCulture);
        builder.Properties["Strategies:RecentOrdersInMemory"] = RecentOrdersInMemory.ToString(CultureInfo.InvariantCulture);
    }
}

[CollectionDefinition(Name)]
public sealed class TunedClusterCollection : ICollectionFixture<TunedClusterFixture>
{
    public const string Name = "tuned-cluster";
}
