using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using TradingPlatform.Candles;
using TradingPlatform.IntegrationTests.Infrastructure;
using TradingPlatform.IntegrationTests.Trading;
using TradingPlatform.Testing;

namespace TradingPlatform.IntegrationTests.Candles;

/// <summary><c>POST /v1/candles/import</c> and <c>GET /v1/candles</c> over real Kestrel, with the Postgres candle store.</summary>
public sealed class CandleApiTests(PostgresCandleApiFactory factory) : IClassFixture<PostgresCandleApiFactory>
{
    private static string DataFile(string name) => Path.Combine(RepoPaths.Root, "src", "Api", "Candles", "Data", name);

    private static StringContent Csv(string text, string? mediaType = "text/csv")
    {
        var content = new StringContent(text, Encoding.UTF8);
        content.Headers.ContentType = mediaType is null ? null : MediaTypeHeaderValue.Parse(mediaType);
        return content;
    }

    private static Task<HttpResponseMessage> Import(HttpClient client, HttpContent content) =>
        client.PostAsync(new Uri("/v1/candles/import", UriKind.Relative), content);

    private async Task<JsonNode> ImportOk(string csv)
    {
        var response = await Import(await factory.Admin(), Csv(csv));
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        return await response.Read();
    }

    private Task<long> Stored(string symbol, string timeframe) =>
        factory.Count("SELECT count(*) FROM candles WHERE symbol = $1 AND timeframe = $2", symbol, timeframe);

    private static async Task AssertProblem(HttpResponseMessage response, HttpStatusCode status)
    {
        Assert.True(response.StatusCode == status, $"expected {status}, got {response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Read();
        Assert.Equal((int)status, (int)problem["status"]!);
        Assert.NotNull(problem["traceId"]);
    }

    private static string Row(string symbol, string time, string ohlcv = "10,11,9,10.5,100", string timeframe = "1m") =>
        $"{symbol},{timeframe},{time},{ohlcv}";

    [Fact]
    public async Task The_shared_spy_files_import_whole_and_are_served_back()
    {
        var daily = await ImportOk(await File.ReadAllTextAsync(DataFile("spy-1d.csv")));
        var minutes = await ImportOk(await File.ReadAllTextAsync(DataFile("spy-1m-2013-10.csv")));

        Assert.Equal((5_849, 0), ((int)daily["imported"]!, (int)daily["rejected"]!));
        Assert.Equal("""[{"symbol":"SPY","timeframe":"1d","rows":5849,"fromUtc":"1998-01-02T00:00:00Z","toUtc":"2021-03-31T00:00:00Z"}]""",
            daily["series"]!.ToJsonString());
        Assert.Equal((4_128, 0), ((int)minutes["imported"]!, (int)minutes["rejected"]!));
        Assert.Equal(5_849, await Stored("SPY", "1d"));
        Assert.Equal(4_128, await Stored("SPY", "1m"));

        var viewer = await factory.As("viewer");
        var tail = await (await viewer.Get("/v1/candles?symbol=spy&timeframe=1d&from=2021-03-30T00:00:00Z")).Read();
        Assert.Equal("""
            {"symbol":"SPY","timeframe":"1d","source":"1d","items":[{"time":"2021-03-30T00:00:00Z","open":394.3500,"high":395.7800,"low":393.0299,"close":394.7300,"volume":66174457},{"time":"2021-03-31T00:00:00Z","open":395.3500,"high":398.0000,"low":395.3300,"close":396.3300,"volume":90673494}],"next":null}
            """, tail.ToJsonString());
    }

    [Fact]
    public async Task Every_rejection_reason_comes_back_with_its_line_and_only_the_valid_rows_are_written()
    {
        var s = TradingClient.NewSymbol();
        var lines = new[]
        {
            CandleCsvParser.Header,                                               // 1
            Row(s, "2024-01-02T10:00:00Z"),                                       // 2 ok
            Row(s, "2024-01-02T10:01:00Z", "10,11,9"),                            // 3 wrong_column_count
            Row("bad symbol!", "2024-01-02T10:01:00Z"),                           // 4 bad_symbol
            Row(s, "2024-01-02T10:01:00Z", timeframe: "2h"),                      // 5 unknown_timeframe
            Row(s, "02/01/2024 10:01"),                                           // 6 bad_timestamp
            Row(s, "2024-01-02T10:01:30Z"),                                       // 7 unaligned_timestamp
            Row(s, "2024-01-02T10:01:00Z", "ten,11,9,10.5,100"),                  // 8 bad_number
            Row(s, "2024-01-02T10:01:00Z", "10,Infinity,9,10.5,100"),             // 9 not_finite
            Row(s, "2024-01-02T10:01:00Z", "10,11,9,10.5,-1"),                    // 10 negative
            Row(s, "2024-01-02T10:01:00Z", "0,11,9,10.5,100"),                    // 11 zero_price
            Row(s, "2024-01-02T10:01:00Z", "10,9,11,10,100"),                     // 12 high_below_low
            Row(s, "2024-01-02T10:01:00Z", "12,11,9,10.5,100"),                   // 13 open_outside_range
            Row(s, "2024-01-02T10:01:00Z", "10,11,9,8,100"),                      // 14 close_outside_range
            Row(s, "2024-01-02T10:00:00Z", "10,12,9,11,5"),                       // 15 duplicate of line 2
            Row(s, "2024-01-02T10:02:00Z"),                                       // 16 ok
        };

        var result = await ImportOk(string.Join('\n', lines) + "\n");

        Assert.Equal((2, 13), ((int)result["imported"]!, (int)result["rejected"]!));
        Assert.Equal(
            [
                (3, "wrong_column_count"), (4, "bad_symbol"), (5, "unknown_timeframe"), (6, "bad_timestamp"), (7, "unaligned_timestamp"),
                (8, "bad_number"), (9, "not_finite"), (10, "negative"), (11, "zero_price"), (12, "high_below_low"),
                (13, "open_outside_range"), (14, "close_outside_range"), (15, "duplicate"),
            ],
            result["errors"]!.AsArray().Select(e => ((int)e!["line"]!, (string)e["code"]!)));
        Assert.All(result["errors"]!.AsArray(), e => Assert.False(string.IsNullOrWhiteSpace((string?)e!["reason"])));
        Assert.Equal(2, await Stored(s, "1m"));
        var stored = await (await factory.As("viewer")).Get($"/v1/candles?symbol={s}&timeframe=1m");
        Assert.Equal(["2024-01-02T10:00:00Z", "2024-01-02T10:02:00Z"], (await stored.Read())["items"]!.AsArray().Select(i => (string)i!["time"]!));
    }

    [Fact]
    public async Task Importing_a_file_again_changes_nothing_and_a_changed_row_replaces_the_stored_bar()
    {
        var s = TradingClient.NewSymbol();
        var csv = CandleCsvWriter.ToCsv(s, Timeframe.OneMinute, SyntheticCandles.Generate(21, new DateTime(2024, 5, 1, 0, 0, 0, DateTimeKind.Utc), Timeframe.OneMinute, 1_000));

        await ImportOk(csv);
        var again = await ImportOk(csv);
        var changed = await ImportOk($"{s},1m,2024-05-01T00:10:00Z,1.00,2.00,0.50,1.50,7\n");

        Assert.Equal((1_000, 0), ((int)again["imported"]!, (int)again["rejected"]!));
        Assert.Equal(1, (int)changed["imported"]!);
        Assert.Equal(1_000, await Stored(s, "1m"));
        var bar = (await (await (await factory.Admin()).Get($"/v1/candles?symbol={s}&timeframe=1m&from=2024-05-01T00:10:00Z&limit=1")).Read())["items"]![0]!;
        Assert.Equal("""{"time":"2024-05-01T00:10:00Z","open":1.00,"high":2.00,"low":0.50,"close":1.50,"volume":7}""", bar.ToJsonString());
        var audit = await (await (await factory.Admin()).Get("/v1/audit?action=candles.import&per_page=500")).Read();
        Assert.Contains(audit["items"]!.AsArray(), r => ((string)r!["target"]!).Contains(s, StringComparison.Ordinal));
    }

    [Fact]
    public async Task An_append_colliding_with_a_key_a_writer_without_the_lock_commits_is_503_and_writes_nothing()
    {
        var s = TradingClient.NewSymbol();
        var bars = SyntheticCandles.Generate(22, new DateTime(2024, 6, 1, 0, 0, 0, DateTimeKind.Utc), Timeframe.OneMinute, 500).ToArray();
        await using var other = await factory.DataSource.OpenConnectionAsync();
        await using var theirs = await other.BeginTransactionAsync();
        await using (var insert = new Npgsql.NpgsqlCommand(
            "INSERT INTO candles (symbol, timeframe, time, open, high, low, close, volume) VALUES ($1, '1m', $2, 1, 1, 1, 1, 1)", other, theirs))
        {
            insert.Parameters.Add(new Npgsql.NpgsqlParameter { Value = s });
            insert.Parameters.Add(new Npgsql.NpgsqlParameter { Value = bars[250].TimeUtc });
            await insert.ExecuteNonQueryAsync();
        }

        // Nothing of the series is committed, so the import appends; it waits on their series number (or, in its COPY, on
        // their key) until they commit.
        var import = Import(await factory.Admin(), Csv(CandleCsvWriter.ToCsv(s, Timeframe.OneMinute, bars)));
        await Eventually.True(async () => await factory.Count(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND (query LIKE 'COPY candle_bars (%' OR query LIKE 'INSERT INTO candle_series%')") > 0,
            TimeSpan.FromSeconds(20), "the import waits for the other writer's series or key");
        await theirs.CommitAsync();

        var response = await import;
        await AssertProblem(response, HttpStatusCode.ServiceUnavailable);
        Assert.Equal(1, await Stored(s, "1m"));

        var again = await ImportOk(CandleCsvWriter.ToCsv(s, Timeframe.OneMinute, bars));
        Assert.Equal(500, (int)again["imported"]!);
        Assert.Equal(500, await Stored(s, "1m"));
    }

    [Fact]
    public async Task A_body_over_the_import_limit_is_413_with_or_without_a_length_and_writes_nothing()
    {
        var s = TradingClient.NewSymbol();
        var csv = CandleCsvWriter.ToCsv(s, Timeframe.OneMinute, SyntheticCandles.Generate(22, new DateTime(2024, 5, 1, 0, 0, 0, DateTimeKind.Utc), Timeframe.OneMinute, 60_000));
        Assert.True(Encoding.UTF8.GetByteCount(csv) > PostgresCandleApiFactory.MaxImportBytes);
        var admin = await factory.Admin();

        var withLength = await Import(admin, Csv(csv));
        using var expectingContinue = new HttpRequestMessage(HttpMethod.Post, "/v1/candles/import") { Content = Csv(csv) };
        expectingContinue.Headers.ExpectContinue = true;
        var refusedBeforeSending = await admin.SendAsync(expectingContinue);
        var chunked = new StreamContent(new UnknownLengthStream(Encoding.UTF8.GetBytes(csv)));
        chunked.Headers.ContentType = new MediaTypeHeaderValue("text/csv");
        var streamed = await Import(admin, chunked);

        await AssertProblem(withLength, HttpStatusCode.RequestEntityTooLarge);
        await AssertProblem(refusedBeforeSending, HttpStatusCode.RequestEntityTooLarge);
        await AssertProblem(streamed, HttpStatusCode.RequestEntityTooLarge);
        Assert.Equal(0, await Stored(s, "1m"));
    }

    [Fact]
    public async Task A_body_over_the_api_wide_limit_but_within_the_import_limit_is_imported()
    {
        var s = TradingClient.NewSymbol();
        var csv = CandleCsvWriter.ToCsv(s, Timeframe.OneMinute, SyntheticCandles.Generate(23, new DateTime(2024, 6, 1, 0, 0, 0, DateTimeKind.Utc), Timeframe.OneMinute, 25_000));
        Assert.InRange(Encoding.UTF8.GetByteCount(csv), 1024 * 1024 + 1, PostgresCandleApiFactory.MaxImportBytes);

        var result = await ImportOk(csv);

        Assert.Equal(25_000, (int)result["imported"]!);
        Assert.Equal(25_000, await Stored(s, "1m"));
    }

    [Theory]
    [InlineData("application/json")]
    [InlineData("text/plain")]
    [InlineData("multipart/form-data; boundary=x")]
    [InlineData("text/csv; charset=utf-16")]
    [InlineData(null)]
    public async Task Other_content_types_are_415_and_write_nothing(string? mediaType)
    {
        var s = TradingClient.NewSymbol();

        var response = await Import(await factory.Admin(), Csv(Row(s, "2024-01-02T10:00:00Z") + "\n", mediaType));

        await AssertProblem(response, HttpStatusCode.UnsupportedMediaType);
        Assert.Equal(0, await Stored(s, "1m"));
    }

    [Fact]
    public async Task Application_octet_stream_is_accepted_like_text_csv()
    {
        var s = TradingClient.NewSymbol();

        var response = await Import(await factory.Admin(), Csv(Row(s, "2024-01-02T10:00:00Z") + "\n", "application/octet-stream"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(1, await Stored(s, "1m"));
    }

    [Theory]
    [InlineData("", "The body is empty.")]
    [InlineData("symbol,timeframe,timestamp,open,high,low,close,volume\n", "The file has a header line but no rows.")]
    [InlineData("""{"symbol":"SPY"}""", "No line has the 8 comma-separated fields symbol,timeframe,timestamp,open,high,low,close,volume: this is not a candle CSV.")]
    public async Task A_body_without_any_candle_row_is_400(string body, string reason)
    {
        var response = await Import(await factory.Admin(), Csv(body));

        await AssertProblem(response, HttpStatusCode.BadRequest);
        Assert.Equal(reason, (string?)(await response.Read())["errors"]!["body"]![0]);
    }

    [Fact]
    public async Task Viewers_and_traders_may_read_but_not_import_and_without_a_token_both_are_401()
    {
        var s = TradingClient.NewSymbol();
        var body = Row(s, "2024-01-02T10:00:00Z") + "\n";

        await AssertProblem(await Import(await factory.As("viewer"), Csv(body)), HttpStatusCode.Forbidden);
        await AssertProblem(await Import(await factory.As("trader"), Csv(body)), HttpStatusCode.Forbidden);
        await AssertProblem(await Import(factory.CreateClient(), Csv(body)), HttpStatusCode.Unauthorized);
        await AssertProblem(await factory.CreateClient().Get($"/v1/candles?symbol={s}&timeframe=1m"), HttpStatusCode.Unauthorized);
        Assert.Equal(HttpStatusCode.OK, (await (await factory.As("viewer")).Get($"/v1/candles?symbol={s}&timeframe=1m")).StatusCode);
        Assert.Equal(0, await Stored(s, "1m"));
    }

    [Theory]
    [InlineData("timeframe=1m", "symbol")]
    [InlineData("symbol=SPY", "timeframe")]
    [InlineData("symbol=bad%20symbol!&timeframe=1m", "symbol")]
    [InlineData("symbol=SPY&timeframe=2h", "timeframe")]
    [InlineData("symbol=SPY&timeframe=1D", "timeframe")]
    [InlineData("symbol=SPY&timeframe=1m&from=yesterday", "from")]
    [InlineData("symbol=SPY&timeframe=1m&to=2024-13-01", "to")]
    [InlineData("symbol=SPY&timeframe=1m&from=2024-01-02T00:00:00Z&to=2024-01-01T00:00:00Z", "to")]
    [InlineData("symbol=SPY&timeframe=1m&from=2024-01-02T00:00:00Z&to=2024-01-02T00:00:00Z", "to")]
    [InlineData("symbol=SPY&timeframe=1m&limit=0", "limit")]
    [InlineData("symbol=SPY&timeframe=1m&limit=10001", "limit")]
    [InlineData("symbol=SPY&timeframe=1m&limit=-5", "limit")]
    [InlineData("symbol=SPY&timeframe=1m&limit=ten", "limit")]
    public async Task An_invalid_query_is_400_naming_the_field(string query, string field)
    {
        var response = await (await factory.As("viewer")).Get($"/v1/candles?{query}");

        await AssertProblem(response, HttpStatusCode.BadRequest);
        Assert.NotNull((await response.Read())["errors"]![field]);
    }

    [Fact]
    public async Task An_unknown_symbol_is_an_empty_list()
    {
        var response = await (await factory.As("viewer")).Get($"/v1/candles?symbol={TradingClient.NewSymbol()}&timeframe=1d&limit=10000");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await response.Read();
        Assert.Empty(body["items"]!.AsArray());
        Assert.Null(body["source"]);
        Assert.Null(body["next"]);
    }

    [Fact]
    public async Task A_full_page_names_the_from_of_the_next_one_and_paging_walks_every_bar_once()
    {
        var s = TradingClient.NewSymbol();
        var bars = SyntheticCandles.Generate(24, new DateTime(2024, 7, 1, 0, 0, 0, DateTimeKind.Utc), Timeframe.OneHour, 25).ToArray();
        await ImportOk(CandleCsvWriter.ToCsv(s, Timeframe.OneHour, bars));
        var viewer = await factory.As("viewer");

        var seen = new List<string>();
        string? from = null;
        for (var page = 0; page < 10; page++)
        {
            var body = await (await viewer.Get($"/v1/candles?symbol={s}&timeframe=1h&limit=10{(from is null ? "" : "&from=" + from)}")).Read();
            seen.AddRange(body["items"]!.AsArray().Select(i => (string)i!["time"]!));
            from = (string?)body["next"];
            if (from is null) break;
        }

        Assert.Equal(bars.Select(b => CandleRules.Time(b.TimeUtc)), seen);
    }

    [Fact]
    public async Task Bars_aggregated_in_sql_from_the_real_minute_file_match_values_computed_by_hand()
    {
        // Only the minute file, under a symbol of its own (SPY also has stored daily bars in this database).
        var s = TradingClient.NewSymbol();
        await ImportOk((await File.ReadAllTextAsync(DataFile("spy-1m-2013-10.csv"))).Replace("SPY,", s + ",", StringComparison.Ordinal));
        var viewer = await factory.As("viewer");

        var daily = await (await viewer.Get($"/v1/candles?symbol={s}&timeframe=1d")).Read();
        var hour = await (await viewer.Get($"/v1/candles?symbol={s}&timeframe=1h&from=2013-10-07T13:00:00Z&limit=1")).Read();
        var fourHours = await (await viewer.Get($"/v1/candles?symbol={s}&timeframe=4h&from=2013-10-08T12:00:00Z&to=2013-10-08T16:00:00Z")).Read();

        // python3 over spy-1m-2013-10.csv: group rows by timestamp[:10] (UTC day); open of the first row, max(high),
        // min(low), close of the last row, sum(volume):
        //   2013-10-07 167.4100 168.9000 167.0100 167.3000  92720576 (828 rows)
        //   2013-10-08 167.4200 167.6400 165.1600 165.9500 175026101 (828)
        //   2013-10-09 165.9800 166.3300 164.5300 165.7200 158425072 (813)
        //   2013-10-10 166.4300 169.2400 165.5700 168.7500 190932679 (883)
        //   2013-10-11 168.9500 170.5700 167.8800 170.4100 100204943 (776)
        // and by timestamp[:13] == 2013-10-07T13: 167.5700 167.8800 167.2500 167.7200 13892070 (60 rows);
        // 4h bucket 2013-10-08T12:00Z (hours 12-15): 167.3800 167.6400 166.0600 166.3500 65952677 (240 rows).
        Assert.Equal("1m", (string?)daily["source"]);
        Assert.Equal(
            [
                ("2013-10-07T00:00:00Z", 167.41m, 168.90m, 167.01m, 167.30m, 92_720_576m),
                ("2013-10-08T00:00:00Z", 167.42m, 167.64m, 165.16m, 165.95m, 175_026_101m),
                ("2013-10-09T00:00:00Z", 165.98m, 166.33m, 164.53m, 165.72m, 158_425_072m),
                ("2013-10-10T00:00:00Z", 166.43m, 169.24m, 165.57m, 168.75m, 190_932_679m),
                ("2013-10-11T00:00:00Z", 168.95m, 170.57m, 167.88m, 170.41m, 100_204_943m),
            ],
            daily["items"]!.AsArray().Select(Ohlcv));
        Assert.Equal([("2013-10-07T13:00:00Z", 167.57m, 167.88m, 167.25m, 167.72m, 13_892_070m)], hour["items"]!.AsArray().Select(Ohlcv));
        Assert.Equal([("2013-10-08T12:00:00Z", 167.38m, 167.64m, 166.06m, 166.35m, 65_952_677m)], fourHours["items"]!.AsArray().Select(Ohlcv));
    }

    [Fact]
    public async Task The_openapi_document_describes_both_endpoints_with_their_roles_and_the_csv_body()
    {
        var document = await (await factory.CreateClient().Get("/openapi/v1.json")).Read();

        var list = document["paths"]!["/v1/candles"]!["get"]!;
        var import = document["paths"]!["/v1/candles/import"]!["post"]!;
        Assert.Equal("viewer", (string?)list["x-required-role"]);
        Assert.Equal("admin", (string?)import["x-required-role"]);
        Assert.NotNull(import["requestBody"]!["content"]!["text/csv"]);
        Assert.All(new[] { "200", "400", "413", "415" }, status => Assert.NotNull(import["responses"]![status]));
        Assert.Contains("limit", list["parameters"]!.AsArray().Select(p => (string?)p!["name"]));
        var schema = list["responses"]!["200"]!["content"]!["application/json"]!["schema"]!;
        var properties = (schema["$ref"] is { } reference
            ? document["components"]!["schemas"]![((string)reference!).Split('/')[^1]]!
            : schema)["properties"]!.AsObject();
        Assert.Equal(["symbol", "timeframe", "source", "items", "next"], properties.Select(p => p.Key));
        Assert.NotNull(list["responses"]!["400"]);
    }

    private static (string, decimal, decimal, decimal, decimal, decimal) Ohlcv(JsonNode? item) => (
        (string)item!["time"]!,
        TradingClient.Number(item["open"]), TradingClient.Number(item["high"]), TradingClient.Number(item["low"]),
        TradingClient.Number(item["close"]), TradingClient.Number(item["volume"]));

    /// <summary>A body sent chunked: its length is not known up front, so the limit can only be enforced while it streams.</summary>
    private sealed class UnknownLengthStream(byte[] data) : MemoryStream(data)
    {
        public override bool CanSeek => false;
    }
}

/// <summary>The embedded default (in-memory store) starts with the SPY sample bars.</summary>
[Collection(EmbeddedApiCollection.Name)]
public sealed class EmbeddedSampleCandleTests(EmbeddedApiFactory factory)
{
    [Fact]
    public async Task Embedded_mode_serves_the_bundled_spy_daily_and_minute_bars_from_the_start()
    {
        var viewer = await factory.As("viewer");

        var first = await (await viewer.Get("/v1/candles?symbol=SPY&timeframe=1d&limit=1")).Read();
        var minutes = await (await viewer.Get("/v1/candles?symbol=SPY&timeframe=1m&from=2013-10-11T23:59:00Z")).Read();

        Assert.Equal("""[{"time":"1998-01-02T00:00:00Z","open":97.3100,"high":97.5300,"low":96.5300,"close":97.3600,"volume":2150000}]""",
            first["items"]!.ToJsonString());
        Assert.Equal("1998-01-03T00:00:00Z", (string?)first["next"]); // one bar after the last; the next page starts there
        Assert.Equal("""[{"time":"2013-10-11T23:59:00Z","open":170.4100,"high":170.4100,"low":170.4100,"close":170.4100,"volume":525}]""",
            minutes["items"]!.ToJsonString());
    }
}
