namespace TradingPlatform.IntegrationTests.Reliability;

/// <summary>Who sends a case: the role decides which rejections are right (403 below the operation's role, 401 without a valid token).</summary>
public enum FuzzCaller
{
    Admin,
    Viewer,
    Anonymous,

    /// <summary>A throwaway login of its own, for operations that end the caller's session (logout).</summary>
    Session,
}

/// <summary>
/// One generated request and what must hold for its answer. Every case must get no 5xx and, when 4xx, problem details;
/// <see cref="Expected"/> adds an exact status where the contract fixes one (413, 415, 400 for JSON that cannot bind,
/// 401, 403); <see cref="ProtocolLevel"/> cases are refused by Kestrel before the application runs (a NUL in the path,
/// a request line or headers over Kestrel's limits), so only their status can be checked. <see cref="ExpectContinue"/>
/// sends <c>Expect: 100-continue</c>, as clients do for large uploads, so a body over Kestrel's limit is refused
/// before it is sent.
/// </summary>
public sealed record FuzzCase(
    ApiOperation Operation,
    FuzzCaller Caller,
    string Category,
    string Input,
    string Method,
    string Url,
    byte[]? Body = null,
    string? ContentType = null,
    int? Expected = null,
    int? MustNot = null,
    bool ProtocolLevel = false,
    string? Authorization = null,
    bool Chunked = false,
    bool ExpectContinue = false)
{
    public override string ToString() =>
        $"{Operation.Key} as {Caller} [{Category}] {Input} -> {Method} {Shorten(Url, 160)}"
        + (Body is null ? "" : $" ({ContentType ?? "no content type"}, {Body.Length:N0} bytes{(Chunked ? ", chunked" : "")}: {Shorten(System.Text.Encoding.UTF8.GetString(Body, 0, Math.Min(Body.Length, 400)), 200)})");

    /// <summary>At most <paramref name="max"/> characters, control characters escaped, so reports stay printable text.</summary>
    public static string Shorten(string text, int max)
    {
        var shown = text.Length <= max ? text : text[..max] + "…";
        if (!shown.Any(char.IsControl)) return shown;
        var printable = new System.Text.StringBuilder(shown.Length + 16);
        foreach (var c in shown)
        {
            if (char.IsControl(c)) printable.Append("\\u").Append(((int)c).ToString("x4", System.Globalization.CultureInfo.InvariantCulture));
            else printable.Append(c);
        }
        return printable.ToString();
    }
}
