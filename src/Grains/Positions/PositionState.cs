namespace TradingPlatform.Positions;

/// <summary>
/// The persisted snapshot of a position. The journal is the truth: this is a cache of it up to
/// <see cref="Sequence"/>, written every so many fills and on deactivation; activation replays the rest.
/// </summary>
[GenerateSerializer, Alias("position-state.v1")]
public sealed class PositionState
{
    [Id(0)] public decimal Quantity { get; set; }
    [Id(1)] public decimal AveragePrice { get; set; }
    [Id(2)] public decimal RealizedPnl { get; set; }
    [Id(3)] public decimal Fees { get; set; }
    [Id(4)] public long Sequence { get; set; }
    [Id(5)] public long Fills { get; set; }
    [Id(6)] public decimal Volume { get; set; }
    [Id(7)] public decimal? LastPrice { get; set; }
    [Id(8)] public DateTimeOffset? LastMarkUtc { get; set; }
    [Id(9)] public DateTimeOffset UpdatedAtUtc { get; set; }
    [Id(10)] public bool Registered { get; set; }

    [System.Text.Json.Serialization.JsonIgnore]
    public PositionBook Book
    {
        get => new(Quantity, AveragePrice, RealizedPnl, Fees);
        set => (Quantity, AveragePrice, RealizedPnl, Fees) = (value.Quantity, value.AveragePrice, value.RealizedPnl, value.Fees);
    }

    /// <summary>Applies the next fill (its sequence must be <see cref="Sequence"/> + 1).</summary>
    public void Apply(Fill fill)
    {
        Book = Book.Apply(fill.Side, fill.Quantity, fill.Price, fill.Fee);
        Sequence = fill.Sequence;
        Fills++;
        Volume += fill.Quantity * fill.Price;
        LastPrice ??= fill.Price;
        if (fill.ExecutedAtUtc > UpdatedAtUtc) UpdatedAtUtc = fill.ExecutedAtUtc;
    }

    public PositionSnapshot ToSnapshot(string strategyId, string symbol) => new(
        strategyId, symbol, Quantity, AveragePrice, RealizedPnl, Book.Unrealized(LastPrice), LastPrice, Fees, Sequence, Fills, Volume, UpdatedAtUtc);
}
