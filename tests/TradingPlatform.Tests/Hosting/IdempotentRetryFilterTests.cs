using Orleans.Runtime;
using TradingPlatform.Common;
using TradingPlatform.Hosting;
using TradingPlatform.Identity;
using TradingPlatform.Positions;
using TradingPlatform.Risk;
using TradingPlatform.Strategies;

namespace TradingPlatform.Tests.Hosting;

/// <summary>Which grain calls an API node sends again after a transient cluster failure: reads and admission, never a write.</summary>
public sealed class IdempotentRetryFilterTests
{
    [Theory]
    [InlineData(typeof(IStrategyGrain), nameof(IStrategyGrain.Get))]
    [InlineData(typeof(IPositionGrain), nameof(IPositionGrain.Get))]
    [InlineData(typeof(IKillSwitchGrain), nameof(IKillSwitchGrain.Get))]
    [InlineData(typeof(IUserGrain), nameof(IUserGrain.Admit))]
    public void Reads_and_admission_are_sent_again(Type grain, string method) =>
        Assert.True(IdempotentRetryFilter.IsIdempotent(grain.GetMethod(method)!));

    [Theory]
    [InlineData(typeof(IStrategyGrain), nameof(IStrategyGrain.PlaceOrder))]
    [InlineData(typeof(IStrategyGrain), nameof(IStrategyGrain.Create))]
    [InlineData(typeof(IPositionGrain), nameof(IPositionGrain.Apply))]
    [InlineData(typeof(IUserGrain), nameof(IUserGrain.Refresh))]
    public void Writes_are_sent_once(Type grain, string method) =>
        Assert.False(IdempotentRetryFilter.IsIdempotent(grain.GetMethod(method)!));

    [Fact]
    public void Only_failures_of_the_cluster_plumbing_are_transient()
    {
        Assert.True(IdempotentRetryFilter.IsTransient(new TimeoutException("no answer")));
        Assert.True(IdempotentRetryFilter.IsTransient(new SiloUnavailableException("gone")));
        Assert.True(IdempotentRetryFilter.IsTransient(new AggregateException(new TimeoutException("no answer"))));
        Assert.False(IdempotentRetryFilter.IsTransient(new StorageUnavailableException("db down")));
        Assert.False(IdempotentRetryFilter.IsTransient(new InvalidOperationException("a bug")));
    }
}
