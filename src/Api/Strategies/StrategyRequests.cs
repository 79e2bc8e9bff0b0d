using System.Collections.Immutable;
using System.Text.Json;
using TradingPlatform.Api.Infrastructure;
using TradingPlatform.Strategies;

namespace TradingPlatform.Api.Strategies;

/// <summary>Body of <c>POST /v1/strategies</c>.</summary>
public sealed record CreateStrategyRequest(
    string? Id,
    string? Name,
    string? Kind,
    List<string?>? Symbols,
    Dictionary<string, JsonElement>? Parameters,
    StrategyRiskRequest? Risk);

/// <summary>Body of <c>PATCH /v1/strategies/{id}</c>: only the members present change.</summary>
public sealed record UpdateStrategyRequest(
    string? Name,
    Dictionary<string, JsonElement>? Parameters,
    StrategyRiskRequest? Risk,
    string? Status);

public sealed record StrategyRiskRequest(
    decimal? MaxOrderQuantity,
    decimal? MaxPositionQuantity,
    decimal? MaxNotional,
    decimal? MaxDailyLoss);

/// <summary>Maps request bodies to grain inputs, collecting every field error on the way.</summary>
public static class StrategyRequestMapping
{
    public static StrategySpec? ToSpec(this CreateStrategyRequest request, Dictionary<string, string[]> errors)
    {
        var kind = ParseKind(request.Kind, errors);
        if (request.Id is null) Wire.Add(errors, "id", "Required.");
        if (request.Name is null) Wire.Add(errors, "name", "Required.");
        if (request.Symbols is null) Wire.Add(errors, "symbols", "Required.");
        if (request.Parameters is null) Wire.Add(errors, "parameters", "Required (an object; {} for kind 'manual').");
        var parameters = ToParameters(request.Parameters, errors);
        var risk = ToRisk(request.Risk, errors);
        var symbols = (request.Symbols ?? []).Select(s => s is null ? "" : StrategyRules.NormalizeSymbol(s)).ToImmutableArray();

        // Run the domain rules on what is there, reporting only fields that have no error yet
        // (a missing kind makes parameter rules meaningless).
        var spec = new StrategySpec(request.Id ?? "", request.Name?.Trim() ?? "", kind ?? StrategyKind.Manual, symbols, parameters, risk ?? new StrategyRisk(1, 1, 1, 1));
        var reported = errors.Keys.Select(Root).ToHashSet(StringComparer.Ordinal);
        if (kind is null) reported.Add("parameters");
        foreach (var (field, messages) in StrategyRules.Validate(spec))
        {
            if (!reported.Contains(Root(field))) errors[field] = messages;
        }
        return errors.Count == 0 ? spec : null;
    }

    public static StrategyPatch? ToPatch(this UpdateStrategyRequest request, Dictionary<string, string[]> errors)
    {
        StrategyStatus? status = null;
        if (request.Status is not null)
        {
            status = request.Status switch
            {
                "running" => StrategyStatus.Running,
                "stopped" => StrategyStatus.Stopped,
                _ => null,
            };
            if (status is null) Wire.Add(errors, "status", "Must be 'running' or 'stopped' (a halted strategy is released through /v1/controls/kill-switch).");
        }
        var parameters = request.Parameters is null ? null : ToParameters(request.Parameters, errors);
        var risk = request.Risk is null ? null : ToRisk(request.Risk, errors);
        if (request.Name is not null && string.IsNullOrWhiteSpace(request.Name)) Wire.Add(errors, "name", "Must not be blank.");
        return errors.Count == 0 ? new StrategyPatch(request.Name?.Trim(), parameters, risk, status) : null;
    }

    internal static StrategyKind? ParseKind(string? kind, Dictionary<string, string[]> errors, string field = "kind")
    {
        if (kind is null)
        {
            Wire.Add(errors, field, $"Required: one of {string.Join(", ", StrategyRules.Kinds.Keys)}.");
            return null;
        }
        if (StrategyRules.Kinds.TryGetValue(kind, out var value)) return value;
        Wire.Add(errors, field, $"Unknown kind '{Wire.Shorten(kind)}': expected one of {string.Join(", ", StrategyRules.Kinds.Keys)}.");
        return null;
    }

    internal static ImmutableSortedDictionary<string, decimal> ToParameters(Dictionary<string, JsonElement>? parameters, Dictionary<string, string[]> errors, string field = "parameters")
    {
        var result = ImmutableSortedDictionary.CreateBuilder<string, decimal>(StringComparer.Ordinal);
        foreach (var (name, value) in parameters ?? [])
        {
            if (value.ValueKind == JsonValueKind.Number && value.TryGetDecimal(out var number)) result[name] = number;
            else Wire.Add(errors, $"{field}.{Wire.Shorten(name)}", "Must be a number.");
        }
        return result.ToImmutable();
    }

    private static StrategyRisk? ToRisk(StrategyRiskRequest? risk, Dictionary<string, string[]> errors)
    {
        if (risk is null)
        {
            Wire.Add(errors, "risk", "Required: {maxOrderQuantity, maxPositionQuantity, maxNotional, maxDailyLoss}.");
            return null;
        }
        if (risk.MaxOrderQuantity is null) Wire.Add(errors, "risk.maxOrderQuantity", "Required.");
        if (risk.MaxPositionQuantity is null) Wire.Add(errors, "risk.maxPositionQuantity", "Required.");
        if (risk.MaxNotional is null) Wire.Add(errors, "risk.maxNotional", "Required.");
        if (risk.MaxDailyLoss is null) Wire.Add(errors, "risk.maxDailyLoss", "Required.");
        return new StrategyRisk(risk.MaxOrderQuantity ?? 0, risk.MaxPositionQuantity ?? 0, risk.MaxNotional ?? 0, risk.MaxDailyLoss ?? 0);
    }

    private static string Root(string field) => field.Split('.', '[')[0];

}
