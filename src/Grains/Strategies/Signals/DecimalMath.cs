namespace TradingPlatform.Strategies.Signals;

/// <summary>Math on <see cref="decimal"/> that the BCL only offers for <see cref="double"/>.</summary>
internal static class DecimalMath
{
    /// <summary>
    /// The square root of a non-negative decimal, to decimal precision (about 28 significant digits).
    /// </summary>
    /// <remarks>
    /// Starts from <see cref="Math.Sqrt(double)"/> (the conversion back to decimal keeps about 15
    /// significant digits) and refines with two Newton steps in decimal, <c>x = (x + v / x) / 2</c>:
    /// each step doubles the correct digits, so the first already reaches decimal precision and the
    /// second absorbs rounding. Deterministic: the same input gives the same output on every platform,
    /// because the double square root is correctly rounded (IEEE 754) and the rest is decimal arithmetic.
    /// </remarks>
    public static decimal Sqrt(decimal value)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(value);
        if (value == 0m) return 0m;

        var root = (decimal)Math.Sqrt((double)value);
        if (root == 0m) root = value; // below decimal's smallest step: Newton still converges from here
        root = (root + value / root) / 2m;
        root = (root + value / root) / 2m;
        return root;
    }
}
