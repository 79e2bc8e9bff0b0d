using TradingPlatform.Rollups;

namespace TradingPlatform.Tests.Rollups;

/// <summary>The UTC day arithmetic behind the day-end write and the catch-up of missed days.</summary>
public sealed class RollupDaysTests
{
    private static readonly DateOnly Monday = new(2024, 1, 1);

    private static DateTimeOffset At(int year, int month, int day, int hour = 0, int minute = 0, int second = 0) =>
        new(year, month, day, hour, minute, second, TimeSpan.Zero);

    [Fact]
    public void A_day_runs_from_midnight_utc_to_the_next_midnight_exclusive()
    {
        Assert.Equal(At(2024, 1, 1), RollupDays.StartOf(Monday));
        Assert.Equal(At(2024, 1, 2), RollupDays.EndOf(Monday));
        Assert.Equal(Monday, RollupDays.DayOf(At(2024, 1, 2).AddTicks(-1)));
        Assert.Equal(Monday.AddDays(1), RollupDays.DayOf(At(2024, 1, 2)));
        // An offset time belongs to the UTC day it falls in: 23:30 at -05:00 is 04:30 UTC the next day.
        Assert.Equal(Monday.AddDays(1), RollupDays.DayOf(new DateTimeOffset(2024, 1, 1, 23, 30, 0, TimeSpan.FromHours(-5))));
        Assert.Equal(new DateOnly(2024, 3, 1), RollupDays.DayOf(RollupDays.EndOf(new DateOnly(2024, 2, 29)))); // leap day
    }

    [Fact]
    public void Nothing_is_due_before_the_first_day_has_ended()
    {
        Assert.Empty(RollupDays.DaysToWrite(null, Monday, At(2024, 1, 1, 23, 59, 59), 31, out var skipped));
        Assert.Equal(0, skipped);
        Assert.Empty(RollupDays.DaysToWrite(Monday, Monday, At(2024, 1, 2, 23, 59, 59), 31, out _));
    }

    [Fact]
    public void The_day_that_just_ended_is_due_at_midnight()
    {
        Assert.Equal([Monday], RollupDays.DaysToWrite(null, Monday, At(2024, 1, 2), 31, out _));
        Assert.Equal([Monday.AddDays(1)], RollupDays.DaysToWrite(Monday, Monday, At(2024, 1, 3, 0, 0, 1), 31, out _));
    }

    [Fact]
    public void Every_day_missed_since_the_last_written_one_is_due_oldest_first()
    {
        var days = RollupDays.DaysToWrite(Monday, Monday, At(2024, 1, 5, 9), 31, out var skipped);

        Assert.Equal([new DateOnly(2024, 1, 2), new DateOnly(2024, 1, 3), new DateOnly(2024, 1, 4)], days);
        Assert.Equal(0, skipped);
    }

    [Fact]
    public void Missed_days_beyond_the_catch_up_limit_are_skipped_and_counted()
    {
        var days = RollupDays.DaysToWrite(Monday, Monday, At(2024, 1, 12), 3, out var skipped);

        Assert.Equal([new DateOnly(2024, 1, 9), new DateOnly(2024, 1, 10), new DateOnly(2024, 1, 11)], days);
        Assert.Equal(7, skipped); // Jan 2..8
    }

    [Fact]
    public void A_clock_behind_the_last_written_day_writes_nothing()
    {
        Assert.Empty(RollupDays.DaysToWrite(new DateOnly(2024, 1, 10), Monday, At(2024, 1, 5), 31, out var skipped));
        Assert.Equal(0, skipped);
    }

    [Fact]
    public void A_snapshot_is_late_only_beyond_the_allowance_after_the_days_end()
    {
        var allowance = TimeSpan.FromMinutes(15);
        Assert.False(RollupDays.IsLate(Monday, At(2024, 1, 2, 0, 0, 30), allowance));
        Assert.False(RollupDays.IsLate(Monday, At(2024, 1, 2, 0, 15), allowance));
        Assert.True(RollupDays.IsLate(Monday, At(2024, 1, 2, 0, 15, 1), allowance));
        Assert.True(RollupDays.IsLate(Monday, At(2024, 1, 4, 8), allowance));
    }

    [Fact]
    public void Scopes_name_the_portfolio_or_a_strategy_and_never_collide()
    {
        Assert.Equal("portfolio", RollupScopes.For(null));
        Assert.Equal("strategy:portfolio", RollupScopes.For("portfolio")); // a strategy may be called "portfolio"
        Assert.Null(RollupScopes.StrategyIdOf(RollupScopes.Portfolio));
        Assert.Equal("s-1", RollupScopes.StrategyIdOf(RollupScopes.Strategy("s-1")));
    }
}
