using System.Buffers.Binary;
using System.Text;
using TradingPlatform.Candles;

namespace TradingPlatform.Tests.Candles;

/// <summary>
/// <see cref="CandleCopyEncoder"/> against PostgreSQL's binary COPY format, byte by byte, with expected values worked out
/// from the format description (not from the encoder). PostgresCandleStoreTests compares it with PostgreSQL's own output.
/// </summary>
public sealed class CandleCopyEncoderTests
{
    [Fact]
    public void The_file_starts_with_the_signature_flags_and_extension_length_and_ends_with_a_field_count_of_minus_one()
    {
        using var encoder = new CandleCopyEncoder();
        encoder.WriteHeader();
        encoder.WriteTrailer();

        byte[] expected = [.. "PGCOPY\n"u8, 0xFF, (byte)'\r', (byte)'\n', 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF];
        Assert.Equal(expected, encoder.Written.ToArray());
    }

    [Fact]
    public void A_row_is_eight_length_prefixed_fields_text_text_timestamptz_and_five_numerics()
    {
        var candle = new Candle(new DateTime(2000, 1, 1, 0, 0, 1, DateTimeKind.Utc), 167.4100m, 0.0012m, 10000m, 0m, 1234.5m);
        using var encoder = new CandleCopyEncoder();
        encoder.Write(new CandleRow("SPY", Timeframe.FifteenMinutes, candle));
        var bytes = encoder.Written.ToArray();
        var reader = new Reader(bytes);

        Assert.Equal(8, reader.Int16());
        Assert.Equal("SPY", Encoding.UTF8.GetString(reader.Field()));
        Assert.Equal("15m", Encoding.UTF8.GetString(reader.Field()));
        Assert.Equal(1_000_000L, BinaryPrimitives.ReadInt64BigEndian(reader.Field())); // one second after 2000-01-01, in µs
        Assert.Equal(Numeric(digits: [167, 4100], weight: 0, dscale: 4), reader.Field());  // 167.4100
        Assert.Equal(Numeric(digits: [12], weight: -1, dscale: 4), reader.Field());         // 0.0012 = 12 × 10000^-1
        Assert.Equal(Numeric(digits: [1], weight: 1, dscale: 0), reader.Field());           // 10000 = 1 × 10000^1
        Assert.Equal(Numeric(digits: [], weight: 0, dscale: 0), reader.Field());            // 0: no digits
        Assert.Equal(Numeric(digits: [1234, 5000], weight: 0, dscale: 1), reader.Field());  // 1234.5
        Assert.True(reader.AtEnd);
        Assert.Equal(1, encoder.Rows);
    }

    [Theory]
    [InlineData("12345678.9", new short[] { 1234, 5678, 9000 }, 1, 1)]
    [InlineData("0.00001234", new short[] { 1234 }, -2, 8)]
    [InlineData("100.000", new short[] { 100 }, 0, 3)]            // trailing zero groups are left out, the scale stays
    [InlineData("0.0", new short[0], 0, 1)]
    [InlineData("90673494", new short[] { 9067, 3494 }, 1, 0)]
    [InlineData("79228162514264337593543950335", new short[] { 7, 9228, 1625, 1426, 4337, 5935, 4395, 335 }, 7, 0)] // decimal.MaxValue
    [InlineData("0.0000000000000000000000000001", new short[] { 1 }, -7, 28)]   // smallest decimal: 1 × 10000^-7 = 1e-28
    public void Numerics_are_base_10000_digits_with_weight_and_the_decimals_scale(string value, short[] digits, short weight, short dscale)
    {
        var span = new byte[64];
        var length = CandleCopyEncoder.WriteNumeric(span, decimal.Parse(value, System.Globalization.CultureInfo.InvariantCulture));

        Assert.Equal(Numeric(digits, weight, dscale), new Reader(span.AsSpan(0, length).ToArray()).Field());
    }

    [Fact]
    public void A_negative_numeric_has_the_negative_sign_and_negative_zero_does_not()
    {
        var span = new byte[64];
        var length = CandleCopyEncoder.WriteNumeric(span, -1.5m);
        Assert.Equal(Numeric([1, 5000], 0, 1, sign: 0x4000), new Reader(span.AsSpan(0, length).ToArray()).Field());

        length = CandleCopyEncoder.WriteNumeric(span, decimal.Negate(0.0m));
        Assert.Equal(Numeric([], 0, 1), new Reader(span.AsSpan(0, length).ToArray()).Field());
    }

    [Fact]
    public void Times_are_microseconds_from_the_postgres_epoch_negative_before_it()
    {
        Assert.Equal(0L, CandleCopyEncoder.Microseconds(new DateTime(2000, 1, 1, 0, 0, 0, DateTimeKind.Utc)));
        Assert.Equal(-86_400_000_000L, CandleCopyEncoder.Microseconds(new DateTime(1999, 12, 31, 0, 0, 0, DateTimeKind.Utc)));
        Assert.Equal(757_382_400_000_000L, CandleCopyEncoder.Microseconds(new DateTime(2024, 1, 1, 0, 0, 0, DateTimeKind.Utc)));
    }

    [Fact]
    public void The_buffer_reports_full_before_a_row_could_overflow_it_and_refuses_rows_until_it_is_handed_over()
    {
        using var encoder = new CandleCopyEncoder();
        var row = new CandleRow("ABCDEFGHIJKLMNOPQRST", Timeframe.OneMinute, new Candle(DateTime.UnixEpoch, decimal.MaxValue, decimal.MaxValue, 1e-28m, 1e-28m, decimal.MaxValue));
        var rows = 0;
        while (!encoder.IsFull)
        {
            encoder.Write(row);
            rows++;
        }

        Assert.InRange(encoder.Length, CandleCopyEncoder.BufferSize - CandleCopyEncoder.MaxRowBytes, CandleCopyEncoder.BufferSize);
        Assert.Throws<InvalidOperationException>(() => encoder.Write(row));
        var one = encoder.Length / rows;
        Assert.True(one <= CandleCopyEncoder.MaxRowBytes, $"a row of the largest values took {one} bytes, more than MaxRowBytes {CandleCopyEncoder.MaxRowBytes}");
        encoder.Clear();
        Assert.False(encoder.IsFull);
    }

    private static byte[] Numeric(short[] digits, short weight, short dscale, short sign = 0)
    {
        var bytes = new byte[8 + 2 * digits.Length];
        BinaryPrimitives.WriteInt16BigEndian(bytes, (short)digits.Length);
        BinaryPrimitives.WriteInt16BigEndian(bytes.AsSpan(2), weight);
        BinaryPrimitives.WriteInt16BigEndian(bytes.AsSpan(4), sign);
        BinaryPrimitives.WriteInt16BigEndian(bytes.AsSpan(6), dscale);
        for (var i = 0; i < digits.Length; i++) BinaryPrimitives.WriteInt16BigEndian(bytes.AsSpan(8 + 2 * i), digits[i]);
        return bytes;
    }

    /// <summary>Reads big-endian int16s and int32-length-prefixed fields.</summary>
    private sealed class Reader(byte[] bytes)
    {
        private int _at;

        public bool AtEnd => _at == bytes.Length;

        public short Int16()
        {
            var value = BinaryPrimitives.ReadInt16BigEndian(bytes.AsSpan(_at));
            _at += 2;
            return value;
        }

        public byte[] Field()
        {
            var length = BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(_at));
            var field = bytes.AsSpan(_at + 4, length).ToArray();
            _at += 4 + length;
            return field;
        }
    }
}
