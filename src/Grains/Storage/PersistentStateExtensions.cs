namespace TradingPlatform.Storage;

public static class PersistentStateExtensions
{
    /// <summary>
    /// Writes <paramref name="next"/> as the grain's state; memory only changes once the write succeeded.
    /// On failure the old state is restored and the grain deactivates, so the next call reloads what is
    /// stored (the stored etag may have moved).
    /// </summary>
    public static async Task Replace<T>(this IPersistentState<T> state, T next, IGrainBase owner)
    {
        var previous = state.State;
        state.State = next;
        try
        {
            await state.WriteStateAsync();
        }
        catch
        {
            state.State = previous;
            owner.DeactivateOnIdle();
            throw;
        }
    }
}
