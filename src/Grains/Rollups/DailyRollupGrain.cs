using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using TradingPlatform.Common;
using TradingPlatform.Positions;
using TradingPlatform.Risk;
using TradingPlatform.Storage;
using TradingPlatform.Strategies;

namespace TradingPlatform.Rollups;

/// <summary>What the rollup grain persists: the day rollups began (what is written lives in the rollup store).</summary>
[GenerateSerializer, Alias("daily-rollup-state.v1")]
public sealed class DailyRollupState
{
    /// <summary>The first day to write when the store has none yet: the UTC day the grain first ran.</summary>
    [Id(0)] public DateOnly? FirstDay { get; set; }
}

/// <summary>
/// Writes a snapshot of every strategy and of the portfolio for each complete UTC day. While active, a grain timer
/// (<see cref="RollupOptions.CheckSeconds"/>) checks whether a day ended; a durable reminder
/// (<see cref="RollupOptions.ReminderMinutes"/>) brings the grain back after its silo died, and every silo asks it to
/// catch up when it starts. Each check writes every complete day after the last one written (catch-up): the day
/// that just ended, or all the days missed while the cluster was down, flagged late. The store is the truth for what
/// is written (insert-if-absent per scope and day), so retries and a duplicate activation are harmless.
/// </summary>
[GrainType("daily-rollup")]
public sealed partial class DailyRollupGrain(
    [PersistentState("daily-rollup", StorageNames.Trading)] IPersistentState<DailyRollupState> state,
    IDailyRollupStore store,
    ITradingJournal journal,
    [FromKeyedServices(RollupClock.Key)] TimeProvider clock,
    IOptionsMonitor<RollupOptions> options,
    IOptionsMonitor<RiskOptions> riskOptions,
    ILogger<DailyRollupGrain> logger) : Grain, IDailyRollupGrain, IRemindable
{
    public const string ReminderName = "daily-rollup";

    /// <summary>The last day known to be written (null until the store was asked once).</summary>
    private DateOnly? _writtenThrough;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        var settings = options.CurrentValue;
        var check = TimeSpan.FromSeconds(settings.CheckSeconds);
        this.RegisterGrainTimer(Check, new GrainTimerCreationOptions(check, check) { Interleave = false, KeepAlive = true });
        var reminder = TimeSpan.FromMinutes(settings.ReminderMinutes);
        await this.RegisterOrUpdateReminder(ReminderName, reminder, reminder, cancellationToken);
        if (state.State.FirstDay is null)
            await state.Replace(new DailyRollupState { FirstDay = RollupDays.DayOf(clock.GetUtcNow()) }, this);
    }

    public Task ReceiveReminder(string reminderName, TickStatus status) => CatchUp();

    public async Task<int> CatchUp()
    {
        var now = clock.GetUtcNow();
        var settings = options.CurrentValue;
        var firstDay = state.State.FirstDay ?? RollupDays.DayOf(now);
        // Between midnights a check is a comparison in memory; the store is asked once a day may be due.
        if (_writtenThrough is { } known && RollupDays.DaysToWrite(known, firstDay, now, settings.MaxCatchUpDays, out _).Count == 0) return 0;
        var last = await store.LastCompleteDay();
        _writtenThrough = last;
        var days = RollupDays.DaysToWrite(last, firstDay, now, settings.MaxCatchUpDays, out var skipped);
        if (skipped > 0) LogSkipped(logger, skipped, days[0]);
        if (days.Count == 0)
        {
            _writtenThrough ??= firstDay.AddDays(-1);
            return 0;
        }

        var books = await Capture();
        var previous = await store.LatestBefore(days[0]);
        var lateAfter = TimeSpan.FromMinutes(settings.LateAfterMinutes);
        foreach (var day in days)
        {
            var rows = await Rows(day, books, previous, now, lateAfter);
            var written = await store.Write(rows);
            var late = RollupDays.IsLate(day, now, lateAfter);
            LogWritten(logger, day, rows.Count, written, late);
            var next = new Dictionary<string, DailyRollup>(previous, StringComparer.Ordinal);
            foreach (var row in rows) next[row.Scope] = row;
            previous = next;
            _writtenThrough = day;
        }
        return days.Count;
    }

    private async Task Check(CancellationToken cancellationToken)
    {
        try
        {
            await CatchUp();
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            LogCheckFailed(logger, e); // the next check or the reminder tries again
        }
    }

    /// <summary>A strategy as it stands now, with its positions' exposure.</summary>
    private sealed record Book(StrategySnapshot Strategy, decimal Gross, decimal Net, int OpenPositions);

    /// <summary>Every strategy's PnL (its live desk) and exposure (its position grains), read once per catch-up.</summary>
    private async Task<IReadOnlyList<Book>> Capture()
    {
        var strategyIds = await GrainFactory.Registry(Registries.Strategies).ListAll();
        var strategies = await Task.WhenAll(strategyIds.Select(id => GrainFactory.GetGrain<IStrategyGrain>(id).Get()));
        var positionKeys = await GrainFactory.Registry(Registries.Positions).ListAll();
        var positions = await Task.WhenAll(positionKeys.Select(key => GrainFactory.GetGrain<IPositionGrain>(key).Get()));
        var byStrategy = positions.Where(p => !p.IsEmpty).ToLookup(p => p.StrategyId, StringComparer.Ordinal);
        return strategies.OfType<StrategySnapshot>().Select(s =>
        {
            decimal gross = 0m, net = 0m;
            var open = 0;
            foreach (var position in byStrategy[s.Id])
            {
                // As the portfolio read model counts it: quantity at the last price (the average price before any mark).
                var notional = position.Quantity * (position.LastPrice ?? position.AveragePrice);
                gross += Math.Abs(notional);
                net += notional;
                if (position.Quantity != 0m) open++;
            }
            return new Book(s, gross, net, open);
        }).ToArray();
    }

    /// <summary>One row per strategy that existed before the day ended, then the portfolio's (their sums).</summary>
    private async Task<List<DailyRollup>> Rows(DateOnly day, IReadOnlyList<Book> books, IReadOnlyDictionary<string, DailyRollup> previous,
        DateTimeOffset now, TimeSpan lateAfter)
    {
        var end = RollupDays.EndOf(day);
        var late = RollupDays.IsLate(day, now, lateAfter);
        var startingEquity = riskOptions.CurrentValue.StartingEquity;
        var strategyCapital = options.CurrentValue.StrategyCapital ?? startingEquity;
        var rows = new List<DailyRollup>(books.Count + 1);
        foreach (var book in books.Where(b => b.Strategy.CreatedAtUtc < end))
        {
            var s = book.Strategy;
            var scope = RollupScopes.Strategy(s.Id);
            var total = s.Pnl.Realized + s.Pnl.Unrealized;
            var fills = s.Fills == 0 ? 0 : await FillsIn(s.Id, day);
            rows.Add(new DailyRollup(scope, day, strategyCapital, strategyCapital + total, s.Pnl.Realized, s.Pnl.Unrealized,
                total - (previous.GetValueOrDefault(scope)?.TotalPnl ?? 0m), book.Gross, book.Net, book.OpenPositions, fills, late, now));
        }
        decimal realized = 0m, unrealized = 0m, grossAll = 0m, netAll = 0m;
        long fillsAll = 0;
        var openAll = 0;
        foreach (var row in rows)
        {
            realized += row.RealizedPnl;
            unrealized += row.UnrealizedPnl;
            grossAll += row.GrossExposure;
            netAll += row.NetExposure;
            fillsAll += row.Fills;
            openAll += row.OpenPositions;
        }
        var portfolioTotal = realized + unrealized;
        rows.Add(new DailyRollup(RollupScopes.Portfolio, day, startingEquity, startingEquity + portfolioTotal, realized, unrealized,
            portfolioTotal - (previous.GetValueOrDefault(RollupScopes.Portfolio)?.TotalPnl ?? 0m), grossAll, netAll, openAll, fillsAll, late, now));
        return rows;
    }

    /// <summary>Fills the journal holds for the strategy with an execution time inside the UTC day.</summary>
    private async Task<long> FillsIn(string strategyId, DateOnly day)
    {
        // The journal's 'to' is inclusive and keeps microseconds: the day's last microsecond.
        var query = new FillQuery(strategyId, null, RollupDays.StartOf(day), RollupDays.EndOf(day).AddTicks(-TimeSpan.TicksPerMicrosecond));
        return (await journal.QueryFills(query, new PageRequest(1, 1))).Total;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Daily rollup {Day}: {Rows} snapshot(s), {Written} new, late {Late}")]
    private static partial void LogWritten(ILogger logger, DateOnly day, int rows, int written, bool late);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Daily rollups: {Skipped} missed day(s) are beyond Rollups:MaxCatchUpDays and are skipped; writing from {From}")]
    private static partial void LogSkipped(ILogger logger, int skipped, DateOnly from);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Daily rollups: a check failed; the next check or the reminder retries")]
    private static partial void LogCheckFailed(ILogger logger, Exception exception);
}
