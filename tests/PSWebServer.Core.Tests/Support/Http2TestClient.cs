using System;
using System.Collections.Generic;
using System.IO;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Text;
using System.Threading;
using System.Threading.Channels;
using System.Threading.Tasks;
using PSWebServer.Http2;

namespace PSWebServer.Tests.Support;

/// <summary>
/// A raw HTTP/2 client for tests, over a socket (h2c, prior knowledge) or TLS with ALPN h2, built from the engine's own
/// frame writer and reader and HPACK coder (so it checks every server frame with the same §4-§6 rules). Frames are
/// sent exactly as a test asks. A reader task takes every server frame off the socket as it comes: HEADERS and DATA
/// go to the stream's <see cref="Http2TestResponse"/>, every frame (DATA without its payload) to <see cref="NextFrameAsync"/>.
/// By default it acknowledges the server's SETTINGS and gives back the window of every DATA frame it reads
/// (<see cref="AutoAckSettings"/>, <see cref="AutoWindowUpdate"/>); a test of flow control or timeouts turns them off.
/// Every wait is bounded.
/// </summary>
internal sealed class Http2TestClient : IDisposable
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(5);

    private readonly Socket _socket;
    private readonly Stream _stream;
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private readonly Channel<Http2TestFrame> _frames = Channel.CreateUnbounded<Http2TestFrame>();
    private readonly List<Http2TestFrame> _history = new(); // every frame, whatever NextFrameAsync has taken
    private readonly object _sync = new();
    private readonly Dictionary<uint, Http2TestResponse> _responses = new();
    private readonly HpackDecoder _decoder = new(4096, 1 << 20);
    private readonly Http2FrameReader _reader = new();
    private readonly TaskCompletionSource<Http2TestFrame> _goAway = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _serverSettings = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly MemoryStream _block = new();
    private uint _blockStream;
    private bool _blockEndStream;
    private uint _nextStreamId = 1;
    private readonly Dictionary<uint, long> _streamCredit = new(); // WINDOW_UPDATE increments per stream, for uploads
    private long _connectionSent, _connectionCredit = 65535;
    private Task _pump = Task.CompletedTask;
    private volatile TaskCompletionSource? _paused; // set: the reader stops taking bytes off the socket (TCP pushes back)

    private Http2TestClient(Socket socket, Stream stream)
    {
        _socket = socket;
        _stream = stream;
    }

    public Socket Socket => _socket;
    public Stream Stream => _stream;
    public int LocalPort => ((IPEndPoint)_socket.LocalEndPoint!).Port;

    /// <summary>Acknowledge each server SETTINGS (off: a client that never ACKs).</summary>
    public bool AutoAckSettings { get; set; } = true;
    /// <summary>Send WINDOW_UPDATE (stream and connection) for every DATA frame read (off: the test grants window itself).</summary>
    public bool AutoWindowUpdate { get; set; } = true;

    /// <summary>Shut our side down when the server's FIN comes, as browsers and client libraries do (off: a client that lingers).</summary>
    public bool CloseOnEof { get; set; } = true;

    /// <summary>The server's first SETTINGS, by id (complete once <see cref="ServerSettingsAsync"/> has returned).</summary>
    public Dictionary<Http2SettingId, uint> ServerSettings { get; } = new();
    /// <summary>The WINDOW_UPDATEs the server sent on stream 0, summed.</summary>
    public long ConnectionWindowCredit { get; private set; }
    /// <summary>How many SETTINGS ACKs the server sent.</summary>
    public int SettingsAcks { get; private set; }
    /// <summary>A frame the engine's reader rejects, or a frame on a stream nobody opened: the server broke the protocol.</summary>
    public string? Violation { get; private set; }
    /// <summary>DATA payload octets read on every stream.</summary>
    public long DataBytes { get; private set; }

    /// <summary>Connects in cleartext; with <paramref name="settings"/> not null, sends the preface and those SETTINGS.</summary>
    public static async Task<Http2TestClient> ConnectAsync(int port, (Http2SettingId, uint)[]? settings = null, bool preface = true)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            using var cts = new CancellationTokenSource(DefaultTimeout);
            await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port), cts.Token).ConfigureAwait(false);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
        var client = new Http2TestClient(socket, new NetworkStream(socket, ownsSocket: false));
        if (preface) await client.StartAsync(settings).ConfigureAwait(false);
        return client;
    }

    /// <summary>Connects over TLS offering only h2 (trusting exactly the server's certificate) and starts HTTP/2.</summary>
    public static async Task<Http2TestClient> ConnectTlsAsync(StaticServer server, (Http2SettingId, uint)[]? settings = null)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        SslStream? ssl = null;
        try
        {
            using var cts = new CancellationTokenSource(DefaultTimeout);
            await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, server.Port), cts.Token).ConfigureAwait(false);
            ssl = new SslStream(new NetworkStream(socket, ownsSocket: false), leaveInnerStreamOpen: false);
            await ssl.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
            {
                TargetHost = "localhost",
                ApplicationProtocols = new() { SslApplicationProtocol.Http2 },
                RemoteCertificateValidationCallback = (_, certificate, _, errors) => TlsTestClient.Trusts(server.Certificate!, certificate, errors),
            }, cts.Token).ConfigureAwait(false);
            if (ssl.NegotiatedApplicationProtocol != SslApplicationProtocol.Http2)
                throw new InvalidOperationException("ALPN chose '" + ssl.NegotiatedApplicationProtocol + "', not h2.");
        }
        catch
        {
            ssl?.Dispose();
            socket.Dispose();
            throw;
        }
        var client = new Http2TestClient(socket, ssl);
        await client.StartAsync(settings).ConfigureAwait(false);
        return client;
    }

    /// <summary>The client preface and our SETTINGS (§3.4), then the reader task.</summary>
    public async Task StartAsync((Http2SettingId, uint)[]? settings = null)
    {
        settings ??= Array.Empty<(Http2SettingId, uint)>();
        foreach ((Http2SettingId id, uint value) in settings)
        {
            if (id == Http2SettingId.MaxFrameSize) _reader.MaxFrameSize = (int)value;
        }
        byte[] frame = new byte[Http2Preface.Length + Http2FrameWriter.SettingsSize(settings.Length)];
        Http2Preface.Bytes.CopyTo(frame);
        Http2FrameWriter.WriteSettings(frame.AsSpan(Http2Preface.Length), settings);
        await SendRawAsync(frame).ConfigureAwait(false);
        StartReading();
    }

    /// <summary>Starts the reader without sending anything (for a test that writes the preface itself).</summary>
    public void StartReading() => _pump = Task.Run(PumpAsync);

    /// <summary>Stops reading the socket after the read in progress: the server's sends fill the socket buffers and wait.</summary>
    public void PauseReading() => _paused ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

    public void ResumeReading()
    {
        TaskCompletionSource? gate = _paused;
        _paused = null;
        gate?.TrySetResult();
    }

    public uint NextStreamId()
    {
        uint id = _nextStreamId;
        _nextStreamId += 2;
        return id;
    }

    // ---- sending ----

    public async Task SendRawAsync(ReadOnlyMemory<byte> bytes)
    {
        await _writeLock.WaitAsync().ConfigureAwait(false);
        try
        {
            using var cts = new CancellationTokenSource(DefaultTimeout);
            await _stream.WriteAsync(bytes, cts.Token).ConfigureAwait(false);
            await _stream.FlushAsync(cts.Token).ConfigureAwait(false);
        }
        finally
        {
            _writeLock.Release();
        }
    }

    /// <summary>The HPACK block of <paramref name="fields"/>, each a literal without indexing.</summary>
    public static byte[] EncodeBlock(IEnumerable<(string Name, string Value)> fields)
    {
        var block = new MemoryStream();
        byte[] scratch = new byte[64 * 1024];
        foreach ((string name, string value) in fields)
        {
            byte[] n = Encoding.Latin1.GetBytes(name), v = Encoding.Latin1.GetBytes(value);
            if (scratch.Length < HpackEncoder.GetMaxFieldLength(n.Length, v.Length)) scratch = new byte[HpackEncoder.GetMaxFieldLength(n.Length, v.Length)];
            int length = HpackEncoder.EncodeField(n, v, scratch);
            block.Write(scratch, 0, length);
        }
        return block.ToArray();
    }

    /// <summary>The pseudo-headers of a request, then <paramref name="headers"/>.</summary>
    public static List<(string, string)> RequestFields(string method, string path, IEnumerable<(string, string)>? headers = null,
        string authority = "localhost", string scheme = "http")
    {
        var fields = new List<(string, string)> { (":method", method), (":scheme", scheme), (":authority", authority), (":path", path) };
        if (headers != null) fields.AddRange(headers);
        return fields;
    }

    /// <summary>The stream's response object, made (and so listened for) before its HEADERS leave.</summary>
    public Http2TestResponse Track(uint streamId)
    {
        lock (_sync)
        {
            if (!_responses.TryGetValue(streamId, out Http2TestResponse? response))
                _responses[streamId] = response = new Http2TestResponse(streamId);
            return response;
        }
    }

    public Http2TestResponse? Response(uint streamId)
    {
        lock (_sync) return _responses.TryGetValue(streamId, out Http2TestResponse? response) ? response : null;
    }

    /// <summary>HEADERS (and CONTINUATION past 16 KiB) carrying <paramref name="fields"/>.</summary>
    public Task<Http2TestResponse> SendHeadersAsync(uint streamId, IEnumerable<(string, string)> fields, bool endStream) =>
        SendBlockAsync(streamId, EncodeBlock(fields), endStream);

    public async Task<Http2TestResponse> SendBlockAsync(uint streamId, byte[] block, bool endStream)
    {
        Http2TestResponse response = Track(streamId);
        byte[] frames = new byte[Http2FrameWriter.HeadersSize(block.Length, Http2Settings.DefaultMaxFrameSize)];
        int n = Http2FrameWriter.WriteHeaders(frames, streamId, block, Http2Settings.DefaultMaxFrameSize, endStream);
        await SendRawAsync(frames.AsMemory(0, n)).ConfigureAwait(false);
        return response;
    }

    /// <summary>A request on a new stream: HEADERS, then the body (if any) as DATA.</summary>
    public async Task<Http2TestResponse> SendRequestAsync(string method, string path, IEnumerable<(string, string)>? headers = null,
        byte[]? body = null, string authority = "localhost", string scheme = "http")
    {
        uint id = NextStreamId();
        Http2TestResponse response = await SendHeadersAsync(id, RequestFields(method, path, headers, authority, scheme), endStream: body is null)
            .ConfigureAwait(false);
        if (body != null) await SendDataAsync(id, body, endStream: true).ConfigureAwait(false);
        return response;
    }

    /// <summary>A GET and its whole response (bounded by <paramref name="timeout"/>).</summary>
    public async Task<Http2TestResponse> GetAsync(string path, IEnumerable<(string, string)>? headers = null, TimeSpan? timeout = null)
    {
        Http2TestResponse response = await SendRequestAsync("GET", path, headers).ConfigureAwait(false);
        await WaitAsync(response, timeout).ConfigureAwait(false);
        return response;
    }

    /// <summary>DATA frames of at most 16 KiB (the default SETTINGS_MAX_FRAME_SIZE), END_STREAM on the last when asked.</summary>
    public async Task SendDataAsync(uint streamId, ReadOnlyMemory<byte> data, bool endStream)
    {
        var frames = new MemoryStream();
        byte[] frame = new byte[Http2FrameHeader.Size + Http2Settings.DefaultMaxFrameSize];
        do
        {
            int chunk = Math.Min(data.Length, Http2Settings.DefaultMaxFrameSize);
            int n = Http2FrameWriter.WriteData(frame, streamId, data.Span.Slice(0, chunk), endStream && chunk == data.Length);
            frames.Write(frame, 0, n);
            data = data.Slice(chunk);
        }
        while (!data.IsEmpty);
        await SendRawAsync(frames.ToArray()).ConfigureAwait(false);
    }

    /// <summary>
    /// An upload as a well-behaved client sends it: DATA only within the server's windows (its SETTINGS_INITIAL_WINDOW_SIZE
    /// and the WINDOW_UPDATEs it sends, §6.9), waiting for credit; throws when none comes within the timeout.
    /// </summary>
    public async Task SendDataFlowControlledAsync(uint streamId, ReadOnlyMemory<byte> data, bool endStream, TimeSpan? timeout = null)
    {
        await ServerSettingsAsync().ConfigureAwait(false);
        long initial;
        lock (ServerSettings) initial = ServerSettings.TryGetValue(Http2SettingId.InitialWindowSize, out uint w) ? w : 65535;
        long streamSent = 0;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            int allowed;
            lock (_sync)
            {
                long streamWindow = initial + _streamCredit.GetValueOrDefault(streamId) - streamSent;
                long connectionWindow = _connectionCredit - _connectionSent;
                allowed = (int)Math.Min(Math.Min(streamWindow, connectionWindow), Math.Min(data.Length, Http2Settings.DefaultMaxFrameSize));
                if (allowed > 0 || data.IsEmpty)
                {
                    _connectionSent += allowed;
                    streamSent += allowed;
                }
            }
            if (allowed > 0 || data.IsEmpty)
            {
                bool last = allowed == data.Length;
                await SendDataAsync(streamId, data.Slice(0, allowed), endStream && last).ConfigureAwait(false);
                data = data.Slice(allowed);
                if (last) return;
                clock.Restart();
                continue;
            }
            if (clock.Elapsed > (timeout ?? DefaultTimeout)) throw new TimeoutException("No window for the upload on stream " + streamId);
            await Task.Delay(2).ConfigureAwait(false);
        }
    }

    public Task SendFrameAsync(Http2FrameType type, byte flags, uint streamId, ReadOnlySpan<byte> payload)
    {
        byte[] frame = new byte[Http2FrameHeader.Size + payload.Length];
        Http2FrameWriter.WriteFrame(frame, type, flags, streamId, payload);
        return SendRawAsync(frame);
    }

    public Task SendWindowUpdateAsync(uint streamId, int increment)
    {
        byte[] frame = new byte[Http2FrameWriter.WindowUpdateSize];
        Http2FrameWriter.WriteWindowUpdate(frame, streamId, increment);
        return SendRawAsync(frame);
    }

    public Task SendRstStreamAsync(uint streamId, Http2ErrorCode code)
    {
        byte[] frame = new byte[Http2FrameWriter.RstStreamSize];
        Http2FrameWriter.WriteRstStream(frame, streamId, code);
        return SendRawAsync(frame);
    }

    public Task SendPingAsync(ReadOnlySpan<byte> opaque)
    {
        byte[] frame = new byte[Http2FrameWriter.PingSize];
        Http2FrameWriter.WritePing(frame, opaque, ack: false);
        return SendRawAsync(frame);
    }

    public Task SendGoAwayAsync(uint lastStreamId, Http2ErrorCode code)
    {
        byte[] frame = new byte[Http2FrameWriter.GoAwaySize(0)];
        Http2FrameWriter.WriteGoAway(frame, lastStreamId, code);
        return SendRawAsync(frame);
    }

    public Task SendSettingsAsync(params (Http2SettingId, uint)[] settings)
    {
        byte[] frame = new byte[Http2FrameWriter.SettingsSize(settings.Length)];
        Http2FrameWriter.WriteSettings(frame, settings);
        return SendRawAsync(frame);
    }

    public Task SendSettingsAckAsync()
    {
        byte[] frame = new byte[Http2FrameWriter.SettingsAckSize];
        Http2FrameWriter.WriteSettingsAck(frame);
        return SendRawAsync(frame);
    }

    // ---- waiting ----

    /// <summary>Waits for the stream to end (END_STREAM, RST_STREAM or the connection's end); throws on timeout.</summary>
    public static async Task WaitAsync(Http2TestResponse response, TimeSpan? timeout = null)
    {
        Task done = response.Done;
        if (await Task.WhenAny(done, Task.Delay(timeout ?? DefaultTimeout)).ConfigureAwait(false) != done)
            throw new TimeoutException("No end of " + response + " within " + (timeout ?? DefaultTimeout));
    }

    /// <summary>The next server frame that <paramref name="match"/> accepts (others are skipped); throws on timeout or when the connection ends first.</summary>
    public async Task<Http2TestFrame> NextFrameAsync(Func<Http2TestFrame, bool> match, TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? DefaultTimeout);
        try
        {
            while (true)
            {
                Http2TestFrame frame = await _frames.Reader.ReadAsync(cts.Token).ConfigureAwait(false);
                if (match(frame)) return frame;
            }
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException("No matching frame within " + (timeout ?? DefaultTimeout));
        }
        catch (ChannelClosedException)
        {
            throw new EndOfStreamException("The connection ended before a matching frame came.");
        }
    }

    public Task<Http2TestFrame> NextFrameAsync(Http2FrameType type, TimeSpan? timeout = null) => NextFrameAsync(f => f.Type == type, timeout);

    /// <summary>Every frame the server has sent so far, in order (also those <see cref="NextFrameAsync"/> skipped or took).</summary>
    public List<Http2TestFrame> FramesSoFar()
    {
        lock (_history) return new List<Http2TestFrame>(_history);
    }

    /// <summary>Every frame read so far and not yet taken by <see cref="NextFrameAsync"/>.</summary>
    public List<Http2TestFrame> DrainFrames()
    {
        var frames = new List<Http2TestFrame>();
        while (_frames.Reader.TryRead(out Http2TestFrame? frame)) frames.Add(frame);
        return frames;
    }

    /// <summary>The server's GOAWAY (the first); throws on timeout.</summary>
    public async Task<Http2TestFrame> GoAwayAsync(TimeSpan? timeout = null)
    {
        Task<Http2TestFrame> goAway = _goAway.Task;
        if (await Task.WhenAny(goAway, Task.Delay(timeout ?? DefaultTimeout)).ConfigureAwait(false) != goAway)
            throw new TimeoutException("No GOAWAY within " + (timeout ?? DefaultTimeout));
        return await goAway.ConfigureAwait(false);
    }

    public bool GoAwayReceived => _goAway.Task.IsCompleted;

    /// <summary>Whether the server closed the connection (EOF or reset) within <paramref name="timeout"/>.</summary>
    public async Task<bool> ClosedAsync(TimeSpan? timeout = null)
    {
        Task closed = _closed.Task;
        return await Task.WhenAny(closed, Task.Delay(timeout ?? DefaultTimeout)).ConfigureAwait(false) == closed;
    }

    public bool IsClosed => _closed.Task.IsCompleted;

    /// <summary>The server's first SETTINGS; throws on timeout.</summary>
    public async Task ServerSettingsAsync(TimeSpan? timeout = null)
    {
        Task settings = _serverSettings.Task;
        if (await Task.WhenAny(settings, Task.Delay(timeout ?? DefaultTimeout)).ConfigureAwait(false) != settings)
            throw new TimeoutException("No server SETTINGS within " + (timeout ?? DefaultTimeout));
    }

    /// <summary>Round trip: a PING whose ACK has come means every frame the server sent before it has been read.</summary>
    public async Task<TimeSpan> PingAsync(TimeSpan? timeout = null)
    {
        byte[] opaque = BitConverter.GetBytes(Environment.TickCount64);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        await SendPingAsync(opaque).ConfigureAwait(false);
        await NextFrameAsync(f => f.Type == Http2FrameType.Ping && f.HasFlag(Http2Flags.Ack) && f.Payload.AsSpan().SequenceEqual(opaque), timeout)
            .ConfigureAwait(false);
        return clock.Elapsed;
    }

    // ---- reading ----

    private async Task PumpAsync()
    {
        byte[] buffer = new byte[Math.Max(256 * 1024, 2 * (_reader.MaxFrameSize + Http2FrameHeader.Size))];
        int start = 0, end = 0;
        var replies = new MemoryStream();
        try
        {
            while (true)
            {
                if (_paused is TaskCompletionSource gate) await gate.Task.ConfigureAwait(false);
                int n = await _stream.ReadAsync(buffer.AsMemory(end)).ConfigureAwait(false);
                if (n == 0)
                {
                    // As real clients do on the server's FIN: close our side too (unless a test wants a client that lingers).
                    if (CloseOnEof) _socket.Shutdown(SocketShutdown.Send);
                    break;
                }
                end += n;
                if (!ReadFrames(buffer, ref start, end, replies)) return;
                if (start == end) start = end = 0;
                else if (end == buffer.Length)
                {
                    Buffer.BlockCopy(buffer, start, buffer, 0, end - start);
                    end -= start;
                    start = 0;
                }
                if (replies.Length > 0)
                {
                    await SendRawAsync(replies.ToArray()).ConfigureAwait(false);
                    replies.SetLength(0);
                }
            }
        }
        catch (Exception)
        {
            // reset, disposed or aborted: the connection is over either way
        }
        finally
        {
            _frames.Writer.TryComplete();
            lock (_sync)
            {
                foreach (Http2TestResponse response in _responses.Values)
                {
                    if (response.IsDone) continue;
                    response.ConnectionLost = true;
                    response.Complete();
                }
            }
            _closed.TrySetResult();
        }
    }

    /// <summary>Takes every whole frame off the buffer; false when one cannot be read past (a connection error in it).</summary>
    private bool ReadFrames(byte[] buffer, ref int start, int end, MemoryStream replies)
    {
        while (true)
        {
            Http2ReadStatus status = _reader.Read(buffer.AsSpan(start, end - start), out Http2FrameHeader header,
                out ReadOnlySpan<byte> payload, out int consumed, out Http2FrameError error);
            if (status == Http2ReadStatus.NeedMore) return true;
            if (status == Http2ReadStatus.Error)
            {
                Violation ??= $"{header.Type} on stream {header.StreamId}: {error.Reason} ({error.Code})";
                if (consumed == 0) return false;
            }
            else if (status == Http2ReadStatus.Frame)
            {
                OnFrame(header, payload, replies);
            }
            start += consumed;
        }
    }

    private void OnFrame(in Http2FrameHeader header, ReadOnlySpan<byte> payload, MemoryStream replies)
    {
        bool isData = header.Type == Http2FrameType.Data;
        var frame = new Http2TestFrame(header.Type, header.Flags, header.StreamId, header.Length, isData ? Array.Empty<byte>() : payload.ToArray());
        switch (header.Type)
        {
            case Http2FrameType.Data:
            {
                Http2Payload.TryGetData(header, payload, out ReadOnlySpan<byte> data, out _);
                Http2TestResponse? response = Response(header.StreamId);
                if (response is null || response.Status == 0 || response.Ended) Violation ??= "DATA on stream " + header.StreamId + " before its HEADERS or after its end";
                DataBytes += data.Length;
                if (response != null)
                {
                    response.Append(data);
                    response.DataFrames.Add(header.Length);
                }
                bool end = header.HasFlag(Http2Flags.EndStream);
                if (AutoWindowUpdate && header.Length > 0)
                {
                    WriteWindowUpdate(replies, 0, header.Length);
                    if (!end) WriteWindowUpdate(replies, header.StreamId, header.Length);
                }
                Publish(frame);
                if (end && response != null) End(response);
                return;
            }
            case Http2FrameType.Headers:
                Http2Payload.TryGetHeaderBlockFragment(header, payload, out ReadOnlySpan<byte> fragment, out _);
                _block.SetLength(0);
                _block.Write(fragment);
                _blockStream = header.StreamId;
                _blockEndStream = header.HasFlag(Http2Flags.EndStream);
                Publish(frame);
                if (header.HasFlag(Http2Flags.EndHeaders)) OnBlock();
                return;
            case Http2FrameType.Continuation:
                if (header.StreamId != _blockStream) Violation ??= "CONTINUATION on another stream";
                _block.Write(payload);
                Publish(frame);
                if (header.HasFlag(Http2Flags.EndHeaders)) OnBlock();
                return;
            case Http2FrameType.RstStream:
            {
                Http2TestResponse? response = Response(header.StreamId);
                Publish(frame);
                if (response != null)
                {
                    response.ResetCode ??= frame.ErrorCode;
                    response.Complete();
                }
                return;
            }
            case Http2FrameType.Settings:
                if (header.HasFlag(Http2Flags.Ack))
                {
                    SettingsAcks++;
                }
                else
                {
                    for (int i = 0; i + 6 <= payload.Length; i += 6)
                    {
                        var id = (Http2SettingId)System.Buffers.Binary.BinaryPrimitives.ReadUInt16BigEndian(payload.Slice(i));
                        uint value = System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(payload.Slice(i + 2));
                        lock (ServerSettings) ServerSettings[id] = value;
                    }
                    if (AutoAckSettings)
                    {
                        byte[] ack = new byte[Http2FrameWriter.SettingsAckSize];
                        Http2FrameWriter.WriteSettingsAck(ack);
                        replies.Write(ack);
                    }
                    _serverSettings.TrySetResult();
                }
                Publish(frame);
                return;
            case Http2FrameType.Ping:
                if (!header.HasFlag(Http2Flags.Ack))
                {
                    byte[] ack = new byte[Http2FrameWriter.PingSize];
                    Http2FrameWriter.WritePingAck(ack, payload);
                    replies.Write(ack);
                }
                Publish(frame);
                return;
            case Http2FrameType.GoAway:
                _goAway.TrySetResult(frame);
                Publish(frame);
                return;
            case Http2FrameType.WindowUpdate:
                lock (_sync)
                {
                    if (header.StreamId == 0) _connectionCredit += frame.WindowIncrement;
                    else _streamCredit[header.StreamId] = _streamCredit.GetValueOrDefault(header.StreamId) + frame.WindowIncrement;
                }
                if (header.StreamId == 0) ConnectionWindowCredit += frame.WindowIncrement;
                Publish(frame);
                return;
            case Http2FrameType.PushPromise:
                Violation ??= "PUSH_PROMISE although we sent no SETTINGS_ENABLE_PUSH=1... the server pushes";
                Publish(frame);
                return;
            default:
                Publish(frame);
                return;
        }
    }

    private void Publish(Http2TestFrame frame)
    {
        lock (_history) _history.Add(frame);
        _frames.Writer.TryWrite(frame);
    }

    private void OnBlock()
    {
        var recorder = new HpackFieldRecorder();
        try
        {
            _decoder.Decode(_block.GetBuffer().AsSpan(0, (int)_block.Length), recorder);
        }
        catch (HpackException ex)
        {
            Violation ??= "HPACK: " + ex.Message;
            return;
        }
        Http2TestResponse? response = Response(_blockStream);
        if (response is null)
        {
            Violation ??= "HEADERS on stream " + _blockStream + ", which we never opened";
            return;
        }
        int status = 0;
        foreach ((string name, string value) in recorder.Fields)
        {
            if (name == ":status" && !(value.Length == 3 && int.TryParse(value, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out status)))
                status = -1; // not three digits: a malformed response (§8.3.2)
        }
        if (response.Status != 0)
        {
            response.Trailers.AddRange(recorder.Fields);
        }
        else if (status >= 100 && status < 200)
        {
            response.InterimStatuses.Add(status);
        }
        else
        {
            if (status == 0) Violation ??= "a response without :status on stream " + _blockStream;
            // -1 (a :status that is not three digits) is kept as the status: a test of a deliberately malformed response reads it.
            response.Status = status;
            response.Fields.AddRange(recorder.Fields);
        }
        if (_blockEndStream) End(response);
    }

    private static void End(Http2TestResponse response)
    {
        response.Ended = true;
        response.Complete();
    }

    private static void WriteWindowUpdate(MemoryStream replies, uint streamId, int increment)
    {
        Span<byte> frame = stackalloc byte[Http2FrameWriter.WindowUpdateSize];
        Http2FrameWriter.WriteWindowUpdate(frame, streamId, increment);
        replies.Write(frame);
    }

    /// <summary>Closes the socket at once (RST when data is unread) and waits briefly for the reader to end.</summary>
    public void Dispose()
    {
        try
        {
            _socket.LingerState = new LingerOption(true, 0);
        }
        catch (Exception)
        {
            // already closed
        }
        _stream.Dispose();
        _socket.Dispose();
        ResumeReading();
        _pump.Wait(TimeSpan.FromSeconds(2));
        _writeLock.Dispose();
    }
}
