using TradingPlatform.Orders;
using TradingPlatform.Positions;

namespace TradingPlatform.Tests.Positions;

/// <summary>
/// Hand-computed vectors for <see cref="PositionBook"/> (average-cost accounting, signed quantity,
/// fees charged to realized PnL). Every expected value is worked out in the comment beside it and
/// compared with exact decimal equality.
/// </summary>
public sealed class PnlMathTests
{
    [Fact]
    public void An_opening_buy_holds_the_quantity_at_the_fill_price_with_nothing_realized()
    {
        var book = PositionBook.Flat.Apply(Side.Buy, 10m, 100m, 0m);

        Assert.Equal(new PositionBook(10m, 100m, 0m, 0m), book);
        Assert.False(book.IsFlat);
    }

    [Fact]
    public void Adding_to_a_long_moves_the_average_to_the_quantity_weighted_mean()
    {
        var book = PositionBook.Flat
            .Apply(Side.Buy, 10m, 100m, 0m)
            .Apply(Side.Buy, 30m, 104m, 0m); // (10·100 + 30·104) / 40 = 4120 / 40 = 103

        Assert.Equal(new PositionBook(40m, 103m, 0m, 0m), book);
    }

    [Fact]
    public void Adding_to_a_short_moves_the_average_to_the_quantity_weighted_mean()
    {
        var book = PositionBook.Flat
            .Apply(Side.Sell, 10m, 50m, 0m)
            .Apply(Side.Sell, 30m, 46m, 0m); // (10·50 + 30·46) / 40 = 1880 / 40 = 47

        Assert.Equal(new PositionBook(-40m, 47m, 0m, 0m), book);
    }

    [Fact]
    public void A_weighted_average_that_does_not_terminate_keeps_full_decimal_precision()
    {
        var book = PositionBook.Flat
            .Apply(Side.Buy, 1m, 10m, 0m)
            .Apply(Side.Buy, 2m, 11m, 0m); // (10 + 22) / 3 = 10.666… rounded at the 28th significant digit

        Assert.Equal(10.666666666666666666666666667m, book.AveragePrice);
    }

    [Fact]
    public void A_partial_close_realizes_the_closed_part_and_keeps_the_average()
    {
        var book = new PositionBook(40m, 103m, 0m, 0m)
            .Apply(Side.Sell, 10m, 110m, 0m); // 10 · (110 − 103) = 70

        Assert.Equal(new PositionBook(30m, 103m, 70m, 0m), book);
    }

    [Fact]
    public void A_full_close_realizes_everything_and_resets_the_average_to_zero()
    {
        var book = new PositionBook(30m, 103m, 70m, 0m)
            .Apply(Side.Sell, 30m, 100m, 0m); // 70 + 30 · (100 − 103) = 70 − 90 = −20

        Assert.Equal(new PositionBook(0m, 0m, -20m, 0m), book);
        Assert.True(book.IsFlat);
    }

    [Fact]
    public void A_flip_from_long_to_short_realizes_the_closed_part_and_opens_at_the_fill_price()
    {
        var book = new PositionBook(10m, 100m, 0m, 0m)
            .Apply(Side.Sell, 25m, 90m, 0m); // closes 10: 10 · (90 − 100) = −100; opens −15 at 90

        Assert.Equal(new PositionBook(-15m, 90m, -100m, 0m), book);
    }

    [Fact]
    public void A_flip_from_short_to_long_realizes_the_closed_part_and_opens_at_the_fill_price()
    {
        var book = new PositionBook(-10m, 50m, 0m, 0m)
            .Apply(Side.Buy, 14m, 45m, 0m); // closes 10 short: 10 · (50 − 45) = +50; opens +4 at 45

        Assert.Equal(new PositionBook(4m, 45m, 50m, 0m), book);
    }

    [Fact]
    public void A_short_gains_when_bought_back_lower_and_loses_when_bought_back_higher()
    {
        var opened = PositionBook.Flat.Apply(Side.Sell, 5m, 20m, 0m);

        Assert.Equal(new PositionBook(-5m, 20m, 0m, 0m), opened);
        Assert.Equal(10m, opened.Apply(Side.Buy, 5m, 18m, 0m).RealizedPnl);  // 5 · (20 − 18)
        Assert.Equal(-15m, opened.Apply(Side.Buy, 5m, 23m, 0m).RealizedPnl); // 5 · (20 − 23)
    }

    [Fact]
    public void Fees_reduce_realized_pnl_on_every_fill_including_opening_fills_and_stay_out_of_the_average()
    {
        var opened = PositionBook.Flat.Apply(Side.Buy, 10m, 100m, 1.5m);
        Assert.Equal(new PositionBook(10m, 100m, -1.5m, 1.5m), opened);

        var added = opened.Apply(Side.Buy, 10m, 102m, 1m); // average (1000 + 1020) / 20 = 101
        Assert.Equal(new PositionBook(20m, 101m, -2.5m, 2.5m), added);

        var closed = added.Apply(Side.Sell, 20m, 103m, 2m); // −2.5 + 20 · (103 − 101) − 2 = 35.5
        Assert.Equal(new PositionBook(0m, 0m, 35.5m, 4.5m), closed);
    }

    [Fact]
    public void A_flip_charges_its_fee_once()
    {
        var book = new PositionBook(10m, 100m, 0m, 0m)
            .Apply(Side.Sell, 25m, 90m, 0.75m); // −100 on the closed 10, − 0.75 fee

        Assert.Equal(new PositionBook(-15m, 90m, -100.75m, 0.75m), book);
    }

    [Fact]
    public void Unrealized_pnl_is_quantity_times_the_move_from_the_average_at_the_mark()
    {
        Assert.Equal(20m, new PositionBook(10m, 103m, 0m, 0m).Unrealized(105m));   // 10 · (105 − 103)
        Assert.Equal(-30m, new PositionBook(10m, 103m, 0m, 0m).Unrealized(100m));  // 10 · (100 − 103)
        Assert.Equal(10m, new PositionBook(-5m, 20m, 0m, 0m).Unrealized(18m));     // −5 · (18 − 20)
        Assert.Equal(-7.5m, new PositionBook(-5m, 20m, 0m, 0m).Unrealized(21.5m)); // −5 · (21.5 − 20)
    }

    [Fact]
    public void Unrealized_pnl_is_zero_without_a_mark_or_when_flat()
    {
        Assert.Equal(0m, new PositionBook(10m, 103m, 0m, 0m).Unrealized(null));
        Assert.Equal(0m, new PositionBook(0m, 0m, -20m, 3m).Unrealized(150m));
    }

    [Fact]
    public void Several_symbols_keep_independent_books()
    {
        var books = new Dictionary<string, PositionBook>(StringComparer.Ordinal)
        {
            ["AAPL"] = PositionBook.Flat,
            ["MSFT"] = PositionBook.Flat,
        };

        books["AAPL"] = books["AAPL"].Apply(Side.Buy, 10m, 150m, 1m);
        books["MSFT"] = books["MSFT"].Apply(Side.Sell, 5m, 300m, 0.5m);
        books["AAPL"] = books["AAPL"].Apply(Side.Sell, 4m, 155m, 1m); // −1 + 4 · (155 − 150) − 1 = 18

        Assert.Equal(new PositionBook(6m, 150m, 18m, 2m), books["AAPL"]);
        Assert.Equal(new PositionBook(-5m, 300m, -0.5m, 0.5m), books["MSFT"]);
        Assert.Equal(30m, books["AAPL"].Unrealized(155m));  // 6 · (155 − 150)
        Assert.Equal(-25m, books["MSFT"].Unrealized(305m)); // −5 · (305 − 300)
    }

    [Fact]
    public void A_round_trip_back_to_flat_realizes_the_cash_flows_less_the_fees()
    {
        // Buy 10 @ 100, buy 10 @ 110, sell 30 @ 108 (flip to −10), buy 10 @ 101, all with fee 1.
        var book = PositionBook.Flat
            .Apply(Side.Buy, 10m, 100m, 1m)
            .Apply(Side.Buy, 10m, 110m, 1m)
            .Apply(Side.Sell, 30m, 108m, 1m)
            .Apply(Side.Buy, 10m, 101m, 1m);

        // Cash: −1000 − 1100 + 3240 − 1010 = 130; fees 4 → 126.
        // Step by step: average 105; closing 20 at 108 realizes 60; short 10 at 108 bought at 101 realizes 70.
        Assert.Equal(new PositionBook(0m, 0m, 126m, 4m), book);
    }

    [Theory]
    [InlineData(0, 100, 0, "quantity")]
    [InlineData(-1, 100, 0, "quantity")]
    [InlineData(1, 0, 0, "price")]
    [InlineData(1, -5, 0, "price")]
    [InlineData(1, 100, -0.01, "fee")]
    public void An_invalid_fill_throws_and_leaves_the_book_as_it_was(decimal quantity, decimal price, decimal fee, string parameter)
    {
        var book = new PositionBook(10m, 100m, 5m, 1m);

        var error = Assert.Throws<ArgumentOutOfRangeException>(() => book.Apply(Side.Sell, quantity, price, fee));

        Assert.Equal(parameter, error.ParamName);
        Assert.Equal(new PositionBook(10m, 100m, 5m, 1m), book);
    }
}
