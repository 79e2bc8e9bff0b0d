using System.Collections.Immutable;

namespace TradingPlatform.Topics;

/// <summary>
/// The newest events of one topic, at most <c>capacity</c>, in seq order (a ring that grows on demand up
/// to its capacity). Pure logic: no Orleans, unit-tested directly.
/// </summary>
public sealed class RetainedWindow(int capacity)
{
    private TopicEvent[] _ring = new TopicEvent[Math.Min(capacity, 64)];
    private int _start;

    public int Count { get; private set; }

    public int Capacity => capacity;

    /// <summary>Seq of the oldest retained event (meaningless when empty).</summary>
    public long FirstSeq => Count == 0 ? 0 : _ring[_start].Seq;

    /// <summary>Appends the next event; its seq must follow the newest retained one.</summary>
    public void Add(TopicEvent topicEvent)
    {
        if (Count > 0 && topicEvent.Seq != At(Count - 1).Seq + 1)
            throw new ArgumentException($"Seq {topicEvent.Seq} does not follow {At(Count - 1).Seq}.", nameof(topicEvent));
        if (Count == capacity)
        {
            _ring[_start] = topicEvent;
            _start = (_start + 1) % _ring.Length;
            return;
        }
        if (Count == _ring.Length) Grow();
        _ring[(_start + Count) % _ring.Length] = topicEvent;
        Count++;
    }

    /// <summary>
    /// Up to <paramref name="max"/> events with seq greater than <paramref name="after"/>. Truncated when
    /// the reader asks for a seq this window can no longer give (older than retained, or past
    /// <paramref name="lastSeq"/>, the last seq ever numbered).
    /// </summary>
    public TopicReplay Read(long after, int max, long lastSeq)
    {
        if (after > lastSeq) return new TopicReplay([], lastSeq, true);
        if (after == lastSeq) return new TopicReplay([], lastSeq, false);
        var oldest = Count == 0 ? lastSeq + 1 : FirstSeq;
        if (after + 1 < oldest) return new TopicReplay([], lastSeq, true);
        var skip = (int)(after + 1 - oldest);
        var take = Math.Min(max, Count - skip);
        var items = ImmutableArray.CreateBuilder<TopicEvent>(Math.Max(take, 0));
        for (var i = 0; i < take; i++) items.Add(At(skip + i));
        return new TopicReplay(items.MoveToImmutable(), lastSeq, false);
    }

    private TopicEvent At(int index) => _ring[(_start + index) % _ring.Length];

    private void Grow()
    {
        var next = new TopicEvent[Math.Min(capacity, _ring.Length * 2)];
        for (var i = 0; i < Count; i++) next[i] = At(i);
        _ring = next;
        _start = 0;
    }
}
