using Microsoft.Extensions.Logging;
using Orleans.Streams;
using Orleans.Streams.Core;
using TradingPlatform.Common;
using TradingPlatform.Portfolio;
using TradingPlatform.Positions;
using TradingPlatform.Risk;
using TradingPlatform.Strategies;

namespace TradingPlatform.Topics;

/// <summary>
/// Feeds the topic sequencers from the domain streams (implicit subscriptions; this grain's key is the
/// stream key: <c>all</c>, or a backtest run id). The PnL stream becomes three topics: <c>fills</c> (events
/// that carry a fill, once per fill), <c>positions</c> (every position snapshot) and <c>pnl</c> (when a
/// position's PnL changed). The others map one to one; <c>backtest/{runId}</c> feeds <c>backtest:{runId}</c>.
/// Each event is awaited by its topic grain before the next is taken, so topic order is stream order.
/// </summary>
[GrainType("topic-feed")]
[ImplicitStreamSubscription(TradingStreams.Pnl)]
[ImplicitStreamSubscription(TradingStreams.Strategies)]
[ImplicitStreamSubscription(TradingStreams.KillSwitch)]
[ImplicitStreamSubscription(TradingStreams.Alerts)]
[ImplicitStreamSubscription(TradingStreams.Backtest)]
public sealed partial class TopicFeedGrain(ILogger<TopicFeedGrain> logger) : Grain, ITopicFeedGrain, IStreamSubscriptionObserver
{
    /// <summary>Per position, the newest fill sequence relayed and the last PnL sent: replays and marks without a PnL change are not repeated.</summary>
    private readonly Dictionary<string, (long FillSequence, decimal Realized, decimal Unrealized)> _positions = new(StringComparer.Ordinal);

    public async Task OnSubscribed(IStreamSubscriptionHandleFactory handleFactory)
    {
        var key = handleFactory.StreamId.GetKeyAsString();
        switch (handleFactory.StreamId.GetNamespace())
        {
            case TradingStreams.Pnl:
                await handleFactory.Create<PositionChanged>().ResumeAsync((change, _) => OnPositionChanged(change));
                break;
            case TradingStreams.Strategies:
                await handleFactory.Create<StrategySnapshot>().ResumeAsync((strategy, _) => Publish(TopicNames.Strategies, strategy));
                break;
            case TradingStreams.KillSwitch:
                await handleFactory.Create<KillSwitchSnapshot>().ResumeAsync((snapshot, _) => Publish(TopicNames.KillSwitch, snapshot));
                break;
            case TradingStreams.Alerts:
                await handleFactory.Create<Alert>().ResumeAsync((alert, _) => Publish(TopicNames.Alerts, alert));
                break;
            case TradingStreams.Backtest when TopicNames.IsValidRunId(key):
                await handleFactory.Create<object>().ResumeAsync((progress, _) => Publish(TopicNames.Backtest(key), progress));
                break;
        }
    }

    private async Task OnPositionChanged(PositionChanged change)
    {
        var position = change.Position;
        var key = PositionKey.Of(position.StrategyId, position.Symbol);
        var known = _positions.TryGetValue(key, out var held);
        var publishes = new List<Task>(3);
        var fillSequence = held.FillSequence;
        if (change.Fill is { } fill && fill.Sequence > held.FillSequence)
        {
            fillSequence = fill.Sequence;
            publishes.Add(Publish(TopicNames.Fills, fill));
        }
        publishes.Add(Publish(TopicNames.Positions, position));
        if (!known || held.Realized != position.RealizedPnl || held.Unrealized != position.UnrealizedPnl)
        {
            publishes.Add(Publish(TopicNames.Pnl, new PnlChange(position.StrategyId, position.Symbol, position.RealizedPnl,
                position.UnrealizedPnl, position.TotalPnl, position.Quantity, position.LastPrice, position.UpdatedAtUtc)));
        }
        _positions[key] = (fillSequence, position.RealizedPnl, position.UnrealizedPnl);
        await Task.WhenAll(publishes); // different topics in parallel; each topic still in stream order
    }

    private async Task Publish(string topic, object data)
    {
        try
        {
            await GrainFactory.Topic(topic).Publish(data);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // The event is stored elsewhere already (journal, grain state); subscribers that miss it resync.
            LogPublishFailed(logger, e, topic);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not sequence an event for topic {Topic}")]
    private static partial void LogPublishFailed(ILogger logger, Exception exception, string topic);
}
