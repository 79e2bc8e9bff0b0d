using TradingPlatform.Topics;

namespace TradingPlatform.Tests.Topics;

public sealed class RetainedWindowTests
{
    private static RetainedWindow Filled(int capacity, long from, long to)
    {
        var window = new RetainedWindow(capacity);
        for (var seq = from; seq <= to; seq++) window.Add(new TopicEvent("fills", seq, DateTimeOffset.UnixEpoch, seq));
        return window;
    }

    [Fact]
    public void A_read_returns_the_events_after_the_given_seq_in_order()
    {
        var replay = Filled(100, 1, 10).Read(after: 4, max: 100, lastSeq: 10);

        Assert.False(replay.Truncated);
        Assert.Equal([5L, 6, 7, 8, 9, 10], replay.Events.Select(e => e.Seq));
    }

    [Fact]
    public void Only_the_newest_capacity_events_are_kept_and_older_reads_are_truncated()
    {
        var window = Filled(16, 1, 100);

        Assert.Equal(16, window.Count);
        Assert.Equal(85, window.FirstSeq);
        Assert.True(window.Read(after: 83, max: 100, lastSeq: 100).Truncated);
        Assert.Equal(Enumerable.Range(85, 16).Select(i => (long)i), window.Read(after: 84, max: 100, lastSeq: 100).Events.Select(e => e.Seq));
    }

    [Fact]
    public void A_read_is_paged_by_max()
    {
        var replay = Filled(100, 1, 50).Read(after: 0, max: 20, lastSeq: 50);

        Assert.Equal(Enumerable.Range(1, 20).Select(i => (long)i), replay.Events.Select(e => e.Seq));
        Assert.Equal(50, replay.LastSeq);
    }

    [Fact]
    public void Reading_at_the_head_is_empty_and_past_the_head_is_truncated()
    {
        var window = Filled(100, 1, 5);

        Assert.Empty(window.Read(after: 5, max: 10, lastSeq: 5).Events);
        Assert.False(window.Read(after: 5, max: 10, lastSeq: 5).Truncated);
        Assert.True(window.Read(after: 6, max: 10, lastSeq: 5).Truncated);
    }

    [Fact]
    public void After_a_restart_above_a_reserved_block_older_seqs_are_truncated()
    {
        // A reactivated topic starts after its reserved block (here 1000): it never numbered 1..1000 itself.
        var window = new RetainedWindow(100);

        Assert.True(window.Read(after: 7, max: 10, lastSeq: 1000).Truncated);
        Assert.False(window.Read(after: 1000, max: 10, lastSeq: 1000).Truncated);
        window.Add(new TopicEvent("fills", 1001, DateTimeOffset.UnixEpoch, 1));
        Assert.Equal([1001L], window.Read(after: 1000, max: 10, lastSeq: 1001).Events.Select(e => e.Seq));
    }

    [Fact]
    public void An_event_that_does_not_follow_the_newest_one_is_refused()
    {
        var window = Filled(10, 1, 3);

        Assert.Throws<ArgumentException>(() => window.Add(new TopicEvent("fills", 5, DateTimeOffset.UnixEpoch, 5)));
    }
}
