namespace TradingPlatform.Topics;

/// <summary>
/// What a topic sequencer persists: only the end of the seq block it reserved. The events themselves
/// live in memory (a bounded window); they are notifications of facts already stored elsewhere.
/// </summary>
[GenerateSerializer, Alias("topic-state.v1")]
public sealed class TopicState
{
    /// <summary>Seqs up to this one may have been handed out; a new activation starts after it.</summary>
    [Id(0)] public long ReservedThrough { get; set; }
}
