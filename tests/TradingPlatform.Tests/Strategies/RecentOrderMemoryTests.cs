using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Npgsql;
using TradingPlatform.Hosting;
using TradingPlatform.Market;
using TradingPlatform.Orders;
using TradingPlatform.Strategies;
using TradingPlatform.Tests.Hosting;

namespace TradingPlatform.Tests.Strategies;

/// <summary>
/// <c>Strategies:RecentOrdersInMemory</c>: how many orders each strategy answers repeated clientOrderIds for from
/// memory. Older ones are still answered as duplicates, from the journal. To tell where an answer came from, the test
/// marks every journaled order of the strategy in the database after placing them: memory does not see the mark.
/// </summary>
[Collection(TunedClusterCollection.Name)]
public sealed class RecentOrderMemoryTests(TunedClusterFixture fixture)
{
    private const string Mark = "marked in the journal by the test";

    [Fact]
    public async Task Only_the_configured_number_of_recent_orders_is_answered_from_memory_older_ones_from_the_journal()
    {
        var grains = fixture.Cluster.GrainFactory;
        var id = Specs.NewId("mem");
        var strategy = grains.GetGrain<IStrategyGrain>(id);
        await strategy.Create(Specs.Manual(id));
        await grains.GetGrain<IMarketGrain>("SPY").OnTicks([new Tick("SPY", 100m, DateTimeOffset.UtcNow)]);
        OrderSpec Spec(int n) => new(id, "SPY", Side.Buy, 1m, OrderType.Limit, 95m, $"c{n}"); // rests: below the last price

        var count = TunedClusterFixture.RecentOrdersInMemory + 2;
        var placed = new List<OrderSnapshot>();
        for (var n = 1; n <= count; n++)
        {
            var outcome = await strategy.PlaceOrder(Spec(n));
            Assert.Equal(OrderOutcomeKind.Placed, outcome.Kind);
            Assert.Equal(OrderStatus.Open, outcome.Order!.Status);
            placed.Add(outcome.Order);
        }
        await MarkJournaledOrders(id);

        for (var n = 1; n <= count; n++)
        {
            var repeated = await strategy.PlaceOrder(Spec(n));
            Assert.Equal(OrderOutcomeKind.Duplicate, repeated.Kind);
            Assert.Equal(placed[n - 1].OrderId, repeated.Order!.OrderId);
            var fromMemory = n > count - TunedClusterFixture.RecentOrdersInMemory;
            Assert.Equal(fromMemory ? null : Mark, repeated.Order.RejectDetail); // null: from memory, which the mark did not reach
        }
        var fresh = await strategy.PlaceOrder(Spec(count + 1));
        Assert.Equal(OrderOutcomeKind.Placed, fresh.Kind); // a new clientOrderId, checked in the journal, is still placed
    }

    [Fact]
    public void Zero_is_refused()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["Strategies:RecentOrdersInMemory"] = "0" }).Build();
        using var services = new ServiceCollection().AddTradingServices(configuration).BuildServiceProvider();

        var error = Assert.Throws<OptionsValidationException>(() => services.GetRequiredService<IOptions<StrategyOptions>>().Value);
        Assert.Contains("RecentOrdersInMemory", error.Message, StringComparison.Ordinal);
    }

    private async Task MarkJournaledOrders(string strategyId)
    {
        await using var connection = new NpgsqlConnection(fixture.Database.ConnectionString);
        await connection.OpenAsync();
        await using var mark = new NpgsqlCommand("UPDATE trading_orders SET reject_detail = $1 WHERE strategy_id = $2", connection)
        {
            Parameters = { new() { Value = Mark }, new() { Value = strategyId } },
        };
        Assert.Equal(TunedClusterFixture.RecentOrdersInMemory + 2, await mark.ExecuteNonQueryAsync());
    }
}
