using System.Collections.Concurrent;
using Npgsql;
using Orleans.Core.Internal;
using Orleans.Runtime.Placement;
using Orleans.TestingHost;
using TradingPlatform.Testing;
using TradingPlatform.Tests.Infrastructure;
using TradingPlatform.Topics;

namespace TradingPlatform.Tests.Topics;

/// <summary>
/// A two-silo cluster of its own (a test kills its secondary silo) whose topic sequencers reserve seqs in
/// blocks of <see cref="SequenceBlock"/>, so a few dozen events cross several reservations.
/// </summary>
public sealed class TopicsClusterFixture : ClusterFixture
{
    public const int SequenceBlock = 10;

    protected override void Configure(TestClusterBuilder builder) =>
        builder.Properties["Topics:SequenceBlock"] = SequenceBlock.ToString(System.Globalization.CultureInfo.InvariantCulture);
}

[CollectionDefinition(Name)]
public sealed class TopicsClusterCollection : ICollectionFixture<TopicsClusterFixture>
{
    public const string Name = "topics-cluster";
}

/// <summary>
/// What the topic sequencer promises across the end of an activation, on a real cluster with Postgres storage.
/// Every seq it hands out (a <see cref="ITopicGrain.Publish"/> that returned) is unique and larger than every
/// seq handed out before, whatever happened in between. Within one activation seqs grow by exactly one. A
/// graceful deactivation continues at exactly the next seq. A crash may skip the rest of a reserved block;
/// that jump is never silent: a reader that asks for the skipped numbers gets <c>Truncated</c> (the gateway
/// turns that into <c>resync</c>), so a subscriber never sees two consecutive events whose seqs differ by
/// more than one without being told.
/// </summary>
[Collection(TopicsClusterCollection.Name)]
public sealed class TopicSequencerFailoverTests(TopicsClusterFixture fixture)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);

    private TestCluster Cluster => fixture.Cluster;

    private IGrainFactory Grains => fixture.Cluster.Client;

    private static string NewTopic(string purpose) => TopicNames.Backtest($"{purpose}-{Guid.NewGuid():N}");

    private static async Task<List<long>> PublishAll(ITopicGrain topic, string prefix, int count)
    {
        var seqs = new List<long>(count);
        for (var i = 0; i < count; i++) seqs.Add(await topic.Publish($"{prefix}-{i}"));
        return seqs;
    }

    private static void AssertConsecutive(IReadOnlyList<long> seqs)
    {
        for (var i = 1; i < seqs.Count; i++) Assert.Equal(seqs[i - 1] + 1, seqs[i]);
    }

    private static async Task ActivateOn(ITopicGrain topic, SiloAddress silo)
    {
        // RequestContext is async-local: the placement hint applies to this first (read-only) call only.
        RequestContext.Set(IPlacementDirector.PlacementHintKey, silo);
        try
        {
            await topic.Read(0, 1);
        }
        finally
        {
            RequestContext.Remove(IPlacementDirector.PlacementHintKey);
        }
    }

    private async Task<SiloAddress?> SiloOf(ITopicGrain topic) => await Grains.GetGrain<IManagementGrain>(0).GetActivationAddress(topic);

    /// <summary>Ends the current activation gracefully, and waits until a new one answers (its window is empty).</summary>
    private static async Task Deactivate(ITopicGrain topic)
    {
        await topic.Cast<IGrainManagementExtension>().DeactivateOnIdle();
        await Eventually.True(async () => (await topic.Read(0, 1)).Truncated, Patience, "a fresh activation of the topic (nothing retained)");
    }

    [Fact]
    public async Task After_the_silo_hosting_a_topic_dies_seqs_continue_above_all_handed_out_and_the_jump_is_reported_as_truncated()
    {
        var victim = Cluster.SecondarySilos[0];
        var topic = Grains.Topic(NewTopic("kill"));
        await ActivateOn(topic, victim.SiloAddress);
        Assert.Equal(victim.SiloAddress, await SiloOf(topic));
        var observer = new RecordingObserver();
        var reference = Grains.CreateObjectReference<ITopicObserver>(observer);
        Assert.Equal(0, await topic.Attach(reference));

        // 25 events: three reservations of 10 (the third, 21..30, is only half used when the silo dies).
        var before = await PublishAll(topic, "before", 25);
        Assert.Equal(Enumerable.Range(1, 25).Select(i => (long)i), before);
        await Eventually.True(() => Task.FromResult(observer.Seqs.Count == 25), Patience, "the attached observer got the 25 events");
        Assert.Equal(before, observer.Seqs.Order()); // one-way pushes may arrive out of order; the gateway's pump reorders

        await Cluster.KillSiloAsync(victim);

        // The topic comes back on the survivor (activated by a read-only call, so no publish is retried and
        // none can be numbered twice). It never numbered 1..25 itself: asked for them, it says Truncated.
        var fresh = await Eventually.Get(() => topic.Read(before[^1], 10), r => r is not null, Patience, "the topic grain answering on the surviving silo");
        Assert.True(fresh.Truncated, "a reader at seq 25 must be told that the numbers after it are gone, not handed a jump");
        Assert.True(fresh.LastSeq >= before[^1], $"after the crash the topic reports last seq {fresh.LastSeq}, below {before[^1]} handed out before");
        Assert.Equal(Cluster.Primary?.SiloAddress, await SiloOf(topic));

        var after = await PublishAll(topic, "after", 25);
        Assert.True(after[0] > before[^1], $"seq {after[0]} after the crash does not exceed {before[^1]} handed out before");
        Assert.True(after[0] - before[^1] <= TopicsClusterFixture.SequenceBlock, $"the jump {before[^1]} -> {after[0]} is more than one block");
        AssertConsecutive(after);
        Assert.Equal(before.Count + after.Count, before.Concat(after).Distinct().Count());

        // The new activation's window: exactly the accepted events, each under the seq its publisher was told.
        var replay = await topic.Read(after[0] - 1, 100);
        Assert.False(replay.Truncated);
        Assert.Equal(after, replay.Events.Select(e => e.Seq));
        Assert.Equal(Enumerable.Range(0, 25).Select(i => $"after-{i}"), replay.Events.Select(e => (string)e.Data));

        // Observers are in memory: a node learns of the new activation by renewing its lease (Attach), which
        // tells it the last seq; what it sees live from then on goes up by one again.
        Assert.Equal(after[^1], await topic.Attach(reference));
        var live = await PublishAll(topic, "live", 3);
        Assert.Equal(after[^1] + 1, live[0]);
        await Eventually.True(() => Task.FromResult(observer.Seqs.Count == 28), Patience, "the re-attached observer got the live events");
        Assert.Equal(before.Concat(live), observer.Seqs.Order());
        AssertConsecutive(live);
    }

    [Fact]
    public async Task A_graceful_deactivation_continues_at_exactly_the_next_seq_and_readers_need_no_resync()
    {
        var topic = Grains.Topic(NewTopic("move"));
        var first = await PublishAll(topic, "first", 25);
        Assert.Equal(Enumerable.Range(1, 25).Select(i => (long)i), first);

        await Deactivate(topic);

        // The new activation hands out 26 (not 31 above the reserved block): a node or client at 25 reads on.
        var resumed = await topic.Read(first[^1], 10);
        Assert.False(resumed.Truncated);
        Assert.Equal(first[^1], resumed.LastSeq);
        var second = await PublishAll(topic, "second", 12); // crosses the next reservation (26..35, 36..45)
        Assert.Equal(first[^1] + 1, second[0]);
        AssertConsecutive(second);
        var replay = await topic.Read(first[^1], 100);
        Assert.False(replay.Truncated);
        Assert.Equal(second, replay.Events.Select(e => e.Seq));

        // Twice in a row, at a block boundary too.
        await Deactivate(topic);
        var third = await PublishAll(topic, "third", 3);
        Assert.Equal(second[^1] + 1, third[0]);
        AssertConsecutive(first.Concat(second).Concat(third).ToList());
    }

    /// <summary>
    /// A reservation whose storage write fails (database error, outage) must not be used: the grain would
    /// otherwise number events from a block that was never stored, and its next activation would hand the
    /// same seqs out again — which API nodes drop as already seen, so subscribers would silently miss them.
    /// </summary>
    [Fact]
    public async Task A_failed_reservation_write_never_leads_to_a_seq_being_handed_out_twice()
    {
        var name = NewTopic("refused");
        var topic = Grains.Topic(name);
        var first = await PublishAll(topic, "first", 10); // 1..10: the first block, used up
        Assert.Equal(Enumerable.Range(1, 10).Select(i => (long)i), first);

        await using (await RefuseWrites(name))
        {
            await Assert.ThrowsAnyAsync<Exception>(() => topic.Publish("refused")); // the reservation of 11..20 fails
        }

        // The database is back: publish, end the activation gracefully, publish again.
        var accepted = new List<long>(first);
        accepted.AddRange(await PublishAll(topic, "after-failure", 3));
        await Deactivate(topic);
        accepted.AddRange(await PublishAll(topic, "after-deactivation", 3));

        for (var i = 1; i < accepted.Count; i++)
            Assert.True(accepted[i] > accepted[i - 1], $"seq {accepted[i]} handed out after {accepted[i - 1]}: [{string.Join(", ", accepted)}]");
        Assert.Equal(accepted.Count, accepted.Distinct().Count());
        var replay = await topic.Read(accepted[^4], 10);
        Assert.False(replay.Truncated);
        Assert.Equal(accepted.TakeLast(3), replay.Events.Select(e => e.Seq));
        Assert.Equal(Enumerable.Range(0, 3).Select(i => $"after-deactivation-{i}"), replay.Events.Select(e => (string)e.Data));
    }

    /// <summary>Makes Postgres reject every update of this topic's state row (an error, not an etag conflict) until disposed.</summary>
    private async Task<IAsyncDisposable> RefuseWrites(string topic)
    {
        var function = $"refuse_{Guid.NewGuid():N}";
        await Sql($$"""
            CREATE FUNCTION {{function}}() RETURNS trigger LANGUAGE plpgsql AS $f$
            BEGIN
              IF NEW.grainidextensionstring = '{{topic}}' THEN RAISE EXCEPTION 'test: storage unavailable'; END IF;
              RETURN NEW;
            END $f$;
            CREATE TRIGGER {{function}} BEFORE UPDATE ON orleansstorage FOR EACH ROW EXECUTE FUNCTION {{function}}();
            """);
        return new Undo(() => Sql($"DROP TRIGGER {function} ON orleansstorage; DROP FUNCTION {function}();"));
    }

    private async Task Sql(string text)
    {
        await using var connection = new NpgsqlConnection(fixture.Database.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(text, connection);
        await command.ExecuteNonQueryAsync();
    }

    private sealed class Undo(Func<Task> undo) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync() => await undo();
    }

    /// <summary>Stands for an API node's observer: records the seqs pushed to it (arrival order is not guaranteed).</summary>
    private sealed class RecordingObserver : ITopicObserver
    {
        private readonly ConcurrentQueue<long> _seqs = new();

        public List<long> Seqs => [.. _seqs];

        public Task OnEvent(TopicEvent topicEvent)
        {
            _seqs.Enqueue(topicEvent.Seq);
            return Task.CompletedTask;
        }
    }
}
