namespace TradingPlatform.Portfolio;

/// <summary>
/// Fills, traded notional and PnL change over rolling windows (1 minute, 5 minutes) and the UTC-day
/// session. Pure: callers pass the time, so it is tested without clocks. Memory is bounded by the
/// 5-minute window (fills) and one PnL sample per second.
/// </summary>
public sealed class RollingActivity
{
    public static readonly TimeSpan OneMinute = TimeSpan.FromMinutes(1);
    public static readonly TimeSpan FiveMinutes = TimeSpan.FromMinutes(5);

    private readonly Queue<(DateTimeOffset At, decimal Volume)> _fills = new();
    private readonly LinkedList<(DateTimeOffset At, decimal Total)> _pnl = new();
    private DateOnly _sessionDay;
    private long _sessionFills;
    private decimal _sessionVolume;

    /// <summary>Total PnL when the session (UTC day) began; daily PnL is measured from it.</summary>
    public decimal SessionStartTotal { get; private set; }

    public void Start(DateTimeOffset nowUtc, decimal sessionStartTotal)
    {
        _sessionDay = DateOnly.FromDateTime(nowUtc.UtcDateTime);
        SessionStartTotal = sessionStartTotal;
    }

    public void Fill(DateTimeOffset nowUtc, decimal notional, decimal totalPnl)
    {
        Roll(nowUtc, totalPnl);
        _fills.Enqueue((nowUtc, notional));
        _sessionFills++;
        _sessionVolume += notional;
        Sample(nowUtc, totalPnl);
    }

    /// <summary>Records the PnL total now (at most one sample per second is kept).</summary>
    public void Sample(DateTimeOffset nowUtc, decimal totalPnl)
    {
        Roll(nowUtc, totalPnl);
        if (_pnl.Last is { } last && nowUtc - last.Value.At < TimeSpan.FromSeconds(1))
            last.Value = (last.Value.At, totalPnl); // keep the newest total within the same second
        else
            _pnl.AddLast((nowUtc, totalPnl));
        Evict(nowUtc);
    }

    public WindowStats Window(TimeSpan window, DateTimeOffset nowUtc, decimal totalPnl)
    {
        Evict(nowUtc);
        var since = nowUtc - window;
        long fills = 0;
        decimal volume = 0m;
        foreach (var (at, notional) in _fills)
        {
            if (at <= since) continue;
            fills++;
            volume += notional;
        }
        // The PnL change since the window began: against the last sample at or before its start, or the oldest kept.
        decimal? start = null;
        foreach (var (at, total) in _pnl)
        {
            if (at <= since) start = total;
            else break;
        }
        start ??= _pnl.First is { } first ? first.Value.Total : totalPnl;
        return new WindowStats(fills, volume, totalPnl - start.Value);
    }

    public WindowStats Session(DateTimeOffset nowUtc, decimal totalPnl)
    {
        Roll(nowUtc, totalPnl);
        return new WindowStats(_sessionFills, _sessionVolume, totalPnl - SessionStartTotal);
    }

    private void Roll(DateTimeOffset nowUtc, decimal totalPnl)
    {
        var today = DateOnly.FromDateTime(nowUtc.UtcDateTime);
        if (today == _sessionDay) return;
        _sessionDay = today;
        _sessionFills = 0;
        _sessionVolume = 0m;
        SessionStartTotal = totalPnl;
    }

    private void Evict(DateTimeOffset nowUtc)
    {
        var horizon = nowUtc - FiveMinutes;
        while (_fills.TryPeek(out var f) && f.At <= horizon) _fills.Dequeue();
        // Keep one sample at or before the horizon so a full window has a starting point.
        while (_pnl.First?.Next is { } second && second.Value.At <= horizon) _pnl.RemoveFirst();
    }
}
