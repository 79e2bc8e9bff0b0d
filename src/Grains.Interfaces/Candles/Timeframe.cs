using System.Diagnostics.CodeAnalysis;

namespace TradingPlatform.Candles;

/// <summary>The bar sizes the platform stores and serves. Coarser ones are aggregated from finer stored ones.</summary>
[GenerateSerializer, Alias("timeframe")]
public enum Timeframe
{
    OneMinute = 0,
    FiveMinutes = 1,
    FifteenMinutes = 2,
    OneHour = 3,
    FourHours = 4,
    OneDay = 5,
}

/// <summary>Wire names (<c>1m</c>, <c>5m</c>, <c>15m</c>, <c>1h</c>, <c>4h</c>, <c>1d</c>) and lengths of <see cref="Timeframe"/>.</summary>
public static class Timeframes
{
    public static readonly Timeframe[] All =
        [Timeframe.OneMinute, Timeframe.FiveMinutes, Timeframe.FifteenMinutes, Timeframe.OneHour, Timeframe.FourHours, Timeframe.OneDay];

    public static string WireName(this Timeframe timeframe) => timeframe switch
    {
        Timeframe.OneMinute => "1m",
        Timeframe.FiveMinutes => "5m",
        Timeframe.FifteenMinutes => "15m",
        Timeframe.OneHour => "1h",
        Timeframe.FourHours => "4h",
        Timeframe.OneDay => "1d",
        _ => throw new ArgumentOutOfRangeException(nameof(timeframe), timeframe, "Unknown timeframe."),
    };

    public static bool TryParse(string? text, [NotNullWhen(true)] out Timeframe? timeframe)
    {
        timeframe = text switch
        {
            "1m" => Timeframe.OneMinute,
            "5m" => Timeframe.FiveMinutes,
            "15m" => Timeframe.FifteenMinutes,
            "1h" => Timeframe.OneHour,
            "4h" => Timeframe.FourHours,
            "1d" => Timeframe.OneDay,
            _ => null,
        };
        return timeframe is not null;
    }

    /// <summary>How long one bar lasts. Buckets are aligned to the Unix epoch in UTC (a day bar is a UTC day).</summary>
    public static TimeSpan Length(this Timeframe timeframe) => timeframe switch
    {
        Timeframe.OneMinute => TimeSpan.FromMinutes(1),
        Timeframe.FiveMinutes => TimeSpan.FromMinutes(5),
        Timeframe.FifteenMinutes => TimeSpan.FromMinutes(15),
        Timeframe.OneHour => TimeSpan.FromHours(1),
        Timeframe.FourHours => TimeSpan.FromHours(4),
        Timeframe.OneDay => TimeSpan.FromDays(1),
        _ => throw new ArgumentOutOfRangeException(nameof(timeframe), timeframe, "Unknown timeframe."),
    };

    /// <summary>The origin of every bucket: bars start at whole multiples of their length since the Unix epoch (UTC).</summary>
    public static readonly DateTime Epoch = DateTime.UnixEpoch;

    /// <summary>The wire names in order, for messages: <c>1m, 5m, 15m, 1h, 4h, 1d</c>.</summary>
    public static string AllWireNames { get; } = string.Join(", ", All.Select(t => t.WireName()));

    /// <summary>True when <paramref name="timeUtc"/> is the start of a bar of this timeframe.</summary>
    public static bool IsAligned(this Timeframe timeframe, DateTime timeUtc) => Offset(timeframe, timeUtc) == 0;

    /// <summary>
    /// The start of the bar of this timeframe that holds <paramref name="timeUtc"/> (also before 1970); for a time in
    /// the first, partial bar of <see cref="DateTime.MinValue"/>, the first whole bar.
    /// </summary>
    public static DateTime Floor(this Timeframe timeframe, DateTime timeUtc)
    {
        var ticks = timeUtc.Ticks - Offset(timeframe, timeUtc);
        return new DateTime(ticks < 0 ? ticks + timeframe.Length().Ticks : ticks, DateTimeKind.Utc);
    }

    /// <summary>The first bar start at or after <paramref name="timeUtc"/>; saturates at <see cref="DateTime.MaxValue"/>'s bar.</summary>
    public static DateTime Ceiling(this Timeframe timeframe, DateTime timeUtc)
    {
        var offset = Offset(timeframe, timeUtc);
        if (offset == 0) return DateTime.SpecifyKind(timeUtc, DateTimeKind.Utc);
        var ticks = timeUtc.Ticks - offset + timeframe.Length().Ticks;
        return ticks > DateTime.MaxValue.Ticks ? timeframe.Floor(DateTime.MaxValue) : new DateTime(ticks, DateTimeKind.Utc);
    }

    /// <summary>
    /// True when bars of <paramref name="finer"/> tile bars of <paramref name="coarser"/> exactly (every coarser
    /// bar is a whole number of finer ones, with the same epoch origin), so the coarser can be built from the finer.
    /// A timeframe divides itself.
    /// </summary>
    public static bool Divides(this Timeframe finer, Timeframe coarser) =>
        coarser.Length().Ticks % finer.Length().Ticks == 0;

    /// <summary>
    /// Where bars of <paramref name="requested"/> may come from, in order of preference: the timeframe itself when
    /// stored, otherwise the finest stored timeframe that divides it (so an aggregate sees every stored trade).
    /// </summary>
    public static IReadOnlyList<Timeframe> Sources(this Timeframe requested) =>
        [requested, .. All.Where(t => t != requested && t.Divides(requested))];

    private static long Offset(Timeframe timeframe, DateTime timeUtc)
    {
        var length = timeframe.Length().Ticks;
        var offset = (timeUtc.Ticks - Epoch.Ticks) % length;
        return offset < 0 ? offset + length : offset;
    }
}
