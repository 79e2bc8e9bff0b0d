using Orleans.Concurrency;

namespace TradingPlatform.Topics;

/// <summary>
/// The sequencer of one WebSocket topic (key: the topic name, e.g. <c>fills</c> or <c>backtest:{runId}</c>).
/// Numbers each published event, keeps the newest ones in a bounded in-memory window for resume, and
/// pushes every event to the attached API nodes (one observer per node, not per connection).
/// </summary>
[Alias("topic")]
public interface ITopicGrain : IGrainWithStringKey
{
    /// <summary>Numbers <paramref name="data"/> and sends it to every attached node; returns its seq.</summary>
    [Alias("publish")]
    Task<long> Publish(object data);

    /// <summary>Attaches (or renews the lease of) an API node's observer; returns the last seq numbered so far.</summary>
    [Alias("attach")]
    Task<long> Attach(ITopicObserver observer);

    [Alias("detach"), OneWay]
    Task Detach(ITopicObserver observer);

    /// <summary>Up to <paramref name="max"/> retained events with seq greater than <paramref name="after"/>, oldest first.</summary>
    [Alias("read"), ReadOnly, AlwaysInterleave]
    Task<TopicReplay> Read(long after, int max);
}

/// <summary>An API node's receiver of sequenced events (one per node, shared by every topic it relays).</summary>
[Alias("topic-observer")]
public interface ITopicObserver : IGrainObserver
{
    [Alias("on-event"), OneWay]
    Task OnEvent(TopicEvent topicEvent);
}

/// <summary>
/// The bridge from the domain streams to the topic sequencers (implicit subscriptions; key = the stream key,
/// <c>all</c> or a backtest run id). It has no callable methods.
/// </summary>
[Alias("topic-feed")]
public interface ITopicFeedGrain : IGrainWithStringKey;

public static class TopicGrains
{
    public static ITopicGrain Topic(this IGrainFactory grains, string topic) => grains.GetGrain<ITopicGrain>(topic);
}
