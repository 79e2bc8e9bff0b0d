using System.Diagnostics;

namespace TradingPlatform.Testing;

/// <summary>Polls for an eventual outcome with a deadline; never a fixed sleep.</summary>
public static class Eventually
{
    public static async Task<T> Get<T>(Func<Task<T>> probe, Func<T, bool> done, TimeSpan timeout, string what)
    {
        var clock = Stopwatch.StartNew();
        Exception? last = null;
        T? value = default;
        while (clock.Elapsed < timeout)
        {
            try
            {
                value = await probe();
                if (done(value)) return value;
                last = null;
            }
            catch (Exception e)
            {
                last = e;
            }
            await Task.Delay(TimeSpan.FromMilliseconds(100));
        }
        throw new TimeoutException($"Not true within {timeout.TotalSeconds:0.#} s: {what}. Last value: {value}", last);
    }

    public static Task True(Func<Task<bool>> probe, TimeSpan timeout, string what) =>
        Get(probe, ok => ok, timeout, what);
}

public static class FreePort
{
    public static int Next()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }
}
