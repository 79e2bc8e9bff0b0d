using System.Text;
using TradingPlatform.Candles;

namespace TradingPlatform.Tests.Candles;

/// <summary>
/// The rules every <see cref="ICandleStore"/> keeps, run against each implementation. Tests share one store (and
/// database): each uses symbols of its own.
/// </summary>
public abstract class CandleStoreContract(ICandleStore store)
{
    protected ICandleStore Store { get; } = store;

    protected static string NewSymbol() => ("C" + Guid.NewGuid().ToString("N"))[..12].ToUpperInvariant();

    protected static DateTime T(string iso) => DateTime.SpecifyKind(DateTime.Parse(iso, System.Globalization.CultureInfo.InvariantCulture,
        System.Globalization.DateTimeStyles.AdjustToUniversal | System.Globalization.DateTimeStyles.AssumeUniversal), DateTimeKind.Utc);

    protected static Candle Bar(string time, decimal open, decimal high, decimal low, decimal close, decimal volume) =>
        new(T(time), open, high, low, close, volume);

    /// <summary>
    /// One-minute bars over two UTC days, hand-built so every bucket boundary is exercised: 09:58 and 09:59 share the
    /// 09:55 five-minute bucket, 10:05 opens a new one, 13:17 sits alone, and the second day starts at 00:00 and ends at 23:59.
    /// </summary>
    protected static readonly Candle[] Minutes =
    [
        Bar("2024-01-02T09:58:00Z", 10m, 11m, 9m, 10.5m, 100m),
        Bar("2024-01-02T09:59:00Z", 10.5m, 12m, 10m, 11m, 200m),
        Bar("2024-01-02T10:00:00Z", 11m, 11.5m, 10.8m, 11.2m, 50m),
        Bar("2024-01-02T10:03:00Z", 11.2m, 13m, 11m, 12m, 70m),
        Bar("2024-01-02T10:05:00Z", 12m, 12.5m, 8m, 9m, 30m),
        Bar("2024-01-02T13:17:00Z", 9m, 9.5m, 8.5m, 9.2m, 10m),
        Bar("2024-01-03T00:00:00Z", 20m, 21m, 19m, 20m, 1m),
        Bar("2024-01-03T23:59:00Z", 20m, 22m, 18m, 21m, 2m),
    ];

    [Fact]
    public async Task Upserted_bars_come_back_ascending_with_their_exact_values()
    {
        var symbol = NewSymbol();
        var shuffled = new[] { Minutes[3], Minutes[0], Minutes[7], Minutes[1], Minutes[2], Minutes[6], Minutes[5], Minutes[4] };

        var written = await Store.Upsert(symbol, Timeframe.OneMinute, shuffled);

        Assert.Equal(8, written);
        Assert.Equal(Minutes, await Store.Query(symbol, Timeframe.OneMinute, null, null, 100));
        Assert.Equal(Timeframe.OneMinute, await Store.Source(symbol, Timeframe.OneMinute));
    }

    [Fact]
    public async Task Symbols_are_matched_trimmed_and_upper_case()
    {
        var symbol = NewSymbol();
        await Store.Upsert(symbol.ToLowerInvariant(), Timeframe.OneMinute, Minutes[..2]);

        Assert.Equal(Minutes[..2], await Store.Query($" {symbol.ToLowerInvariant()} ", Timeframe.OneMinute, null, null, 10));
        Assert.Equal(Minutes[..2], await Store.Query(symbol, Timeframe.OneMinute, null, null, 10));
    }

    [Fact]
    public async Task An_upsert_replaces_the_bar_with_the_same_key_and_keeps_the_others()
    {
        var symbol = NewSymbol();
        await Store.Upsert(symbol, Timeframe.OneMinute, Minutes);
        var changed = Minutes[2] with { High = 14m, Close = 13.5m, Volume = 999m };

        await Store.Upsert(symbol, Timeframe.OneMinute, [changed]);

        var expected = Minutes.ToArray();
        expected[2] = changed;
        Assert.Equal(expected, await Store.Query(symbol, Timeframe.OneMinute, null, null, 100));
    }

    [Fact]
    public async Task A_csv_import_writes_the_valid_rows_reports_the_rejected_ones_and_upserts_on_a_second_import()
    {
        var symbol = NewSymbol();
        var csv = $"""
            symbol,timeframe,timestamp,open,high,low,close,volume
            {symbol},1m,2024-01-02T09:58:00Z,10,11,9,10.5,100
            {symbol},1m,2024-01-02T09:59:00Z,10.5,12,10,11,200
            {symbol},1m,2024-01-02T10:00:00Z,11,10,12,11,5
            {symbol},1d,2024-01-02T00:00:00Z,10,13,8,9.2,460
            """;

        var first = await Store.Import(Utf8(csv));

        Assert.Equal(3, first.Imported);
        Assert.Equal(1, first.Rejected);
        Assert.Equal([new CandleImportError(4, CandleRules.HighBelowLow, "high 10 is below low 12")], first.Errors);
        Assert.Equal(
            [new CandleSeriesImport(symbol, "1m", 2, T("2024-01-02T09:58:00Z"), T("2024-01-02T09:59:00Z")),
             new CandleSeriesImport(symbol, "1d", 1, T("2024-01-02"), T("2024-01-02"))],
            first.Series);
        Assert.Equal(Minutes[..2], await Store.Query(symbol, Timeframe.OneMinute, null, null, 10));

        var second = await Store.Import(Utf8($"{symbol},1m,2024-01-02T09:59:00Z,10.5,12.5,10,12,250\n"));

        Assert.Equal((1, 0), (second.Imported, second.Rejected));
        Assert.Equal([Minutes[0], Minutes[1] with { High = 12.5m, Close = 12m, Volume = 250m }],
            await Store.Query(symbol, Timeframe.OneMinute, null, null, 10));
        Assert.Equal([Bar("2024-01-02", 10m, 13m, 8m, 9.2m, 460m)], await Store.Query(symbol, Timeframe.OneDay, null, null, 10));
    }

    [Fact]
    public async Task A_body_without_any_candle_row_throws_and_writes_nothing()
    {
        var empty = await Assert.ThrowsAsync<CandleFileException>(() => Store.Import(Utf8("")));
        var headerOnly = await Assert.ThrowsAsync<CandleFileException>(() => Store.Import(Utf8(CandleCsvParser.Header + "\n")));
        var json = await Assert.ThrowsAsync<CandleFileException>(() => Store.Import(Utf8("""{"symbol":"SPY","bars":[1,2,3]}""")));

        Assert.Equal("The body is empty.", empty.Message);
        Assert.Equal("The file has a header line but no rows.", headerOnly.Message);
        Assert.Contains("not a candle CSV", json.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_import_whose_body_fails_midway_writes_nothing()
    {
        var symbol = NewSymbol();
        var csv = CandleCsvWriter.ToCsv(symbol, Timeframe.OneMinute, SyntheticCandles.Generate(7, T("2024-01-01"), Timeframe.OneMinute, 5_000));
        var body = new FailingStream(Encoding.UTF8.GetBytes(csv), failAfter: csv.Length / 2);

        await Assert.ThrowsAsync<IOException>(() => Store.Import(body));

        Assert.Null(await Store.Source(symbol, Timeframe.OneMinute));
        Assert.Empty(await Store.Query(symbol, Timeframe.OneMinute, null, null, 10));
    }

    [Fact]
    public async Task An_invalid_bar_in_an_upsert_throws_and_writes_nothing()
    {
        var symbol = NewSymbol();

        var broken = await Assert.ThrowsAsync<ArgumentException>(() => Store.Upsert(symbol, Timeframe.OneMinute, [Minutes[0], Minutes[1] with { Low = 13m }]));
        var repeated = await Assert.ThrowsAsync<ArgumentException>(() => Store.Upsert(symbol, Timeframe.OneMinute, [Minutes[0], Minutes[0]]));
        var unaligned = await Assert.ThrowsAsync<ArgumentException>(() => Store.Upsert(symbol, Timeframe.FiveMinutes, [Minutes[0]]));

        Assert.StartsWith(CandleRules.HighBelowLow, broken.Message, StringComparison.Ordinal);
        Assert.StartsWith(CandleRules.Duplicate, repeated.Message, StringComparison.Ordinal);
        Assert.StartsWith(CandleRules.UnalignedTimestamp, unaligned.Message, StringComparison.Ordinal);
        Assert.Null(await Store.Source(symbol, Timeframe.OneDay));
    }

    [Fact]
    public async Task One_minute_bars_aggregate_to_5m_1h_4h_and_1d_with_exact_ohlcv()
    {
        var symbol = NewSymbol();
        await Store.Upsert(symbol, Timeframe.OneMinute, Minutes);

        Assert.Equal(
            [
                Bar("2024-01-02T09:55:00Z", 10m, 12m, 9m, 11m, 300m),
                Bar("2024-01-02T10:00:00Z", 11m, 13m, 10.8m, 12m, 120m),
                Bar("2024-01-02T10:05:00Z", 12m, 12.5m, 8m, 9m, 30m),
                Bar("2024-01-02T13:15:00Z", 9m, 9.5m, 8.5m, 9.2m, 10m),
                Bar("2024-01-03T00:00:00Z", 20m, 21m, 19m, 20m, 1m),
                Bar("2024-01-03T23:55:00Z", 20m, 22m, 18m, 21m, 2m),
            ],
            await Store.Query(symbol, Timeframe.FiveMinutes, null, null, 100));
        Assert.Equal(
            [
                Bar("2024-01-02T09:00:00Z", 10m, 12m, 9m, 11m, 300m),
                Bar("2024-01-02T10:00:00Z", 11m, 13m, 8m, 9m, 150m),
                Bar("2024-01-02T13:00:00Z", 9m, 9.5m, 8.5m, 9.2m, 10m),
                Bar("2024-01-03T00:00:00Z", 20m, 21m, 19m, 20m, 1m),
                Bar("2024-01-03T23:00:00Z", 20m, 22m, 18m, 21m, 2m),
            ],
            await Store.Query(symbol, Timeframe.OneHour, null, null, 100));
        Assert.Equal(
            [
                Bar("2024-01-02T08:00:00Z", 10m, 13m, 8m, 9m, 450m),
                Bar("2024-01-02T12:00:00Z", 9m, 9.5m, 8.5m, 9.2m, 10m),
                Bar("2024-01-03T00:00:00Z", 20m, 21m, 19m, 20m, 1m),
                Bar("2024-01-03T20:00:00Z", 20m, 22m, 18m, 21m, 2m),
            ],
            await Store.Query(symbol, Timeframe.FourHours, null, null, 100));
        Assert.Equal(
            [Bar("2024-01-02", 10m, 13m, 8m, 9.2m, 460m), Bar("2024-01-03", 20m, 22m, 18m, 21m, 3m)],
            await Store.Query(symbol, Timeframe.OneDay, null, null, 100));
        Assert.Equal(Timeframe.OneMinute, await Store.Source(symbol, Timeframe.OneDay));
    }

    [Fact]
    public async Task Ranges_are_half_open_on_the_bar_time_and_an_aggregated_bar_always_covers_its_whole_bucket()
    {
        var symbol = NewSymbol();
        await Store.Upsert(symbol, Timeframe.OneMinute, Minutes);

        Assert.Equal(Minutes[1..3], await Store.Query(symbol, Timeframe.OneMinute, T("2024-01-02T09:59:00Z"), T("2024-01-02T10:03:00Z"), 100));
        Assert.Equal(Minutes[..6], await Store.Query(symbol, Timeframe.OneMinute, null, T("2024-01-03T00:00:00Z"), 100));
        Assert.Equal(Minutes[6..], await Store.Query(symbol, Timeframe.OneMinute, T("2024-01-03T00:00:00Z"), null, 100));
        Assert.Empty(await Store.Query(symbol, Timeframe.OneMinute, T("2024-01-02T10:00:00Z"), T("2024-01-02T10:00:00Z"), 100));

        // from 09:57 falls inside the 09:55 bucket: that bucket starts before from, so it is out (not cut short);
        // to 10:01 falls inside the 10:00 bucket: it starts before to, so it is in, with its 10:03 bar.
        Assert.Equal(
            [Bar("2024-01-02T10:00:00Z", 11m, 13m, 10.8m, 12m, 120m)],
            await Store.Query(symbol, Timeframe.FiveMinutes, T("2024-01-02T09:57:00Z"), T("2024-01-02T10:01:00Z"), 100));
        Assert.Equal(
            [Bar("2024-01-03", 20m, 22m, 18m, 21m, 3m)],
            await Store.Query(symbol, Timeframe.OneDay, T("2024-01-02T00:00:01Z"), null, 100));
        Assert.Equal(
            [Bar("2024-01-02", 10m, 13m, 8m, 9.2m, 460m)],
            await Store.Query(symbol, Timeframe.OneDay, null, T("2024-01-02T00:00:01Z"), 100));
    }

    [Fact]
    public async Task Limit_returns_the_first_bars_of_the_range()
    {
        var symbol = NewSymbol();
        await Store.Upsert(symbol, Timeframe.OneMinute, Minutes);

        Assert.Equal(Minutes[..3], await Store.Query(symbol, Timeframe.OneMinute, null, null, 3));
        Assert.Equal(Minutes[4..5], await Store.Query(symbol, Timeframe.OneMinute, T("2024-01-02T10:04:00Z"), null, 1));
        Assert.Equal(
            [Bar("2024-01-02T10:05:00Z", 12m, 12.5m, 8m, 9m, 30m), Bar("2024-01-02T13:15:00Z", 9m, 9.5m, 8.5m, 9.2m, 10m)],
            await Store.Query(symbol, Timeframe.FiveMinutes, T("2024-01-02T10:05:00Z"), null, 2));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => Store.Query(symbol, Timeframe.OneMinute, null, null, 0));
    }

    [Fact]
    public async Task A_stored_timeframe_is_served_as_stored_and_aggregation_uses_the_finest_stored_one_that_divides()
    {
        var symbol = NewSymbol();
        await Store.Upsert(symbol, Timeframe.OneMinute, Minutes);
        var storedHours = new[] { Bar("2024-01-02T10:00:00Z", 50m, 60m, 40m, 55m, 7m) };
        await Store.Upsert(symbol, Timeframe.OneHour, storedHours);
        await Store.Upsert(symbol, Timeframe.FifteenMinutes, [Bar("2024-01-05T10:00:00Z", 1m, 1m, 1m, 1m, 1m)]);

        Assert.Equal(storedHours, await Store.Query(symbol, Timeframe.OneHour, null, null, 100));
        Assert.Equal(Timeframe.OneHour, await Store.Source(symbol, Timeframe.OneHour));
        // 4h is not stored: 1m, 15m and 1h all divide it; the finest (1m) is used, nothing is mixed in from the others.
        Assert.Equal(Timeframe.OneMinute, await Store.Source(symbol, Timeframe.FourHours));
        Assert.Equal(4, (await Store.Query(symbol, Timeframe.FourHours, null, null, 100)).Count);
        Assert.Null(await Store.Source(NewSymbol(), Timeframe.OneDay));
    }

    [Fact]
    public async Task Page_gives_the_bars_of_Query_and_the_timeframe_they_come_from()
    {
        var symbol = NewSymbol();
        await Store.Upsert(symbol, Timeframe.OneMinute, Minutes);

        var stored = await Store.Page(symbol, Timeframe.OneMinute, T("2024-01-02T10:00:00Z"), null, 3);
        var aggregated = await Store.Page(symbol, Timeframe.OneHour, null, null, 100);
        var emptyRange = await Store.Page(symbol, Timeframe.OneMinute, T("2030-01-01"), null, 10);
        var unknown = await Store.Page(NewSymbol(), Timeframe.OneMinute, null, null, 10);

        Assert.Equal(Timeframe.OneMinute, stored.Source);
        Assert.Equal(Minutes[2..5], stored.Bars);
        Assert.Equal(Timeframe.OneMinute, aggregated.Source);
        Assert.Equal(await Store.Query(symbol, Timeframe.OneHour, null, null, 100), aggregated.Bars);
        Assert.Equal((Timeframe.OneMinute, 0), (emptyRange.Source, emptyRange.Bars.Count));
        Assert.Equal((null, 0), (unknown.Source, unknown.Bars.Count));
    }

    [Fact]
    public async Task A_coarser_stored_timeframe_is_never_used_for_a_finer_one()
    {
        var symbol = NewSymbol();
        await Store.Upsert(symbol, Timeframe.OneDay, [Bar("2024-01-02", 10m, 13m, 8m, 9.2m, 460m)]);

        Assert.Null(await Store.Source(symbol, Timeframe.OneHour));
        Assert.Empty(await Store.Query(symbol, Timeframe.OneHour, null, null, 100));
        Assert.Empty(await ReadAll(symbol, Timeframe.OneHour, DateTime.MinValue, DateTime.MaxValue, 10));
    }

    [Fact]
    public async Task Unknown_and_invalid_symbols_have_no_bars()
    {
        Assert.Empty(await Store.Query(NewSymbol(), Timeframe.OneMinute, null, null, 10));
        Assert.Empty(await Store.Query("not a symbol!", Timeframe.OneDay, null, null, 10));
        Assert.Null(await Store.Describe(NewSymbol(), Timeframe.OneMinute));
        Assert.Empty(await ReadAll(NewSymbol(), Timeframe.OneMinute, DateTime.MinValue, DateTime.MaxValue, 10));
    }

    [Fact]
    public async Task ReadBatches_returns_every_bar_of_the_range_in_order_in_batches_of_the_size_asked()
    {
        var symbol = NewSymbol();
        var bars = SyntheticCandles.Generate(11, T("2024-03-01"), Timeframe.OneMinute, 2_500).ToArray();
        await Store.Upsert(symbol, Timeframe.OneMinute, bars);

        var batches = new List<Candle[]>();
        await foreach (var batch in Store.ReadBatches(symbol, Timeframe.OneMinute, DateTime.MinValue, DateTime.MaxValue, 1_000)) batches.Add(batch);

        Assert.Equal([1_000, 1_000, 500], batches.Select(b => b.Length));
        Assert.Equal(bars, batches.SelectMany(b => b));
        Assert.Equal(bars[100..2_100], await ReadAll(symbol, Timeframe.OneMinute, bars[100].TimeUtc, bars[2_100].TimeUtc, 333));
        Assert.Equal(bars[..1_500], await Store.Query(symbol, Timeframe.OneMinute, null, null, 1_500));
        Assert.Equal(bars[1_000..2_500], (await Store.Page(symbol, Timeframe.OneMinute, bars[1_000].TimeUtc, null, 10_000)).Bars);
        Assert.Empty(await ReadAll(symbol, Timeframe.OneMinute, bars[5].TimeUtc, bars[5].TimeUtc, 10));
    }

    [Fact]
    public async Task ReadBatches_of_a_timeframe_that_is_not_stored_equals_the_aggregation_of_the_stored_bars()
    {
        var symbol = NewSymbol();
        var bars = SyntheticCandles.Generate(12, T("2024-03-01"), Timeframe.OneMinute, 3_000).ToArray();
        await Store.Upsert(symbol, Timeframe.OneMinute, bars);
        var expected = CandleAggregation.Aggregate(bars, Timeframe.FiveMinutes).ToArray();

        var all = await ReadAll(symbol, Timeframe.FiveMinutes, DateTime.MinValue, DateTime.MaxValue, 250);
        var some = await ReadAll(symbol, Timeframe.FifteenMinutes, T("2024-03-01T01:00:00Z"), T("2024-03-01T03:00:00Z"), 3);

        Assert.Equal(600, expected.Length);
        Assert.Equal(expected, all);
        Assert.Equal(CandleAggregation.Aggregate(bars[60..180], Timeframe.FifteenMinutes), some);
        Assert.Equal(expected[..250], await Store.Query(symbol, Timeframe.FiveMinutes, null, null, 250));
        Assert.Equal(expected[..599], await Store.Query(symbol, Timeframe.FiveMinutes, null, null, 599));
    }

    [Fact]
    public async Task Describe_gives_first_last_and_count_of_stored_and_of_aggregated_bars()
    {
        var symbol = NewSymbol();
        await Store.Upsert(symbol, Timeframe.OneMinute, Minutes);

        Assert.Equal(new CandleCoverage(symbol, Timeframe.OneMinute, Timeframe.OneMinute, T("2024-01-02T09:58:00Z"), T("2024-01-03T23:59:00Z"), 8),
            await Store.Describe(symbol.ToLowerInvariant(), Timeframe.OneMinute));
        Assert.Equal(new CandleCoverage(symbol, Timeframe.OneHour, Timeframe.OneMinute, T("2024-01-02T09:00:00Z"), T("2024-01-03T23:00:00Z"), 5),
            await Store.Describe(symbol, Timeframe.OneHour));
        Assert.Equal(new CandleCoverage(symbol, Timeframe.OneDay, Timeframe.OneMinute, T("2024-01-02"), T("2024-01-03"), 2),
            await Store.Describe(symbol, Timeframe.OneDay));
    }

    [Fact]
    public async Task The_real_spy_minute_file_aggregates_to_the_daily_bars_computed_by_hand()
    {
        var symbol = NewSymbol();
        var csv = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Data", "spy-1m-2013-10.csv")).Replace("SPY,", symbol + ",", StringComparison.Ordinal);

        var result = await Store.Import(Utf8(csv));

        Assert.Equal((4_128, 0), (result.Imported, result.Rejected));
        // python3: group the 4,128 rows by timestamp[:10]; open of the first, max high, min low, close of the last, sum volume.
        Assert.Equal(
            [
                Bar("2013-10-07", 167.41m, 168.90m, 167.01m, 167.30m, 92_720_576m),
                Bar("2013-10-08", 167.42m, 167.64m, 165.16m, 165.95m, 175_026_101m),
                Bar("2013-10-09", 165.98m, 166.33m, 164.53m, 165.72m, 158_425_072m),
                Bar("2013-10-10", 166.43m, 169.24m, 165.57m, 168.75m, 190_932_679m),
                Bar("2013-10-11", 168.95m, 170.57m, 167.88m, 170.41m, 100_204_943m),
            ],
            await Store.Query(symbol, Timeframe.OneDay, null, null, 10));
        Assert.Equal((943L, 80L, 20L),
            ((await Store.Describe(symbol, Timeframe.FiveMinutes))!.Count, (await Store.Describe(symbol, Timeframe.OneHour))!.Count,
             (await Store.Describe(symbol, Timeframe.FourHours))!.Count));
    }

    protected async Task<List<Candle>> ReadAll(string symbol, Timeframe timeframe, DateTime from, DateTime to, int batchSize)
    {
        var all = new List<Candle>();
        await foreach (var batch in Store.ReadBatches(symbol, timeframe, from, to, batchSize))
        {
            Assert.InRange(batch.Length, 1, batchSize);
            all.AddRange(batch);
        }
        return all;
    }

    protected static MemoryStream Utf8(string text) => new(Encoding.UTF8.GetBytes(text));

    /// <summary>A request body whose connection drops: the first bytes arrive, then reading throws.</summary>
    protected sealed class FailingStream(byte[] data, int failAfter) : Stream
    {
        private int _position;

        public override int Read(byte[] buffer, int offset, int count)
        {
            if (_position >= failAfter) throw new IOException("connection reset (test)");
            var n = Math.Min(count, failAfter - _position);
            Array.Copy(data, _position, buffer, offset, n);
            _position += n;
            return n;
        }

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => data.Length;
        public override long Position { get => _position; set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
