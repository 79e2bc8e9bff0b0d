using System.Text.Encodings.Web;
using System.Text.Json;

namespace TradingPlatform.IntegrationTests.Reliability;

/// <summary>A value to put where the schema expects something: <see cref="Json"/> is raw JSON text, so it can be what no serializer would write (<c>1e400</c>).</summary>
public sealed record FuzzValue(string Label, string Json);

/// <summary>
/// The hostile values, by the type the schema declares. <c>Always</c> lists are sent for every field of that type (the
/// inputs the reliability brief names); <c>Sampled</c> lists are drawn from with the run's seeded random, so the total
/// stays bounded while every value is used somewhere across the document.
/// </summary>
public static class FuzzValues
{
    /// <summary>Seed value of strings: a valid string, but not a valid id, symbol, username, role, kind, side or scope anywhere in the API.</summary>
    public const string SeedString = "fuzz value!";

    public const string SeedDateTime = "2024-01-02T03:04:05Z";

    public const int LongStringLength = 100 * 1024;

    private static readonly JsonSerializerOptions Raw = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>A JSON string literal holding <paramref name="text"/> with non-ASCII characters left as they are (UTF-8 on the wire).</summary>
    public static string Str(string text) => JsonSerializer.Serialize(text, Raw);

    private static FuzzValue S(string label, string text) => new(label, Str(text));

    private static FuzzValue J(string json) => new(json.Length <= 40 ? json : json[..40] + "…", json);

    /// <summary>Texts that have broken parsers, path handling or SQL elsewhere; also used for path ids and query values.</summary>
    public static readonly IReadOnlyList<(string Label, string Text)> HostileTexts =
    [
        ("empty", ""),
        ("blank", "   "),
        ("path traversal", "../../etc/passwd"),
        ("windows traversal", "..\\..\\windows\\win.ini"),
        ("SQL tautology", "' OR 1=1 --"),
        ("SQL stacked", "\"; DROP TABLE users; --"),
        ("percent-encoded NUL", "%00"),
        ("NUL character", "\0"),
        ("unicode + RTL override", "é😀\u202Eevil"),
        ("combining marks", "a\u0301\u0301\u0301"),
        ("fullwidth", "ＳＰＹ"),
        ("BOM", "\uFEFF"),
        ("control characters", "\r\n\t\u0007"),
        ("HTML", "<script>alert(1)</script>"),
        ("JNDI lookup", "${jndi:ldap://fuzz.invalid/a}"),
        ("template", "{{7*7}}"),
        ("unknown enum value", "UNKNOWN_VALUE"),
        ("upper-case enum", "BUY"),
        ("enum with space", "buy "),
        ("null text", "null"),
        ("NaN text", "NaN"),
        ("negative text", "-1"),
        ("zero text", "0"),
        ("huge number text", "79228162514264337593543950336"),
        ("overflowing exponent text", "1e400"),
        ("dots", ".."),
        ("reserved device name", "CON"),
        ("wildcard", "*"),
        ("ids with separators", "a.b.c:d/e"),
    ];

    public static FuzzValue LongString { get; } = new("100 KB string", Str(new string('A', LongStringLength)));

    public static readonly IReadOnlyList<FuzzValue> StringsAlways = [LongString, S("unknown enum value", "UNKNOWN_VALUE"), S("path traversal", "../../etc/passwd"), S("SQL tautology", "' OR 1=1 --")];

    public static readonly IReadOnlyList<FuzzValue> StringsSampled =
    [
        .. HostileTexts.Select(t => S(t.Label, t.Text)),
        new("lone surrogate escape", "\"\\ud800\""),
        new("escaped NUL", "\"\\u0000\""),
        new("1 KB of escapes", "\"" + string.Concat(Enumerable.Repeat("\\u0041", 1024)) + "\""),
    ];

    /// <summary>The brief's five, and decimal.MaxValue: it parses, so it is the one that reaches arithmetic behind the validation.</summary>
    public static readonly IReadOnlyList<FuzzValue> NumbersAlways =
        [J("1e400"), J("-1"), J("0"), new("NaN as string", "\"NaN\""), J("79228162514264337593543950336"), J("79228162514264337593543950335")];

    public static readonly IReadOnlyList<FuzzValue> NumbersSampled =
    [
        J("-1e400"), J("-0"), J("1e-400"), J("-79228162514264337593543950335"),
        J("0.00000000000000000000000000001"), J("2147483648"), J("-2147483649"), J("9223372036854775808"), J("1.5"), J("1E+2"),
        J("1000000000000001"), J("123456789012345678901234567890.123"), new("Infinity as string", "\"Infinity\""),
        new("-Infinity as string", "\"-Infinity\""), new("number as string", "\"1\""), J("NaN"), J("Infinity"), J("0x10"), J("01"), J("+1"), J(".5"),
    ];

    public static readonly IReadOnlyList<FuzzValue> IntegersAlways = [.. NumbersAlways, J("1.5"), J("2147483648")];

    public static readonly IReadOnlyList<FuzzValue> DateTimesAlways = [S("garbage", "garbage"), S("year 1 + 14h offset (underflows UTC)", "0001-01-01T00:00:00+14:00"), S("year 9999 - 14h offset (overflows UTC)", "9999-12-31T23:59:59-14:00")];

    public static readonly IReadOnlyList<FuzzValue> DateTimesSampled =
    [
        S("impossible date", "2024-13-45T25:61:61Z"), S("min date", "0001-01-01T00:00:00Z"), S("max date", "9999-12-31T23:59:59.9999999Z"),
        S("date only", "2024-01-02"), S("no offset", "2024-01-02T03:04:05"), J("1700000000"), S("empty", ""),
        S("12 fraction digits", "2024-01-02T03:04:05.123456789012Z"), S("6-digit year", "+275760-09-13T00:00:00Z"), S("epoch text", "1700000000"),
    ];

    public static readonly IReadOnlyList<FuzzValue> BooleansSampled = [new("true as string", "\"true\""), J("1"), J("0"), S("yes", "yes")];

    /// <summary>Values of the wrong JSON type for a declared type; the API must answer 400 to every one.</summary>
    public static IReadOnlyList<FuzzValue> WrongTypes(string type) => type switch
    {
        "string" => [J("1"), J("true"), J("{}"), J("[\"x\"]")],
        "number" or "integer" => [new("number as string", "\"1\""), J("true"), J("{}"), J("[1]")],
        "boolean" => [new("boolean as string", "\"true\""), J("1"), J("{}"), J("[true]")],
        "array" => [J("{}"), J("\"x\""), J("1"), J("true")],
        "object" => [J("[]"), J("\"x\""), J("1"), J("true")],
        _ => [],
    };

    /// <summary>Edge cases of free-form objects (dictionaries such as strategy parameters).</summary>
    public static readonly IReadOnlyList<FuzzValue> DictionariesSampled =
    [
        J("{\"\":1}"), J("{\"x\":\"1\"}"), J("{\"x\":1e400}"), J("{\"x\":null}"), J("{\"x\":{\"y\":1}}"), J("{\"__proto__\":1}"), J("{\"x\":79228162514264337593543950336}"),
        new("2,000 keys", "{" + string.Join(',', Enumerable.Range(0, 2000).Select(i => $"\"k{i}\":1")) + "}"),
        new("100 KB key", "{" + Str(new string('k', LongStringLength)) + ":1}"),
    ];

    /// <summary>Nesting far beyond System.Text.Json's default depth of 64.</summary>
    public static string Nested(int depth) => new string('[', depth) + new string(']', depth);
}
