using Microsoft.Extensions.Options;
using TradingPlatform.Execution;
using TradingPlatform.Orders;

namespace TradingPlatform.Tests.Execution;

/// <summary>The fill pricing shared by paper trading and backtests, on hand-computed values.</summary>
public sealed class FillPricingTests
{
    [Fact]
    public void Slippage_moves_the_price_against_the_order()
    {
        Assert.Equal(100.05m, FillPricing.Slipped(Side.Buy, 100m, 5m)); // 100 × (1 + 5/10,000)
        Assert.Equal(99.95m, FillPricing.Slipped(Side.Sell, 100m, 5m));
        Assert.Equal(431.25m, FillPricing.Slipped(Side.Buy, 431.25m, 0m));
    }

    [Fact]
    public void Prices_and_fees_are_rounded_to_eight_places_half_to_even()
    {
        Assert.Equal(1.00000000m, FillPricing.RoundPrice(1.000000005m)); // the 5 rounds to the even 0
        Assert.Equal(1.00000002m, FillPricing.RoundPrice(1.000000015m)); // and to the even 2
        // 3 × 33.33333333 × 10 / 10,000 = 0.09999999999 → 0.10000000
        Assert.Equal(0.1m, FillPricing.Fee(3m, 33.33333333m, 10m));
    }

    [Fact]
    public void A_market_fill_is_the_slipped_rounded_price_and_the_fee_on_that_price()
    {
        // 123.456789 × 1.0003 = 123.4938260367 → 123.49382604; fee 7 × 123.49382604 × 2.5 / 10,000 = 0.21611419557 → 0.21611420
        Assert.Equal((123.49382604m, 0.21611420m), FillPricing.Market(Side.Buy, 7m, 123.456789m, 3m, 2.5m));
        // 123.456789 × 0.9997 = 123.4197519633 → 123.41975196; fee 7 × 123.41975196 × 2.5 / 10,000 = 0.21598456593 → 0.21598457
        Assert.Equal((123.41975196m, 0.21598457m), FillPricing.Market(Side.Sell, 7m, 123.456789m, 3m, 2.5m));
    }

    [Theory]
    [InlineData("buy")]
    [InlineData("sell")]
    public async Task Paper_market_orders_fill_exactly_as_fill_pricing_says(string side)
    {
        var orderSide = side == "buy" ? Side.Buy : Side.Sell;
        var venue = new PaperVenue(new FixedOptions(new ExecutionOptions { FeeBps = 2.5m, SlippageBps = 3m }));

        var fills = await venue.Submit(Order(orderSide, OrderType.Market, null), 123.456789m, DateTimeOffset.UnixEpoch);

        var fill = Assert.Single(fills);
        Assert.Equal(FillPricing.Market(orderSide, 7m, 123.456789m, 3m, 2.5m), (fill.Price, fill.Fee));
        Assert.Equal(7m, fill.Quantity);
    }

    [Fact]
    public async Task Paper_limit_orders_still_cap_the_slipped_price_at_the_limit_before_rounding()
    {
        var venue = new PaperVenue(new FixedOptions(new ExecutionOptions { FeeBps = 10m, SlippageBps = 50m }));

        // Marketable buy at last 100 with limit 100.2: slipped 100.5 is capped to 100.2; fee 7 × 100.2 × 0.001 = 0.7014.
        var capped = Assert.Single(await venue.Submit(Order(Side.Buy, OrderType.Limit, 100.2m), 100m, DateTimeOffset.UnixEpoch));
        Assert.Equal((100.2m, 0.7014m), (capped.Price, capped.Fee));
        // Limit 101: the slipped 100.5 is better than the limit and fills.
        var slipped = Assert.Single(await venue.Submit(Order(Side.Buy, OrderType.Limit, 101m), 100m, DateTimeOffset.UnixEpoch));
        Assert.Equal(100.5m, slipped.Price);
    }

    private static OrderSnapshot Order(Side side, OrderType type, decimal? limit) =>
        new("o-1", "s1", "SPY", side, 7m, type, limit, "c-1", OrderStatus.Open, null, null, 0m, 0m, DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch);

    private sealed class FixedOptions(ExecutionOptions value) : IOptionsMonitor<ExecutionOptions>
    {
        public ExecutionOptions CurrentValue => value;

        public ExecutionOptions Get(string? name) => value;

        public IDisposable? OnChange(Action<ExecutionOptions, string?> listener) => null;
    }
}
