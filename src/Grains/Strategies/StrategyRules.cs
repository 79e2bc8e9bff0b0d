using System.Collections.Immutable;
using System.Globalization;
using System.Text.RegularExpressions;

namespace TradingPlatform.Strategies;

/// <summary>
/// What makes a strategy definition valid: ids, names, symbols, risk limits, and each kind's own
/// parameters. Pure logic, shared by the API (to answer 400 before calling a grain) and the grain
/// (which never stores an invalid definition, whoever calls it).
/// Error keys are the camelCase JSON paths of the request (<c>parameters.fast</c>).
/// </summary>
public static partial class StrategyRules
{
    public const int MaxNameLength = 100;
    public const int MaxSymbols = 50;
    public const int MaxWindow = 10_000;

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$", RegexOptions.CultureInvariant)]
    private static partial Regex IdPattern();

    [GeneratedRegex("^[A-Z0-9][A-Z0-9._-]{0,19}$", RegexOptions.CultureInvariant)]
    private static partial Regex SymbolPattern();

    /// <summary>The wire names of the kinds a strategy can have today.</summary>
    public static readonly ImmutableSortedDictionary<string, StrategyKind> Kinds = new Dictionary<string, StrategyKind>
    {
        ["sma_cross"] = StrategyKind.SmaCross,
        ["mean_reversion"] = StrategyKind.MeanReversion,
        ["breakout"] = StrategyKind.Breakout,
        ["manual"] = StrategyKind.Manual,
        ["buy_and_hold"] = StrategyKind.BuyAndHold,
    }.ToImmutableSortedDictionary(StringComparer.Ordinal);

    public static string WireName(this StrategyKind kind) => Kinds.First(k => k.Value == kind).Key;

    public static bool IsValidId(string? id) => id is not null && IdPattern().IsMatch(id);

    public static string NormalizeSymbol(string symbol) => symbol.Trim().ToUpperInvariant();

    public static bool IsValidSymbol(string? symbol) => symbol is not null && SymbolPattern().IsMatch(symbol);

    public static ImmutableDictionary<string, string[]> Validate(StrategySpec spec)
    {
        var errors = new ErrorBag();
        if (!IsValidId(spec.Id))
            errors.Add("id", "Must be 1-64 characters: letters, digits, '-' or '_', starting with a letter or digit.");
        ValidateName(spec.Name, errors);
        ValidateSymbols(spec.Symbols, errors);
        ValidateParameters(spec.Kind, spec.Parameters, errors);
        ValidateRisk(spec.Risk, errors);
        return errors.ToImmutable();
    }

    public static ImmutableDictionary<string, string[]> Validate(StrategyKind kind, StrategyPatch patch)
    {
        var errors = new ErrorBag();
        if (patch.Name is not null) ValidateName(patch.Name, errors);
        if (patch.Parameters is not null) ValidateParameters(kind, patch.Parameters, errors);
        if (patch.Risk is not null) ValidateRisk(patch.Risk, errors);
        if (patch.Status is StrategyStatus.Halted)
            errors.Add("status", "Must be 'running' or 'stopped'; halting goes through /v1/controls/kill-switch.");
        return errors.ToImmutable();
    }

    private static void ValidateName(string? name, ErrorBag errors)
    {
        if (string.IsNullOrWhiteSpace(name)) errors.Add("name", "Required.");
        else if (name.Length > MaxNameLength) errors.Add("name", $"At most {MaxNameLength} characters.");
    }

    private static void ValidateSymbols(ImmutableArray<string> symbols, ErrorBag errors)
    {
        if (symbols.IsDefaultOrEmpty)
        {
            errors.Add("symbols", "At least one symbol is required.");
            return;
        }
        if (symbols.Length > MaxSymbols) errors.Add("symbols", $"At most {MaxSymbols} symbols.");
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < symbols.Length; i++)
        {
            var symbol = symbols[i];
            if (symbol is null || !SymbolPattern().IsMatch(symbol))
                errors.Add($"symbols[{i}]", "Must be 1-20 characters: A-Z, 0-9, '.', '_' or '-'.");
            else if (!seen.Add(symbol))
                errors.Add($"symbols[{i}]", $"'{symbol}' is listed twice.");
        }
    }

    private static void ValidateRisk(StrategyRisk? risk, ErrorBag errors)
    {
        if (risk is null)
        {
            errors.Add("risk", "Required: {maxOrderQuantity, maxPositionQuantity, maxNotional, maxDailyLoss}.");
            return;
        }
        Positive(risk.MaxOrderQuantity, "risk.maxOrderQuantity", errors);
        Positive(risk.MaxPositionQuantity, "risk.maxPositionQuantity", errors);
        Positive(risk.MaxNotional, "risk.maxNotional", errors);
        Positive(risk.MaxDailyLoss, "risk.maxDailyLoss", errors);
        if (risk.MaxOrderQuantity > risk.MaxPositionQuantity && risk.MaxPositionQuantity > 0)
            errors.Add("risk.maxOrderQuantity", "Cannot exceed risk.maxPositionQuantity.");
    }

    /// <summary>The kind's parameters alone (for backtest requests); keys are <c>{prefix}.parameters.{name}</c>.</summary>
    public static ImmutableDictionary<string, string[]> ValidateParameters(StrategyKind kind, ImmutableSortedDictionary<string, decimal>? parameters, string prefix)
    {
        var errors = new ErrorBag();
        ValidateParameters(kind, parameters, errors);
        return errors.ToImmutable().ToImmutableDictionary(e => prefix + "." + e.Key, e => e.Value, StringComparer.Ordinal);
    }

    private static void ValidateParameters(StrategyKind kind, ImmutableSortedDictionary<string, decimal>? parameters, ErrorBag errors)
    {
        parameters ??= ImmutableSortedDictionary<string, decimal>.Empty;
        var definition = Definitions[kind];
        foreach (var name in parameters.Keys.Where(n => !definition.Any(p => p.Name == n)))
            errors.Add($"parameters.{name}", $"Unknown parameter for kind '{kind.WireName()}'. Expected: {Describe(definition)}.");
        foreach (var parameter in definition)
        {
            if (!parameters.TryGetValue(parameter.Name, out var value))
            {
                errors.Add($"parameters.{parameter.Name}", "Required.");
                continue;
            }
            var message = parameter.Check(value);
            if (message is not null) errors.Add($"parameters.{parameter.Name}", message);
        }
        if (kind == StrategyKind.SmaCross
            && parameters.TryGetValue("fast", out var fast) && parameters.TryGetValue("slow", out var slow) && fast >= slow)
            errors.Add("parameters.fast", "Must be smaller than parameters.slow.");
    }

    private static string Describe(IEnumerable<ParameterRule> definition)
    {
        var names = definition.Select(p => p.Name).ToArray();
        return names.Length == 0 ? "no parameters" : string.Join(", ", names);
    }

    private static void Positive(decimal value, string field, ErrorBag errors)
    {
        if (value <= 0) errors.Add(field, "Must be greater than 0.");
    }

    private sealed record ParameterRule(string Name, Func<decimal, string?> Check);

    private static ParameterRule Window(string name, int min) => new(name, v =>
        v != decimal.Truncate(v) || v < min || v > MaxWindow
            ? string.Create(CultureInfo.InvariantCulture, $"Must be a whole number from {min} to {MaxWindow}.")
            : null);

    private static ParameterRule PositiveNumber(string name, decimal max) => new(name, v =>
        v <= 0 || v > max ? string.Create(CultureInfo.InvariantCulture, $"Must be greater than 0 and at most {max}.") : null);

    private static readonly Dictionary<StrategyKind, ParameterRule[]> Definitions = new Dictionary<StrategyKind, ParameterRule[]>
    {
        [StrategyKind.SmaCross] = [Window("fast", 1), Window("slow", 2), PositiveNumber("quantity", 1_000_000_000m)],
        [StrategyKind.MeanReversion] = [Window("window", 2), PositiveNumber("k", 10m), PositiveNumber("quantity", 1_000_000_000m)],
        [StrategyKind.Breakout] = [Window("lookback", 1), PositiveNumber("quantity", 1_000_000_000m)],
        [StrategyKind.Manual] = [],
        [StrategyKind.BuyAndHold] = [PositiveNumber("quantity", 1_000_000_000m)],
    };

    private sealed class ErrorBag
    {
        private readonly Dictionary<string, List<string>> _errors = new(StringComparer.Ordinal);

        public void Add(string field, string message)
        {
            if (!_errors.TryGetValue(field, out var list)) _errors[field] = list = [];
            list.Add(message);
        }

        public ImmutableDictionary<string, string[]> ToImmutable() =>
            _errors.ToImmutableDictionary(e => e.Key, e => e.Value.ToArray(), StringComparer.Ordinal);
    }
}
