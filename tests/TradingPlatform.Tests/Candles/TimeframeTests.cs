using TradingPlatform.Candles;

namespace TradingPlatform.Tests.Candles;

public sealed class TimeframeTests
{
    private static DateTime Utc(int year, int month, int day, int hour = 0, int minute = 0, int second = 0) =>
        new(year, month, day, hour, minute, second, DateTimeKind.Utc);

    [Fact]
    public void Bars_start_at_whole_multiples_of_their_length_since_the_epoch()
    {
        Assert.Equal(Utc(2024, 1, 2, 8), Timeframe.FourHours.Floor(Utc(2024, 1, 2, 11, 59, 59)));
        Assert.Equal(Utc(2024, 1, 2, 12), Timeframe.FourHours.Ceiling(Utc(2024, 1, 2, 8, 0, 1)));
        Assert.Equal(Utc(2024, 1, 2, 8), Timeframe.FourHours.Ceiling(Utc(2024, 1, 2, 8)));
        Assert.Equal(Utc(2024, 1, 2), Timeframe.OneDay.Floor(Utc(2024, 1, 2, 23, 59)));
        Assert.Equal(Utc(2024, 1, 2, 10, 15), Timeframe.FifteenMinutes.Floor(Utc(2024, 1, 2, 10, 29)));
        Assert.True(Timeframe.OneDay.IsAligned(Utc(2024, 1, 2)));
        Assert.False(Timeframe.OneHour.IsAligned(Utc(2024, 1, 2, 10, 30)));
        Assert.Equal(DateTimeKind.Utc, Timeframe.OneHour.Floor(new DateTime(2024, 1, 2, 10, 30, 0, DateTimeKind.Unspecified)).Kind);
    }

    [Fact]
    public void Times_before_1970_and_at_the_ends_of_the_calendar_are_bucketed_too()
    {
        Assert.Equal(Utc(1969, 12, 31, 20), Timeframe.FourHours.Floor(Utc(1969, 12, 31, 23, 59)));
        Assert.Equal(Utc(1998, 1, 2), Timeframe.OneDay.Floor(Utc(1998, 1, 2, 0, 0, 1)));
        Assert.Equal(DateTime.MinValue, Timeframe.OneDay.Floor(DateTime.MinValue));
        Assert.Equal(Timeframe.OneDay.Floor(DateTime.MaxValue), Timeframe.OneDay.Ceiling(DateTime.MaxValue));
    }

    [Fact]
    public void A_timeframe_is_built_from_itself_then_from_the_finer_ones_that_divide_it_finest_first()
    {
        Assert.Equal([Timeframe.OneDay, Timeframe.OneMinute, Timeframe.FiveMinutes, Timeframe.FifteenMinutes, Timeframe.OneHour, Timeframe.FourHours],
            Timeframe.OneDay.Sources());
        Assert.Equal([Timeframe.FourHours, Timeframe.OneMinute, Timeframe.FiveMinutes, Timeframe.FifteenMinutes, Timeframe.OneHour],
            Timeframe.FourHours.Sources());
        Assert.Equal([Timeframe.OneMinute], Timeframe.OneMinute.Sources());
        Assert.False(Timeframe.OneDay.Divides(Timeframe.FourHours));
        Assert.True(Timeframe.FourHours.Divides(Timeframe.OneDay));
    }

    [Fact]
    public void Wire_names_round_trip()
    {
        foreach (var timeframe in Timeframes.All)
        {
            Assert.True(Timeframes.TryParse(timeframe.WireName(), out var parsed));
            Assert.Equal(timeframe, parsed);
        }
        Assert.Equal("1m, 5m, 15m, 1h, 4h, 1d", Timeframes.AllWireNames);
    }
}
