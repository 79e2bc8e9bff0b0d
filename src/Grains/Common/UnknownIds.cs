namespace TradingPlatform.Common;

/// <summary>What a grain does when asked about an id nobody created.</summary>
public static class UnknownIds
{
    /// <summary>
    /// Returns <paramref name="answer"/> and lets the activation leave memory once idle. Otherwise every probe of an
    /// unknown id (a typo, a scanner, a 404 answered by the API) would keep an empty activation for the whole collection
    /// age (found by the soak).
    /// </summary>
    public static T ForgetUnknown<T>(this IGrainBase grain, T answer)
    {
        grain.DeactivateOnIdle();
        return answer;
    }
}
