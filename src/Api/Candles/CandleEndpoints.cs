using System.Globalization;
using System.Security.Claims;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;
using Microsoft.OpenApi;
using TradingPlatform.Api.Identity;
using TradingPlatform.Api.Infrastructure;
using TradingPlatform.Candles;

namespace TradingPlatform.Api.Candles;

/// <summary>One bar of <c>GET /v1/candles</c>: <c>time</c> is its open time (UTC).</summary>
public sealed record CandleItem(DateTime Time, decimal Open, decimal High, decimal Low, decimal Close, decimal Volume)
{
    public static CandleItem From(Candle candle) => new(candle.TimeUtc, candle.Open, candle.High, candle.Low, candle.Close, candle.Volume);
}

/// <summary>
/// Body of <c>GET /v1/candles</c>. <c>source</c>: the stored timeframe the bars come from (null when the symbol has
/// none). <c>next</c>: when the page is full, the <c>from</c> of the next page (the next page may be empty).
/// </summary>
public sealed record CandlesResponse(string Symbol, string Timeframe, string? Source, IReadOnlyList<CandleItem> Items, DateTime? Next);

/// <summary>
/// <c>/v1/candles</c>: historical OHLCV bars. Reads go straight to the <see cref="ICandleStore"/> of this node
/// (Postgres in cluster mode, memory in embedded mode), not through grains: bulk data, no per-series state to keep.
/// </summary>
public static class CandleEndpoints
{
    public const int DefaultLimit = 1_000;
    public const int MaxLimit = 10_000;

    /// <summary>Content types the import accepts (others: 415).</summary>
    public static readonly string[] ImportContentTypes = ["text/csv", "application/octet-stream"];

    public static RouteGroupBuilder MapCandleEndpoints(this RouteGroupBuilder v1)
    {
        var group = v1.MapGroup("/candles").WithTags("Candles");
        group.MapGet("/", List).WithName("ListCandles")
            .WithSummary("OHLCV bars of a symbol, ascending; coarser timeframes aggregated from finer stored ones")
            .WithDescription($"Query: symbol (required), timeframe (required: {Timeframes.AllWireNames}), from and to (optional ISO 8601; "
                + $"a bar is returned when its open time is in [from, to)), limit (1-{MaxLimit}, default {DefaultLimit}: the first bars of the range). "
                + "A timeframe stored for the symbol is served as stored; otherwise its bars are aggregated from the finest stored timeframe that divides it "
                + "(buckets aligned to 1970-01-01T00:00:00Z, 1d = UTC day; open first, high max, low min, close last, volume sum), named in 'source'. "
                + "A full page has 'next', the 'from' of the following page. An unknown symbol is an empty list.");
        group.MapPost("/import", Import).WithName("ImportCandles").RequireAuthorization(Policies.Admin)
            .WithSummary("Upsert bars from a CSV body (symbol,timeframe,timestamp,open,high,low,close,volume)")
            .WithDescription("Body: text/csv (or application/octet-stream), UTF-8; header line optional; streamed, up to Candles:MaxImportBytes (256 MB). "
                + "Valid rows are upserted by (symbol, timeframe, timestamp) in one transaction; each rejected row is counted and the first 100 are listed "
                + "with line and reason (codes: wrong_column_count, line_too_long, bad_header, bad_symbol, unknown_timeframe, bad_timestamp, unaligned_timestamp, "
                + "bad_number, not_finite, negative, zero_price, high_below_low, open_outside_range, close_outside_range, duplicate). 200 whenever the file "
                + "could be read, even if rows were rejected; 400 when it holds no candle row at all (empty, header only, not this CSV).")
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
            .AddOpenApiOperationTransformer((operation, _, _) =>
            {
                // The handler reads the body as a stream (never bound), so describe it here: no Accepts metadata, which
                // would make routing answer 415 before authentication.
                var csv = new OpenApiMediaType { Schema = new OpenApiSchema { Type = JsonSchemaType.String, Description = CandleCsvParser.Header + " lines" } };
                operation.RequestBody = new OpenApiRequestBody
                {
                    Required = true,
                    Description = $"CSV, one bar a line: {CandleCsvParser.Header} (e.g. SPY,1d,2021-03-31T00:00:00Z,395.3500,398.0000,395.3300,396.3300,90673494).",
                    Content = new Dictionary<string, OpenApiMediaType> { ["text/csv"] = csv, ["application/octet-stream"] = csv },
                };
                return Task.CompletedTask;
            });
        return group;
    }

    private static async Task<Results<CandlesJsonResult, ValidationProblem>> List(
        string? symbol, string? timeframe, string? from, string? to, string? limit, ICandleStore store, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        var normalized = symbol is null ? null : CandleRules.NormalizeSymbol(symbol);
        if (normalized is null) Wire.Add(errors, "symbol", $"Required: {CandleRules.SymbolRule}.");
        else if (!CandleRules.IsValidSymbol(normalized)) Wire.Add(errors, "symbol", $"'{Wire.Shorten(symbol!)}' is not {CandleRules.SymbolRule}.");
        Timeframe? parsed = null;
        if (timeframe is null) Wire.Add(errors, "timeframe", $"Required: one of {Timeframes.AllWireNames}.");
        else if (!Timeframes.TryParse(timeframe, out parsed)) Wire.Add(errors, "timeframe", $"'{Wire.Shorten(timeframe)}' is not one of {Timeframes.AllWireNames}.");
        var fromTime = Wire.Time(from, "from", errors);
        var toTime = Wire.Time(to, "to", errors);
        if (fromTime is { } f && toTime is { } t && f >= t) Wire.Add(errors, "to", "Must be after from.");
        var count = DefaultLimit;
        if (limit is not null && (!int.TryParse(limit, NumberStyles.None, CultureInfo.InvariantCulture, out count) || count is < 1 or > MaxLimit))
            Wire.Add(errors, "limit", $"Must be a whole number from 1 to {MaxLimit}.");
        if (errors.Count > 0) return TypedResults.ValidationProblem(errors, title: "The candle query is not valid");

        var tf = parsed!.Value;
        var (source, bars) = await store.Page(normalized!, tf, fromTime?.UtcDateTime, toTime?.UtcDateTime, count, cancellationToken);
        var items = new CandleItem[bars.Count];
        for (var i = 0; i < items.Length; i++) items[i] = CandleItem.From(bars[i]);
        DateTime? next = bars.Count == count ? bars[^1].TimeUtc.Add(tf.Length()) : null;
        return new CandlesJsonResult(new CandlesResponse(normalized!, tf.WireName(), source?.WireName(), items, next));
    }

    private static async Task<Results<Ok<CandleImportResult>, ValidationProblem, ProblemHttpResult>> Import(
        HttpContext http, ICandleStore store, IOptions<CandleApiOptions> options, AuditTrail audit, ClaimsPrincipal user)
    {
        var request = http.Request;
        if (!IsAcceptedContentType(request.ContentType))
            return TypedResults.Problem(statusCode: StatusCodes.Status415UnsupportedMediaType, title: "Unsupported media type",
                detail: $"Send the CSV as {string.Join(" or ", ImportContentTypes)} (UTF-8), not '{Wire.Shorten(request.ContentType ?? "no content type")}'.");

        // This endpoint's own limit replaces the API-wide one. It is enforced here rather than by Kestrel so that the
        // rest of an oversized body can be read and dropped: a client that sends its whole body before reading the
        // answer (.NET's HttpClient does) then gets the 413 instead of a broken pipe.
        var max = options.Value.MaxImportBytes;
        if (http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } kestrelLimit) kestrelLimit.MaxRequestBodySize = null;
        if (request.ContentLength > max)
        {
            // With "Expect: 100-continue" (curl sends it for large files) the body has not been sent: do not ask for it.
            var expectsContinue = request.Headers.Expect.ToString().Contains("100-continue", StringComparison.OrdinalIgnoreCase);
            if (expectsContinue || request.ContentLength > max + DrainLimitBytes || !await Drain(request.Body, http.RequestAborted))
                http.Response.Headers.Connection = "close";
            return TooLarge(max);
        }

        CandleImportResult result;
        try
        {
            result = await store.Import(new LimitedReadStream(request.Body, max), http.RequestAborted);
        }
        catch (CandleFileException e)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["body"] = [e.Message] },
                title: "The body holds no candle rows", detail: e.Message);
        }
        catch (BodyTooLargeException)
        {
            // Nothing was written (the import's transaction rolled back).
            if (!await Drain(request.Body, http.RequestAborted)) http.Response.Headers.Connection = "close";
            return TooLarge(max);
        }
        await audit.Record<object>(user, "candles.import", AuditTarget(result), null,
            new { result.Imported, result.Rejected, result.Series });
        return TypedResults.Ok(result);
    }

    /// <summary>How much of an oversized body is read and dropped so the 413 reaches the client; beyond it the connection is closed.</summary>
    public const long DrainLimitBytes = 64L * 1024 * 1024;

    /// <summary>Reads the rest of the body into nothing, up to <see cref="DrainLimitBytes"/>; true when it ended within that.</summary>
    private static async Task<bool> Drain(Stream body, CancellationToken cancellationToken)
    {
        var buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(64 * 1024);
        try
        {
            long drained = 0;
            while (drained <= DrainLimitBytes)
            {
                var read = await body.ReadAsync(buffer, cancellationToken);
                if (read == 0) return true;
                drained += read;
            }
            return false;
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static bool IsAcceptedContentType(string? contentType)
    {
        if (!MediaTypeHeaderValue.TryParse(contentType, out var media)) return false;
        var charset = media.Charset.Value;
        return ImportContentTypes.Contains(media.MediaType.Value, StringComparer.OrdinalIgnoreCase)
            && (charset is null || charset.Equals("utf-8", StringComparison.OrdinalIgnoreCase) || charset.Equals("us-ascii", StringComparison.OrdinalIgnoreCase));
    }

    private static ProblemHttpResult TooLarge(long max) =>
        TypedResults.Problem(statusCode: StatusCodes.Status413PayloadTooLarge, title: "Request body too large",
            detail: $"A candle import is at most {max.ToString("N0", CultureInfo.InvariantCulture)} bytes (Candles:MaxImportBytes); split the file.");

    private static string AuditTarget(CandleImportResult result) =>
        result.Series.Count == 0 ? "candles" : Wire.Shorten("candles:" + string.Join(',', result.Series.Select(s => $"{s.Symbol}/{s.Timeframe}")));
}

/// <summary>Thrown by <see cref="LimitedReadStream"/> when a body goes past its limit.</summary>
public sealed class BodyTooLargeException : IOException
{
    public BodyTooLargeException() : base("The request body is larger than the limit.") { }

    public BodyTooLargeException(string message) : base(message) { }

    public BodyTooLargeException(string message, Exception innerException) : base(message, innerException) { }
}

/// <summary>A request body that may not exceed <c>limit</c> bytes: reading past it throws <see cref="BodyTooLargeException"/>.</summary>
internal sealed class LimitedReadStream(Stream inner, long limit) : Stream
{
    private long _read;

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var n = await inner.ReadAsync(buffer, cancellationToken);
        return Count(n);
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(byte[] buffer, int offset, int count) => Count(inner.Read(buffer, offset, count));

    private int Count(int n)
    {
        _read += n;
        if (_read > limit) throw new BodyTooLargeException();
        return n;
    }

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => _read; set => throw new NotSupportedException(); }
    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
