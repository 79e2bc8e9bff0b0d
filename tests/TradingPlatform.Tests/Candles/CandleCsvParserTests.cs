using System.Text;
using TradingPlatform.Candles;

namespace TradingPlatform.Tests.Candles;

public sealed class CandleCsvParserTests
{
    private static readonly DateTime Jan2 = new(2024, 1, 2, 0, 0, 0, DateTimeKind.Utc);

    private static async Task<(List<CandleRow> Rows, CandleCsvParser Parser)> Parse(string csv, int readSize = int.MaxValue) =>
        await Parse(Encoding.UTF8.GetBytes(csv), readSize);

    private static async Task<(List<CandleRow> Rows, CandleCsvParser Parser)> Parse(byte[] bytes, int readSize = int.MaxValue)
    {
        var parser = new CandleCsvParser();
        var rows = new List<CandleRow>();
        await foreach (var batch in parser.ReadAsync(new TrickleStream(bytes, readSize))) rows.AddRange(batch);
        return (rows, parser);
    }

    public static TheoryData<string, string, string> Rejections => new()
    {
        { "SPY,1m,2024-01-02T00:00:00Z,1,1,1,1", CandleRules.WrongColumnCount, "expected 8 comma-separated fields (symbol,timeframe,timestamp,open,high,low,close,volume), found 7" },
        { "SPY,1m,2024-01-02T00:00:00Z,1,1,1,1,1,1", CandleRules.WrongColumnCount, "expected 8 comma-separated fields (symbol,timeframe,timestamp,open,high,low,close,volume), found 9" },
        { "S P Y,1m,2024-01-02T00:00:00Z,1,1,1,1,1", CandleRules.BadSymbol, "symbol 'S P Y' is not 1-20 characters, A-Z, 0-9, '.', '_' or '-'" },
        { ",1m,2024-01-02T00:00:00Z,1,1,1,1,1", CandleRules.BadSymbol, "symbol '' is not 1-20 characters, A-Z, 0-9, '.', '_' or '-'" },
        { "ABCDEFGHIJKLMNOPQRSTU,1m,2024-01-02T00:00:00Z,1,1,1,1,1", CandleRules.BadSymbol, "symbol 'ABCDEFGHIJKLMNOPQRSTU' is not 1-20 characters, A-Z, 0-9, '.', '_' or '-'" },
        { "SPY,2h,2024-01-02T00:00:00Z,1,1,1,1,1", CandleRules.UnknownTimeframe, "timeframe '2h' is not one of 1m, 5m, 15m, 1h, 4h, 1d" },
        { "SPY,1M,2024-01-02T00:00:00Z,1,1,1,1,1", CandleRules.UnknownTimeframe, "timeframe '1M' is not one of 1m, 5m, 15m, 1h, 4h, 1d" },
        { "SPY,1m,2024-02-30T00:00:00Z,1,1,1,1,1", CandleRules.BadTimestamp, "timestamp '2024-02-30T00:00:00Z' is not an ISO 8601 time with Z or an offset, e.g. 2024-01-31T14:30:00Z" },
        { "SPY,1m,2024-01-02 10:00:00,1,1,1,1,1", CandleRules.BadTimestamp, "timestamp '2024-01-02 10:00:00' is not an ISO 8601 time with Z or an offset, e.g. 2024-01-31T14:30:00Z" },
        { "SPY,1m,1704153600,1,1,1,1,1", CandleRules.BadTimestamp, "timestamp '1704153600' is not an ISO 8601 time with Z or an offset, e.g. 2024-01-31T14:30:00Z" },
        { "SPY,1h,2024-01-02T10:30:00Z,1,1,1,1,1", CandleRules.UnalignedTimestamp, "2024-01-02T10:30:00Z is not the start of a 1h bar (bars start at whole multiples of 1h since 1970-01-01T00:00:00Z, e.g. 2024-01-02T10:00:00Z)" },
        { "SPY,1d,2024-01-02T05:00:00+01:00,1,1,1,1,1", CandleRules.UnalignedTimestamp, "2024-01-02T04:00:00Z is not the start of a 1d bar (bars start at whole multiples of 1d since 1970-01-01T00:00:00Z, e.g. 2024-01-02T00:00:00Z)" },
        { "SPY,1m,2024-01-02T00:00:00Z,abc,1,1,1,1", CandleRules.BadNumber, "open 'abc' is not a number" },
        { "SPY,1m,2024-01-02T00:00:00Z,1,1,1,1,", CandleRules.BadNumber, "volume is empty" },
        { "SPY,1m,2024-01-02T00:00:00Z,1,1,1,1,1e400", CandleRules.BadNumber, "volume '1e400' is not a number" },
        { "SPY,1m,2024-01-02T00:00:00Z,1,1,1,1,1.5.2", CandleRules.BadNumber, "volume '1.5.2' is not a number" },
        { "SPY,1m,2024-01-02T00:00:00Z,1,NaN,1,1,1", CandleRules.NotFinite, "high 'NaN' is not a finite number" },
        { "SPY,1m,2024-01-02T00:00:00Z,1,1,-Infinity,1,1", CandleRules.NotFinite, "low '-Infinity' is not a finite number" },
        { "SPY,1m,2024-01-02T00:00:00Z,1,1,1,inf,1", CandleRules.NotFinite, "close 'inf' is not a finite number" },
        { "SPY,1m,2024-01-02T00:00:00Z,-1,1,1,1,1", CandleRules.Negative, "open -1 is negative" },
        { "SPY,1m,2024-01-02T00:00:00Z,1,1,1,1,-5", CandleRules.Negative, "volume -5 is negative" },
        { "SPY,1m,2024-01-02T00:00:00Z,0,1,1,1,1", CandleRules.ZeroPrice, "open must be greater than 0" },
        { "SPY,1m,2024-01-02T00:00:00Z,10,9,11,10,1", CandleRules.HighBelowLow, "high 9 is below low 11" },
        { "SPY,1m,2024-01-02T00:00:00Z,12,11,9,10,1", CandleRules.OpenOutsideRange, "open 12 is outside [low 9, high 11]" },
        { "SPY,1m,2024-01-02T00:00:00Z,10,11,9,8.99,1", CandleRules.CloseOutsideRange, "close 8.99 is outside [low 9, high 11]" },
        { "SPY,1m,2024-01-02T00:00:00Z," + new string('1', 1100) + ",1,1,1,1", CandleRules.LineTooLong, "longer than 1024 bytes" },
    };

    [Theory]
    [MemberData(nameof(Rejections))]
    public async Task A_bad_row_is_rejected_with_its_line_code_and_reason_and_the_good_rows_around_it_pass(string line, string code, string reason)
    {
        var (rows, parser) = await Parse($"{CandleCsvParser.Header}\nOK,1m,2024-01-02T00:00:00Z,1,1,1,1,1\n{line}\nOK,1m,2024-01-02T00:01:00Z,1,1,1,1,1\n");

        Assert.Equal([new CandleImportError(3, code, reason)], parser.Result(2).Errors);
        Assert.Equal((2, 1), (parser.Valid, parser.Rejected));
        Assert.Equal([Jan2, Jan2.AddMinutes(1)], rows.Select(r => r.Candle.TimeUtc));
    }

    [Fact]
    public async Task A_repeated_key_keeps_the_first_line_and_rejects_the_later_ones_also_out_of_order()
    {
        var (rows, parser) = await Parse("""
            SPY,1m,2024-01-02T00:00:00Z,1,1,1,1,1
            SPY,1m,2024-01-02T00:01:00Z,2,2,2,2,2
            SPY,5m,2024-01-02T00:00:00Z,3,3,3,3,3
            SPY,1m,2024-01-02T00:00:00Z,4,4,4,4,4
            QQQ,1m,2024-01-02T00:00:00Z,5,5,5,5,5
            SPY,1m,2024-01-02T00:02:00Z,6,6,6,6,6
            spy,1m,2024-01-02T00:01:00+00:00,7,7,7,7,7
            """);

        Assert.Equal([1m, 2m, 3m, 5m, 6m], rows.Select(r => r.Candle.Open));
        Assert.Equal([(4L, CandleRules.Duplicate), (7L, CandleRules.Duplicate)], parser.Result(5).Errors.Select(e => (e.Line, e.Code)));
        Assert.Equal("SPY 1m 2024-01-02T00:00:00Z appears earlier in the file (the earlier line is kept)", parser.Result(5).Errors[0].Reason);
    }

    [Fact]
    public async Task The_header_is_optional_blank_lines_crlf_a_byte_order_mark_and_spaces_around_fields_are_fine()
    {
        var withEverything = "\uFEFF Symbol , TIMEFRAME,timestamp,open,high,low,close,volume\r\n\r\n spy , 1m , 2024-01-02T00:00:00Z , 1.5 ,2,1,1.5,10\r\n   \r\nSPY,1m,2024-01-02T00:01:00Z,1.5,2,1,1.5,10";
        var bare = "SPY,1m,2024-01-02T00:00:00Z,1.5,2,1,1.5,10\nSPY,1m,2024-01-02T00:01:00Z,1.5,2,1,1.5,10\n";

        var (rows, parser) = await Parse(withEverything);
        var (bareRows, bareParser) = await Parse(bare);

        Assert.Equal((2, 0), (parser.Valid, parser.Rejected));
        Assert.Equal(bareRows, rows);
        Assert.Equal((2, 0), (bareParser.Valid, bareParser.Rejected));
        Assert.Equal(new CandleRow("SPY", Timeframe.OneMinute, new Candle(Jan2, 1.5m, 2m, 1m, 1.5m, 10m)), rows[0]);
    }

    [Fact]
    public async Task A_header_in_another_order_is_rejected_as_a_header()
    {
        var (_, parser) = await Parse("symbol,timestamp,timeframe,open,high,low,close,volume\nSPY,1m,2024-01-02T00:00:00Z,1,1,1,1,1\n");

        Assert.Equal([new CandleImportError(1, CandleRules.BadHeader, $"a header must be exactly {CandleCsvParser.Header}")], parser.Result(1).Errors);
        Assert.Equal(1, parser.Valid);
    }

    [Theory]
    [InlineData("2024-01-02T10:00:00Z", "2024-01-02T10:00:00")]
    [InlineData("2024-01-02T10:00:00.000Z", "2024-01-02T10:00:00")]
    [InlineData("2024-01-02T12:00:00+02:00", "2024-01-02T10:00:00")]
    [InlineData("2024-01-02T05:00:00-05:00", "2024-01-02T10:00:00")]
    [InlineData("2024-01-02t10:00:00z", "2024-01-02T10:00:00")]
    [InlineData("2024-01-02", "2024-01-02T00:00:00")]
    public void Timestamps_with_Z_an_offset_or_a_bare_date_are_read_as_utc(string text, string expectedUtc)
    {
        var parsed = CandleCsvParser.ParseTime(Encoding.ASCII.GetBytes(text));

        Assert.Equal(DateTime.Parse(expectedUtc, System.Globalization.CultureInfo.InvariantCulture), parsed);
        Assert.Equal(DateTimeKind.Utc, parsed!.Value.Kind);
    }

    [Theory]
    [InlineData("2024-01-02T10:00:00")]
    [InlineData("2024-13-02T10:00:00Z")]
    [InlineData("2024-01-02T24:00:00Z")]
    [InlineData("yesterday")]
    [InlineData("")]
    public void Timestamps_without_an_offset_or_out_of_range_are_not_read(string text) =>
        Assert.Null(CandleCsvParser.ParseTime(Encoding.ASCII.GetBytes(text)));

    [Fact]
    public async Task Only_the_first_hundred_rejections_are_described_but_all_are_counted()
    {
        var lines = string.Join('\n', Enumerable.Range(0, 250).Select(i => $"SPY,1m,2024-01-02T00:00:00Z,x{i},1,1,1,1"));

        var (_, parser) = await Parse("SPY,1m,2024-01-01T00:00:00Z,1,1,1,1,1\n" + lines);

        var result = parser.Result(1);
        Assert.Equal(250, result.Rejected);
        Assert.Equal(CandleCsvParser.MaxReportedErrors, result.Errors.Count);
        Assert.Equal(Enumerable.Range(2, 100).Select(i => (long)i), result.Errors.Select(e => e.Line));
    }

    [Fact]
    public async Task A_line_longer_than_the_buffer_without_a_line_break_is_skipped_and_the_next_line_keeps_its_number()
    {
        var huge = new string('x', 300_000);

        var (rows, parser) = await Parse($"SPY,1m,2024-01-02T00:00:00Z,1,1,1,1,1\n{huge}\nSPY,1m,2024-01-02T00:01:00Z,1,1,1,1,1\n{huge}");

        Assert.Equal(2, rows.Count);
        Assert.Equal([(2L, CandleRules.LineTooLong), (4L, CandleRules.LineTooLong)], parser.Result(2).Errors.Select(e => (e.Line, e.Code)));
    }

    [Fact]
    public async Task Reading_one_byte_at_a_time_gives_the_same_rows_as_reading_everything_at_once()
    {
        var csv = "\uFEFF" + CandleCsvWriter.ToCsv("SYN", Timeframe.OneMinute, SyntheticCandles.Generate(5, Jan2, Timeframe.OneMinute, 300)).Replace("\n", "\r\n", StringComparison.Ordinal);

        var (whole, _) = await Parse(csv);
        var (trickled, parser) = await Parse(csv, readSize: 1);

        Assert.Equal(300, whole.Count);
        Assert.Equal(whole, trickled);
        Assert.Equal(0, parser.Rejected);
    }

    [Theory]
    [InlineData("", "The body is empty.")]
    [InlineData("\n\r\n  \n", "The body is empty.")]
    [InlineData("symbol,timeframe,timestamp,open,high,low,close,volume\n", "The file has a header line but no rows.")]
    [InlineData("<html><body>not csv</body></html>", "No line has the 8 comma-separated fields symbol,timeframe,timestamp,open,high,low,close,volume: this is not a candle CSV.")]
    [InlineData("x", "No line has the 8 comma-separated fields symbol,timeframe,timestamp,open,high,low,close,volume: this is not a candle CSV.")]
    public async Task A_body_without_a_row_shaped_line_is_unreadable(string body, string reason)
    {
        var (_, parser) = await Parse(body == "x" ? new string('x', 200_000) : body); // "x": one line longer than the buffer, no line break

        Assert.Equal(reason, parser.Unreadable);
    }

    [Fact]
    public async Task A_file_whose_rows_are_all_rejected_is_still_readable()
    {
        var (_, parser) = await Parse("SPY,1m,2024-01-02T00:00:00Z,1,0.5,1,1,1\n");

        Assert.Null(parser.Unreadable);
        Assert.Equal(1, parser.Rejected);
    }

    [Theory]
    [InlineData("spy-1d.csv", 5_849, "1d", "1998-01-02", "2021-03-31")]
    [InlineData("spy-1m-2013-10.csv", 4_128, "1m", "2013-10-07T08:00:00Z", "2013-10-11T23:59:00Z")]
    public async Task The_shared_spy_files_parse_without_a_rejection(string file, int rows, string timeframe, string first, string last)
    {
        var (parsed, parser) = await Parse(await File.ReadAllBytesAsync(Path.Combine(AppContext.BaseDirectory, "Data", file)));

        Assert.Equal((rows, 0), (parsed.Count, parser.Rejected));
        var series = Assert.Single(parser.Result(rows).Series);
        Assert.Equal(("SPY", timeframe), (series.Symbol, series.Timeframe));
        Assert.Equal((ParseUtc(first), ParseUtc(last)), (series.FromUtc, series.ToUtc));
    }

    [Theory]
    [InlineData("0")]
    [InlineData("167.4100")]
    [InlineData("-1.5")]
    [InlineData("+2")]
    [InlineData(".5")]
    [InlineData("5.")]
    [InlineData("000123.000")]
    [InlineData("123456789012345678")]
    [InlineData("0.00000000000000001")]
    [InlineData("-0")]
    public void The_plain_decimal_fast_path_gives_exactly_what_the_general_parser_gives(string text)
    {
        var bytes = Encoding.ASCII.GetBytes(text);

        Assert.True(CandleCsvParser.TryParsePlainDecimal(bytes, out var fast));
        Assert.True(decimal.TryParse(bytes, System.Globalization.NumberStyles.AllowLeadingSign | System.Globalization.NumberStyles.AllowDecimalPoint,
            System.Globalization.CultureInfo.InvariantCulture, out var general));
        Assert.Equal(general, fast);
        Assert.Equal(general.Scale, fast.Scale);
        Assert.Equal(general.ToString(System.Globalization.CultureInfo.InvariantCulture), fast.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    [Theory]
    [InlineData("1e5")]
    [InlineData("1234567890123456789")]
    [InlineData("1.2.3")]
    [InlineData("12a")]
    [InlineData("")]
    [InlineData("-")]
    [InlineData(".")]
    [InlineData("1,5")]
    public void Anything_but_plain_digits_is_left_to_the_general_parser(string text) =>
        Assert.False(CandleCsvParser.TryParsePlainDecimal(Encoding.ASCII.GetBytes(text), out _));

    [Fact]
    public void The_fast_path_agrees_with_the_general_parser_on_ten_thousand_random_prices()
    {
        var random = new Random(5);
        for (var i = 0; i < 10_000; i++)
        {
            var value = Math.Round((decimal)random.NextDouble() * random.Next(1, 1_000_000), random.Next(0, 9));
            var bytes = Encoding.ASCII.GetBytes(value.ToString(System.Globalization.CultureInfo.InvariantCulture));

            Assert.True(CandleCsvParser.TryParsePlainDecimal(bytes, out var fast));
            Assert.Equal(value, fast);
            Assert.Equal(value.Scale, fast.Scale);
        }
    }

    private static DateTime ParseUtc(string text) => CandleCsvParser.ParseTime(Encoding.ASCII.GetBytes(text))!.Value;

    /// <summary>A body that arrives in small pieces, as from a slow client.</summary>
    private sealed class TrickleStream(byte[] data, int readSize) : MemoryStream(data)
    {
        public override int Read(byte[] buffer, int offset, int count) => base.Read(buffer, offset, Math.Min(count, readSize));

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            base.ReadAsync(buffer[..Math.Min(buffer.Length, readSize)], cancellationToken);
    }
}
