using System.Collections.Immutable;
using System.Security.Claims;
using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using TradingPlatform.Api.Identity;
using TradingPlatform.Api.Infrastructure;
using TradingPlatform.Api.Strategies;
using TradingPlatform.Backtesting;
using TradingPlatform.Candles;
using TradingPlatform.Common;
using TradingPlatform.Identity;
using TradingPlatform.Strategies;
using TradingPlatform.Topics;

namespace TradingPlatform.Api.Backtesting;

/// <summary>
/// <c>/v1/runs</c>: backtests. A run's live state comes from its grain; lists and results come from the run store
/// (history, written once). Progress streams on the WebSocket topic <c>backtest:{id}</c>.
/// </summary>
public static class RunEndpoints
{
    public static RouteGroupBuilder MapRunEndpoints(this RouteGroupBuilder v1)
    {
        var runs = v1.MapGroup("/runs").WithTags("Backtests");
        runs.MapPost("/", Create).WithName("CreateRun").RequireAuthorization(Policies.Trader).WithRateLimitTier(RateTier.Backtest)
            .WithSummary("Queue a backtest: {strategy {kind, parameters}, symbol, timeframe, from, to, initialCapital, feeBps, slippageBps, periodsPerYear?, riskFreeRate?, benchmarkSymbol?}; 202 with Location")
            .ProducesValidationProblem();
        runs.MapGet("/", List).WithName("ListRuns").WithSummary("Runs newest first; filters status, strategyKind, symbol");
        runs.MapGet("/{id}", Get).WithName("GetRun").WithSummary("A run's status, progress 0..1, times and error").ProducesProblem(StatusCodes.Status404NotFound);
        runs.MapGet("/{id}/results", Results).WithName("GetRunResults")
            .WithSummary("A completed run's metrics, daily equity curve and trades (paged with page/per_page); 409 until it completed")
            .ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);
        runs.MapPost("/{id}/cancel", Cancel).WithName("CancelRun").RequireAuthorization(Policies.Trader)
            .WithSummary("Cancel a run: queued runs at once, running ones within a second; 409 when it already finished")
            .ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);
        return v1;
    }

    private static async Task<Results<AcceptedAtRoute<RunView>, ValidationProblem>> Create(CreateRunRequest body, IGrainFactory grains, ClaimsPrincipal user,
        ICandleStore candles, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        var request = body.ToRequest(errors);
        if (request is null) return TypedResults.ValidationProblem(errors);
        if (request.BenchmarkSymbol is { } benchmark
            && (await candles.Query(benchmark, request.Timeframe, request.FromUtc, request.ToUtc, 1, cancellationToken)).Count == 0)
        {
            Wire.Add(errors, "benchmarkSymbol",
                $"No {request.Timeframe.WireName()} candles for {benchmark} from {request.FromUtc:O} to {request.ToUtc:O}: the benchmark needs candles over the run's range (import them with POST /v1/candles/import).");
            return TypedResults.ValidationProblem(errors);
        }
        var id = Guid.CreateVersion7().ToString("N");
        var grain = grains.GetGrain<IBacktestRunGrain>(id);
        // The run as created: asking again could already find it running (a worker takes it off the queue meanwhile).
        var run = await grain.Create(request, Wire.Actor(user))
            ?? throw new InvalidOperationException($"Run id {id} is taken."); // a fresh v7 GUID: cannot happen
        return TypedResults.AcceptedAtRoute(RunView.Of(run), "GetRun", new { id });
    }

    private static async Task<Results<Ok<Page<RunView>>, ValidationProblem>> List(
        string? status, string? strategyKind, string? symbol, int? page, [FromQuery(Name = "per_page")] int? perPage, IBacktestStore store,
        CancellationToken cancellationToken)
    {
        Paging.TryCreate(page, perPage, out var request, out var errors);
        BacktestStatus? parsedStatus = null;
        if (status is not null)
        {
            if (WireNames.TryParse<BacktestStatus>(status, out var s)) parsedStatus = s;
            else Wire.Add(errors, "status", $"Must be one of {string.Join(", ", WireNames.Names<BacktestStatus>())}.");
        }
        StrategyKind? kind = null;
        if (strategyKind is not null) kind = StrategyRequestMapping.ParseKind(strategyKind, errors, "strategyKind");
        if (symbol is not null && !StrategyRules.IsValidSymbol(StrategyRules.NormalizeSymbol(symbol))) Wire.Add(errors, "symbol", "Not a valid symbol.");
        if (errors.Count > 0) return TypedResults.ValidationProblem(errors);
        var runs = await store.List(new BacktestRunQuery(parsedStatus, kind, symbol is null ? null : StrategyRules.NormalizeSymbol(symbol)), request, cancellationToken);
        return TypedResults.Ok(new Page<RunView>(runs.Items.Select(RunView.Of).ToArray(), runs.PageNumber, runs.PerPage, runs.Total));
    }

    private static async Task<Results<Ok<RunView>, ProblemHttpResult>> Get(string id, IGrainFactory grains)
    {
        var run = TopicNames.IsValidRunId(id) ? await grains.GetGrain<IBacktestRunGrain>(id).Get() : null;
        return run is null ? NotFound(id) : TypedResults.Ok(RunView.Of(run));
    }

    private static async Task<Results<Ok<RunResultsView>, ProblemHttpResult, ValidationProblem>> Results(
        string id, int? page, [FromQuery(Name = "per_page")] int? perPage, IGrainFactory grains, IBacktestStore store, CancellationToken cancellationToken)
    {
        if (!Paging.TryCreate(page, perPage, out var request, out var errors)) return TypedResults.ValidationProblem(errors);
        var run = TopicNames.IsValidRunId(id) ? await grains.GetGrain<IBacktestRunGrain>(id).Get() : null;
        if (run is null) return NotFound(id);
        if (run.Status != BacktestStatus.Completed)
            return TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "Run has no results",
                detail: $"Run '{id}' is {WireNames.Of(run.Status)}; results exist once it completed.");
        var results = await store.Results(id, request, cancellationToken);
        if (results is null) throw new InvalidOperationException($"Run {id} is completed but has no stored results.");
        return TypedResults.Ok(RunResultsView.Of(id, results));
    }

    private static async Task<Results<Accepted<RunView>, ProblemHttpResult>> Cancel(string id, IGrainFactory grains)
    {
        if (!TopicNames.IsValidRunId(id)) return NotFound(id);
        var grain = grains.GetGrain<IBacktestRunGrain>(id);
        switch (await grain.Cancel())
        {
            case CancelOutcome.NotFound: return NotFound(id);
            case CancelOutcome.AlreadyFinished:
                var finished = await grain.Get();
                return TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "Run already finished",
                    detail: $"Run '{id}' is {WireNames.Of(finished!.Status)}; only queued or running runs can be cancelled.");
            default:
                return TypedResults.Accepted($"/v1/runs/{id}", RunView.Of((await grain.Get())!));
        }
    }

    private static ProblemHttpResult NotFound(string id) =>
        TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Run not found", detail: $"No backtest run has id '{Wire.Shorten(id)}'.");
}

/// <summary>Body of <c>POST /v1/runs</c>.</summary>
public sealed record CreateRunRequest(
    RunStrategyRequest? Strategy,
    string? Symbol,
    string? Timeframe,
    DateTimeOffset? From,
    DateTimeOffset? To,
    decimal? InitialCapital,
    decimal? FeeBps,
    decimal? SlippageBps,
    int? PeriodsPerYear,
    double? RiskFreeRate,
    string? BenchmarkSymbol = null)
{
    public const int DefaultPeriodsPerYear = 252;

    public BacktestRequest? ToRequest(Dictionary<string, string[]> errors)
    {
        StrategyKind? kind = null;
        var parameters = ImmutableSortedDictionary<string, decimal>.Empty;
        if (Strategy is null) Wire.Add(errors, "strategy", "Required: {kind, parameters}.");
        else
        {
            kind = StrategyRequestMapping.ParseKind(Strategy.Kind, errors, "strategy.kind");
            if (Strategy.Parameters is null) Wire.Add(errors, "strategy.parameters", "Required (an object).");
            parameters = StrategyRequestMapping.ToParameters(Strategy.Parameters, errors, "strategy.parameters");
        }
        if (Symbol is null) Wire.Add(errors, "symbol", "Required.");
        Timeframe? timeframe = null;
        if (Timeframe is null) Wire.Add(errors, "timeframe", "Required: one of 1m, 5m, 15m, 1h, 4h, 1d.");
        else if (Timeframes.TryParse(Timeframe, out var parsed)) timeframe = parsed;
        else Wire.Add(errors, "timeframe", $"Unknown timeframe '{Wire.Shorten(Timeframe)}': expected one of 1m, 5m, 15m, 1h, 4h, 1d.");
        if (From is null) Wire.Add(errors, "from", "Required (ISO 8601 UTC).");
        if (To is null) Wire.Add(errors, "to", "Required (ISO 8601 UTC).");
        if (InitialCapital is null) Wire.Add(errors, "initialCapital", "Required.");
        if (errors.Count > 0 || kind is null || timeframe is null) return null;

        var request = new BacktestRequest(kind.Value, parameters, StrategyRules.NormalizeSymbol(Symbol!), timeframe.Value,
            From!.Value.UtcDateTime, To!.Value.UtcDateTime, InitialCapital!.Value, FeeBps ?? 0, SlippageBps ?? 0,
            PeriodsPerYear ?? DefaultPeriodsPerYear, RiskFreeRate ?? 0,
            BenchmarkSymbol is null ? null : StrategyRules.NormalizeSymbol(BenchmarkSymbol));
        foreach (var (field, messages) in BacktestRules.Validate(request)) errors[field] = messages;
        return errors.Count == 0 ? request : null;
    }
}

public sealed record RunStrategyRequest(string? Kind, Dictionary<string, JsonElement>? Parameters);

public sealed record RunStrategyView(string Kind, IReadOnlyDictionary<string, decimal> Parameters);

/// <summary>A run as <c>GET /v1/runs/{id}</c> shows it.</summary>
public sealed record RunView(
    string Id,
    BacktestStatus Status,
    double Progress,
    RunStrategyView Strategy,
    string Symbol,
    string Timeframe,
    DateTime From,
    DateTime To,
    decimal InitialCapital,
    decimal FeeBps,
    decimal SlippageBps,
    int PeriodsPerYear,
    double RiskFreeRate,
    string? BenchmarkSymbol,
    string CreatedBy,
    DateTimeOffset CreatedAt,
    DateTimeOffset? StartedAt,
    DateTimeOffset? FinishedAt,
    string? Error,
    int Attempts,
    long Bars,
    bool CancelRequested)
{
    public static RunView Of(BacktestRun run)
    {
        var r = run.Request;
        return new RunView(run.Id, run.Status, run.Progress, new RunStrategyView(r.Kind.WireName(), r.Parameters), r.Symbol, r.Timeframe.WireName(),
            r.FromUtc, r.ToUtc, r.InitialCapital, r.FeeBps, r.SlippageBps, r.PeriodsPerYear, r.RiskFreeRate, r.BenchmarkSymbol, run.CreatedBy, run.CreatedAtUtc,
            run.StartedAtUtc, run.FinishedAtUtc, run.Error, run.Attempts, run.Bars, run.CancelRequested);
    }
}

public sealed record EquityPointView(DateTime Time, decimal Equity);

public sealed record RunTradeView(DateTime Time, string Side, decimal Quantity, decimal Price, decimal Fee, decimal RealizedPnl, decimal PositionAfter);

/// <summary><c>GET /v1/runs/{id}/results</c>.</summary>
public sealed record RunResultsView(string RunId, BacktestMetrics Metrics, IReadOnlyList<EquityPointView> EquityCurve, Page<RunTradeView> Trades, long Bars)
{
    public static RunResultsView Of(string runId, BacktestResultsPage results) => new(runId, results.Metrics,
        results.EquityCurve.Select(p => new EquityPointView(p.TimeUtc, p.Equity)).ToArray(),
        new Page<RunTradeView>(results.Trades.Items.Select(t => new RunTradeView(t.TimeUtc, WireNames.Of(t.Side), t.Quantity, t.Price, t.Fee,
            t.RealizedPnl, t.PositionAfter)).ToArray(), results.Trades.PageNumber, results.Trades.PerPage, results.Trades.Total),
        results.Bars);
}
