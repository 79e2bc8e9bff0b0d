namespace TradingPlatform.Testing;

/// <summary>A clock a test sets by hand; it only moves when told. Starts at the real time, in whole seconds (Postgres keeps microseconds).</summary>
public sealed class ManualClock : TimeProvider
{
    private long _ticks = DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.ToUnixTimeSeconds()).UtcTicks;

    public DateTimeOffset Now
    {
        get => new(Interlocked.Read(ref _ticks), TimeSpan.Zero);
        set => Interlocked.Exchange(ref _ticks, value.UtcTicks);
    }

    public override DateTimeOffset GetUtcNow() => Now;
}
