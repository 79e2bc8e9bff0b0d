using System.ComponentModel.DataAnnotations;

namespace TradingPlatform.Execution;

/// <summary>Paper execution (section <c>Execution</c>): market orders fill at the last price moved by the slippage; every fill pays the fee.</summary>
public sealed class ExecutionOptions
{
    public const string SectionName = "Execution";

    [Range(0, 10_000)]
    public decimal SlippageBps { get; set; }

    [Range(0, 10_000)]
    public decimal FeeBps { get; set; }
}
