using System.Collections.Immutable;
using System.Text;
using TradingPlatform.Storage;
using TradingPlatform.Strategies;
using TradingPlatform.Tests.Strategies;

namespace TradingPlatform.Tests.Storage;

public sealed class SystemTextJsonGrainStorageSerializerTests
{
    private readonly SystemTextJsonGrainStorageSerializer _serializer = new();

    [Fact]
    public void Strategy_state_survives_a_round_trip()
    {
        var state = StrategyState.From(Specs.SmaCross("s1"), new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero));
        state.Status = StrategyStatus.Running;
        state.Registered = true;

        var copy = _serializer.Deserialize<StrategyState>(_serializer.Serialize(state));

        Assert.Equal(state.ToSnapshot(StrategyPnl.Zero, 0, 0) with { Symbols = [], Parameters = ImmutableSortedDictionary<string, decimal>.Empty }, copy.ToSnapshot(StrategyPnl.Zero, 0, 0) with { Symbols = [], Parameters = ImmutableSortedDictionary<string, decimal>.Empty });
        Assert.Equal(state.Symbols.ToArray(), copy.Symbols.ToArray());
        Assert.Equal(state.Parameters, copy.Parameters);
        Assert.True(copy.Registered);
    }

    [Fact]
    public void Stored_json_names_no_clr_types_so_renames_cannot_break_reads()
    {
        var json = Encoding.UTF8.GetString(_serializer.Serialize(StrategyState.From(Specs.SmaCross("s1"), DateTimeOffset.UnixEpoch)));

        Assert.DoesNotContain("$type", json, StringComparison.Ordinal);
        Assert.DoesNotContain("TradingPlatform", json, StringComparison.Ordinal);
        Assert.Contains("\"kind\":\"sma_cross\"", json, StringComparison.Ordinal);
    }
}
