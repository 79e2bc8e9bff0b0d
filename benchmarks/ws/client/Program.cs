using System.Buffers.Binary;
using System.Buffers.Text;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace TradingPlatform.Benchmarks.WebSockets.Client;

/// <summary>
/// The benchmark's own WebSocket subscribers (<c>bench.mjs --client dotnet</c>): N connections to <c>/v1/ws</c> in one
/// process, each subscribed to <c>fills</c>, checking seq continuity and timing the benchmark strategy's fills, with
/// exactly the measurements of <c>client-worker.mjs</c> (the independent node <c>ws</c> client).
/// <para>
/// Why a raw socket and not <see cref="System.Net.WebSockets.ClientWebSocket"/>: on these 2 cores the subscribers share
/// the machine with the API under test, so every microsecond the load generator spends per frame is taken from the
/// server. This client does the least RFC 6455 needs (HTTP/1.1 upgrade, masked client frames, unmasked server frames,
/// ping → pong, close) and reads each message in place in the receive buffer: no allocation, no copy, no per-frame
/// task. Socket continuations run on the socket engine's threads (<c>DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS=1</c>,
/// set by bench.mjs) instead of hopping to the thread pool.
/// </para>
/// <para>
/// Protocol with bench.mjs, one line each way on stdin/stdout: after connecting, <c>{"ready":N}</c>; then
/// <c>counts</c> → <c>{"received":…,"open":…}</c>, <c>measure</c> → <c>{}</c> (start timing), <c>final</c> → the
/// counters and the paths of three files of little-endian doubles (latencies, sequencing, delivery, in ms).
/// </para>
/// </summary>
public static class Program
{
    public static async Task<int> Main(string[] args)
    {
        if (args is ["drive", ..]) return await Driver.Run(args);
        var options = Options.Parse(args);
        if (options is null)
        {
            await Console.Error.WriteLineAsync("usage: WsBenchClient --ws ws://127.0.0.1:5620/v1/ws --token <jwt> --strategy <id> --connections <n> --out <dir>");
            return 2;
        }

        var recorder = new Recorder(options.Strategy);
        var clients = new List<Subscriber>(options.Connections);
        for (var i = 0; i < options.Connections; i += 50)
        {
            var batch = Enumerable.Range(0, Math.Min(50, options.Connections - i))
                .Select(_ => Subscriber.Connect(options.Endpoint, options.Host, options.PathAndQuery, options.Token, recorder))
                .ToArray();
            clients.AddRange(await Task.WhenAll(batch));
        }
        Console.WriteLine(JsonSerializer.Serialize(new { ready = clients.Count }));

        while (await Console.In.ReadLineAsync() is { } command)
        {
            var open = clients.Count(c => c.CloseCode is null);
            var received = clients.Sum(c => c.Received);
            switch (command.Trim())
            {
                case "measure":
                    recorder.Measuring = true;
                    Console.WriteLine("{}");
                    break;
                case "counts":
                    Console.WriteLine(JsonSerializer.Serialize(new { received, open }));
                    break;
                case "final":
                    foreach (var client in clients) client.Abort();
                    Directory.CreateDirectory(options.OutputDirectory);
                    Console.WriteLine(JsonSerializer.Serialize(new
                    {
                        received,
                        open,
                        lost = clients.Sum(c => c.Lost),
                        resyncs = clients.Sum(c => c.Resyncs),
                        closed = clients.Count - open,
                        latencies = recorder.Latencies.Save(Path.Combine(options.OutputDirectory, "latencies.f64")),
                        sequencing = recorder.Sequencing.Save(Path.Combine(options.OutputDirectory, "sequencing.f64")),
                        delivery = recorder.Delivery.Save(Path.Combine(options.OutputDirectory, "delivery.f64")),
                    }));
                    return 0;
                default:
                    await Console.Error.WriteLineAsync($"unknown command '{command}'");
                    break;
            }
        }
        return 0;
    }
}

internal sealed record Options(IPEndPoint Endpoint, string Host, string PathAndQuery, string Token, string Strategy, int Connections, string OutputDirectory)
{
    public static Options? Parse(string[] args)
    {
        string? ws = null, token = null, strategy = null, output = null;
        var connections = 1000;
        for (var i = 0; i + 1 < args.Length; i += 2)
        {
            switch (args[i])
            {
                case "--ws": ws = args[i + 1]; break;
                case "--token": token = args[i + 1]; break;
                case "--strategy": strategy = args[i + 1]; break;
                case "--connections": connections = int.Parse(args[i + 1], CultureInfo.InvariantCulture); break;
                case "--out": output = args[i + 1]; break;
                default: return null;
            }
        }
        if (ws is null || token is null || strategy is null || output is null || connections < 1) return null;
        var uri = new Uri(ws);
        // Loopback only, like every load test on these machines.
        var address = IPAddress.Parse(uri.Host == "localhost" ? "127.0.0.1" : uri.Host);
        if (!IPAddress.IsLoopback(address)) throw new ArgumentException("the benchmark client targets loopback only", nameof(args));
        return new Options(new IPEndPoint(address, uri.Port), uri.Authority, uri.PathAndQuery, token, strategy, connections, output);
    }
}

/// <summary>What all subscribers measure, shared: latencies of the benchmark strategy's fills once measuring.</summary>
internal sealed class Recorder(string strategy)
{
    private const int StampSlots = 4096;
    private readonly Stamp?[] _stamps = new Stamp?[StampSlots];

    public byte[] Marker { get; } = Encoding.UTF8.GetBytes($"\"strategyId\":\"{strategy}\"");
    public volatile bool Measuring;
    /// <summary>Frame arrival − the fill's executedAtUtc, per frame.</summary>
    public Samples Latencies { get; } = new(5_000_000);
    /// <summary>The frame's time (the topic grain numbered it) − executedAtUtc, once per fill.</summary>
    public Samples Sequencing { get; } = new(100_000);
    /// <summary>Frame arrival − the frame's time: the gateway, the sockets and this client, per frame.</summary>
    public Samples Delivery { get; } = new(5_000_000);

    public void Record(long seq, ReadOnlySpan<byte> message, double arrivedMs)
    {
        var slot = (int)(seq & (StampSlots - 1));
        var stamp = Volatile.Read(ref _stamps[slot]);
        if (stamp is null || stamp.Seq != seq)
        {
            // Once per fill, not per frame: every fill reaches every subscriber.
            var fresh = new Stamp(seq, Timestamp(message, "\"executedAtUtc\":\""u8), Timestamp(message, "\"time\":\""u8));
            if (Interlocked.CompareExchange(ref _stamps[slot], fresh, stamp) == stamp) Sequencing.Add(fresh.TimeMs - fresh.ExecutedMs);
            stamp = fresh;
        }
        Latencies.Add(arrivedMs - stamp.ExecutedMs);
        Delivery.Add(arrivedMs - stamp.TimeMs);
    }

    public static double NowMs() => (DateTime.UtcNow.Ticks - DateTime.UnixEpoch.Ticks) / (double)TimeSpan.TicksPerMillisecond;

    private static double Timestamp(ReadOnlySpan<byte> message, ReadOnlySpan<byte> key)
    {
        var at = message.IndexOf(key);
        if (at < 0) throw new InvalidDataException($"no {Encoding.UTF8.GetString(key)} in {Encoding.UTF8.GetString(message)}");
        var value = message[(at + key.Length)..];
        value = value[..value.IndexOf((byte)'"')];
        var parsed = DateTime.Parse(Encoding.UTF8.GetString(value), CultureInfo.InvariantCulture,
            DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal);
        return (parsed.Ticks - DateTime.UnixEpoch.Ticks) / (double)TimeSpan.TicksPerMillisecond;
    }

    private sealed record Stamp(long Seq, double ExecutedMs, double TimeMs);
}

/// <summary>A fixed-capacity sample buffer many threads append to (samples past the capacity are dropped, as in the node client).</summary>
internal sealed class Samples(int capacity)
{
    private readonly double[] _values = new double[capacity];
    private int _count;

    public void Add(double value)
    {
        var index = Interlocked.Increment(ref _count) - 1;
        if (index < _values.Length) _values[index] = value;
    }

    public string Save(string path)
    {
        var count = Math.Min(Volatile.Read(ref _count), _values.Length);
        File.WriteAllBytes(path, MemoryMarshal.AsBytes(_values.AsSpan(0, count)).ToArray());
        return path;
    }
}

/// <summary>One raw WebSocket connection subscribed to <c>fills</c>.</summary>
internal sealed class Subscriber
{
    private static readonly byte[] Subscribe = """{"op":"subscribe","topics":["fills"]}"""u8.ToArray();
    private readonly Socket _socket;
    private readonly Recorder _recorder;
    private readonly TaskCompletionSource _subscribed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Lock _sendLock = new();
    private byte[] _buffer = new byte[16 * 1024];
    private int _start, _end;
    private long _last;

    private Subscriber(Socket socket, Recorder recorder) => (_socket, _recorder) = (socket, recorder);

    public long Received { get; private set; }
    public long Lost { get; private set; }
    public int Resyncs { get; private set; }
    public int? CloseCode { get; private set; }

    public static async Task<Subscriber> Connect(IPEndPoint endpoint, string host, string path, string token, Recorder recorder)
    {
        var socket = new Socket(endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await socket.ConnectAsync(endpoint);
        var subscriber = new Subscriber(socket, recorder);
        await subscriber.Upgrade(host, path, token);
        subscriber.SendFrame(0x1, Subscribe);
        _ = subscriber.ReceiveLoop();
        await subscriber._subscribed.Task.WaitAsync(TimeSpan.FromSeconds(30));
        return subscriber;
    }

    public void Abort()
    {
        CloseCode ??= 1006;
        _socket.Dispose();
    }

    private async Task Upgrade(string host, string path, string token)
    {
        var key = Convert.ToBase64String(RandomNumberGenerator.GetBytes(16));
        var request = $"GET {path} HTTP/1.1\r\nHost: {host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            + $"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\nAuthorization: Bearer {token}\r\n\r\n";
        await _socket.SendAsync(Encoding.ASCII.GetBytes(request));
        while (true)
        {
            var read = await _socket.ReceiveAsync(_buffer.AsMemory(_end));
            if (read == 0) throw new IOException("the server closed the connection during the upgrade");
            _end += read;
            var headerEnd = _buffer.AsSpan(0, _end).IndexOf("\r\n\r\n"u8);
            if (headerEnd < 0) continue;
            var status = Encoding.ASCII.GetString(_buffer, 0, headerEnd);
            if (!status.StartsWith("HTTP/1.1 101", StringComparison.Ordinal)) throw new IOException($"upgrade refused: {status}");
            _start = headerEnd + 4; // frames may follow the headers in the same read
            return;
        }
    }

    private async Task ReceiveLoop()
    {
        try
        {
            while (CloseCode is null)
            {
                Consume();
                if (_start == _end) _start = _end = 0;
                if (_end == _buffer.Length)
                {
                    var pending = _end - _start;
                    if (_start == 0) Array.Resize(ref _buffer, _buffer.Length * 2); // one message larger than the buffer
                    else Buffer.BlockCopy(_buffer, _start, _buffer, 0, pending);
                    (_start, _end) = (0, pending);
                }
                var read = await _socket.ReceiveAsync(_buffer.AsMemory(_end));
                if (read == 0) { CloseCode ??= 1006; return; }
                _end += read;
            }
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            CloseCode ??= 1006;
        }
        catch (Exception e)
        {
            CloseCode ??= 1002;
            _subscribed.TrySetException(e);
            await Console.Error.WriteLineAsync($"subscriber failed: {e}");
        }
    }

    /// <summary>Handles every complete frame in the buffer; a partial one waits for more bytes.</summary>
    private void Consume()
    {
        while (_end - _start >= 2)
        {
            var frame = _buffer.AsSpan(_start, _end - _start);
            var fin = (frame[0] & 0x80) != 0;
            var opcode = frame[0] & 0x0F;
            if ((frame[1] & 0x80) != 0) throw new InvalidDataException("the server masked a frame");
            long length = frame[1] & 0x7F;
            var header = 2;
            if (length == 126)
            {
                if (frame.Length < 4) return;
                length = BinaryPrimitives.ReadUInt16BigEndian(frame[2..]);
                header = 4;
            }
            else if (length == 127)
            {
                if (frame.Length < 10) return;
                length = (long)BinaryPrimitives.ReadUInt64BigEndian(frame[2..]);
                header = 10;
            }
            if (frame.Length < header + length) return;
            var payload = frame.Slice(header, (int)length);
            // The gateway sends every message as one frame; a fragment would be a protocol change worth noticing.
            if (!fin) throw new InvalidDataException("fragmented message");
            switch (opcode)
            {
                case 0x1: OnMessage(payload); break;
                case 0x8:
                    CloseCode = payload.Length >= 2 ? BinaryPrimitives.ReadUInt16BigEndian(payload) : 1005;
                    SendFrame(0x8, payload.Length >= 2 ? payload[..2] : []);
                    break;
                case 0x9: SendFrame(0xA, payload); break;
            }
            _start += header + (int)length;
        }
    }

    private void OnMessage(ReadOnlySpan<byte> message)
    {
        if (message.StartsWith("{\"type\":\"event\""u8))
        {
            var arrived = Recorder.NowMs();
            var at = message.IndexOf("\"seq\":"u8);
            if (at < 0 || !Utf8Parser.TryParse(message[(at + 6)..], out long seq, out _)) throw new InvalidDataException("event without seq");
            if (_last != 0 && seq != _last + 1) Lost += Math.Max(0, seq - _last - 1);
            _last = seq;
            if (!_recorder.Measuring || message.IndexOf(_recorder.Marker) < 0) return;
            Received++;
            _recorder.Record(seq, message, arrived);
        }
        else if (message.StartsWith("{\"type\":\"subscribed\""u8)) _subscribed.TrySetResult();
        else if (message.StartsWith("{\"type\":\"resync\""u8)) Resyncs++;
        else if (message.StartsWith("{\"type\":\"error\""u8))
            Console.Error.WriteLine($"server error message: {Encoding.UTF8.GetString(message)}");
    }

    /// <summary>A masked client frame (RFC 6455 5.3), written whole with one blocking send: control frames and the subscribe are tiny.</summary>
    private void SendFrame(int opcode, ReadOnlySpan<byte> payload)
    {
        Span<byte> frame = stackalloc byte[payload.Length + 8];
        frame[0] = (byte)(0x80 | opcode);
        var header = 2;
        if (payload.Length < 126) frame[1] = (byte)(0x80 | payload.Length);
        else
        {
            frame[1] = 0x80 | 126;
            BinaryPrimitives.WriteUInt16BigEndian(frame[2..], (ushort)payload.Length);
            header = 4;
        }
        var mask = frame.Slice(header, 4);
        BinaryPrimitives.WriteInt32LittleEndian(mask, Random.Shared.Next());
        for (var i = 0; i < payload.Length; i++) frame[header + 4 + i] = (byte)(payload[i] ^ mask[i & 3]);
        lock (_sendLock)
        {
            try { _socket.Send(frame[..(header + 4 + payload.Length)]); }
            catch (Exception e) when (e is SocketException or ObjectDisposedException) { CloseCode ??= 1006; }
        }
    }
}
