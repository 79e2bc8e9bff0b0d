using System.Collections.Immutable;
using TradingPlatform.Backtesting;

namespace TradingPlatform.Tests.Backtesting;

/// <summary>The queue's choice of the next run: round robin over users, FIFO within a user.</summary>
public sealed class QueueFairnessTests
{
    private static List<string> Drain(BacktestQueueState state)
    {
        var order = new List<string>();
        while (!state.Queued.IsEmpty)
        {
            var next = BacktestQueueGrain.NextFor(state);
            order.Add(next.RunId);
            state = state with { Queued = state.Queued.Remove(next), LastUser = next.User };
        }
        return order;
    }

    [Fact]
    public void One_users_burst_does_not_starve_another_user()
    {
        var queued = Enumerable.Range(1, 5).Select(i => new QueuedRun($"alice-{i}", "alice", 0))
            .Append(new QueuedRun("bob-1", "bob", 0))
            .Append(new QueuedRun("alice-6", "alice", 0))
            .Append(new QueuedRun("bob-2", "bob", 0))
            .ToImmutableList();

        var order = Drain(new BacktestQueueState(queued, [], null));

        Assert.Equal(["alice-1", "bob-1", "alice-2", "bob-2", "alice-3", "alice-4", "alice-5", "alice-6"], order);
    }

    [Fact]
    public void The_rotation_continues_after_the_last_user_served_and_wraps()
    {
        var queued = ImmutableList.Create(new QueuedRun("a", "ann", 0), new QueuedRun("c", "cid", 0), new QueuedRun("b", "ben", 0));
        Assert.Equal("c", BacktestQueueGrain.NextFor(new BacktestQueueState(queued, [], "ben")).RunId);
        Assert.Equal("a", BacktestQueueGrain.NextFor(new BacktestQueueState(queued, [], "zed")).RunId);
        Assert.Equal(["b", "c", "a"], Drain(new BacktestQueueState(queued, [], "ann")));
    }
}
