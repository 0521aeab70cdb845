using System;
using System.Buffers;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using PSWebServer.Connections;
using PSWebServer.Http;
using PSWebServer.Transport;

namespace PSWebServer.Http2;

/// <summary>
/// One HTTP/2 connection (RFC 9113), h2 over TLS or h2c with prior knowledge: the sibling of
/// <see cref="Http1Connection"/> that turns streams into the same <see cref="HttpRequest"/>s, calls the same
/// <see cref="IRequestHandler"/> (on the loop first, on a work thread when it returns false) and encodes the same
/// <see cref="HttpResponse"/>s as HEADERS and DATA frames.
/// <para>
/// Threads. The read loop (this file and Http2Connection.Frames.cs) runs where the transport resumes it — the
/// connection's epoll loop — and never blocks: it parses frames in place, applies them to the state pieces
/// (<see cref="Http2StreamTable"/>, <see cref="Http2FlowWindow"/>s, <see cref="Http2FloodGuard"/>, HPACK), and answers
/// what the handler answers from memory inline, so many small responses from one read leave in one send. Everything
/// else — handlers off the loop, file bodies, bodies that wait for flow-control credit, streamed bodies — runs as one
/// task per stream (Http2Connection.Responses.cs). All of them write frames into one output buffer under
/// <see cref="_sync"/>, held only to copy bytes; one pump at a time sends it (Http2Connection.Output.cs), so frames
/// never interleave and a send never happens under the lock.
/// </para>
/// <para>
/// Lifetime. Registered like any connection (or taking over a TLS handshake's or an HTTP/1.1 connection's
/// registration). Stop sends GOAWAY at once (<see cref="CloseIfIdle"/>) and the streams in flight finish within the
/// grace; a connection error sends GOAWAY with its code and closes; idle past the keep-alive timeout sends GOAWAY
/// NO_ERROR and closes. The read loop's end waits for every stream task and the pump, then returns the buffers.
/// </para>
/// </summary>
internal sealed partial class Http2Connection : ITrackedConnection
{
    private const int InputBytes = 32 * 1024;        // holds a whole frame of our SETTINGS_MAX_FRAME_SIZE and more
    private const int StreamReceiveWindow = 1024 * 1024;
    private const int ConnectionReceiveWindow = 16 * 1024 * 1024;
    private static readonly TimeSpan SettingsAckTimeout = TimeSpan.FromSeconds(10);

    private readonly IConnectionTransport _transport;
    private readonly IRequestHandler _handler;
    private readonly ConnectionManager _manager;
    private readonly RequestLog _log;
    private readonly ServerStatistics _statistics;
    private readonly ServerLimits _limits;
    private readonly string _tlsProtocol;
    private readonly bool _refusesHttp1; // -Protocol Http2: a client that speaks HTTP/1.1 here gets a 505
    private readonly ConnectionDeadline _deadline;

    private readonly object _sync = new();
    private readonly Http2FrameReader _reader = new();
    private readonly Http2HeaderBlockAssembler _assembler;
    private readonly HpackDecoder _decoder;
    private readonly HpackEncoder _encoder = new();
    private readonly Http2RequestBuilder _builder;
    private readonly Http2StreamTable _table = new();
    private readonly Http2FloodGuard _flood;
    private readonly Http2Settings _peer = new();
    private readonly Http2FlowWindow _connectionSend = new();
    private readonly Http2FlowWindow _connectionReceive = new(ConnectionReceiveWindow);
    private readonly uint _maxHeaderListSize;

    private readonly List<Http2Stream> _active = new();  // acquired and not yet recycled: open, answering, or both
    private readonly Stack<Http2Stream> _free = new();
    private readonly List<Http2Stream> _ready = new();   // whole requests found in this read, answered after it

    private byte[] _input = Array.Empty<byte>();
    private int _start, _end;
    private long _id;
    private bool _prefaceDone;
    private bool _headersEndStream;    // the END_STREAM flag of the HEADERS whose block is being gathered
    private Http2FrameError? _blockRefusal; // that HEADERS was refused (self-dependency): decode its block, then reset
    private bool _sawFirstFrame;
    private bool _progress;            // this read moved an exchange on (DATA, HEADERS, WINDOW_UPDATE, RST_STREAM)
    private long _bufferedBodyBytes;   // request bodies held by this connection's streams
    private int _waitingOnServer;      // streams whose handler runs off the loop or whose body waits for events
    private int _tasks;                // stream tasks and the pump still running; the teardown waits for them
    private TaskCompletionSource? _tasksDone;
    private volatile bool _settingsAcked;
    private long _settingsDeadline = long.MaxValue;
    private bool _goAwaySent;
    private bool _draining;            // GOAWAY NO_ERROR sent: no new streams; close once the active ones end
    private bool _failed;              // a connection error: GOAWAY with its code sent, input ignored from now on
    private bool _closed;              // the read loop has ended: nothing more is written or sent

    public Http2Connection(IConnectionTransport transport, IRequestHandler handler, ConnectionManager manager,
        RequestLog log, ServerStatistics statistics, ServerLimits limits, string tlsProtocol = "", bool refusesHttp1 = false)
    {
        _transport = transport;
        _handler = handler;
        _manager = manager;
        _log = log;
        _statistics = statistics;
        _limits = limits;
        _tlsProtocol = tlsProtocol;
        _refusesHttp1 = refusesHttp1;
        _deadline = new ConnectionDeadline(manager);
        _flood = new Http2FloodGuard(manager.Time);
        // The request line and the header section of HTTP/1.1's limits, as one list (§6.5.2 counts 32 octets a field).
        _maxHeaderListSize = (uint)(limits.MaxHeaderBytes + limits.MaxRequestLineBytes);
        _assembler = new Http2HeaderBlockAssembler(Http2HeaderBlockAssembler.MaxBlockSizeFor(_maxHeaderListSize));
        _decoder = new HpackDecoder(Http2Settings.DefaultHeaderTableSize, (int)_maxHeaderListSize);
        _builder = new Http2RequestBuilder(limits.MaxHeaderCount);
        _table.InitialReceiveWindow = StreamReceiveWindow;
    }

    /// <summary>Registers the connection and runs its read loop on the caller's thread until its first wait.</summary>
    public Task Start() => Start(_manager.Register(this), ReadOnlyMemory<byte>.Empty, replace: false);

    /// <summary>
    /// Takes over <paramref name="registration"/> from the phase before it (a TLS handshake that negotiated h2, or an
    /// HTTP/1.1 connection that read the h2c preface), with the bytes that phase already read (<paramref name="prefix"/>,
    /// copied before this returns).
    /// </summary>
    public Task Start(long registration, ReadOnlyMemory<byte> prefix) => Start(registration, prefix, replace: true);

    private Task Start(long registration, ReadOnlyMemory<byte> prefix, bool replace)
    {
        _id = registration;
        _input = ArrayPool<byte>.Shared.Rent(Math.Max(InputBytes, prefix.Length + 1024));
        prefix.Span.CopyTo(_input);
        _end = prefix.Length;
        _deadline.Enter(_limits.HeaderTimeout, idle: true); // the preface, like a request head, must come in time
        if (replace) _manager.Replace(registration, this); // false: the earlier phase was aborted; the first receive fails
        return RunAsync();
    }

    /// <summary>Stop has begun: GOAWAY now; the streams in flight finish, then the connection closes.</summary>
    public void CloseIfIdle()
    {
        if (!Volatile.Read(ref _prefaceDone))
        {
            Abort(); // nothing said yet: nothing to finish
            return;
        }
        lock (_sync) BeginDrainLocked();
        FlushOnPool(); // Stop's own thread never sends (or encrypts) for a connection
    }

    public void AbortIfPastDeadline(long now)
    {
        if (!_settingsAcked && now > Volatile.Read(ref _settingsDeadline))
        {
            // Once: the failure's own linger deadline (checked below on later beats) then bounds the close.
            bool first;
            lock (_sync)
            {
                first = !_failed && !_closed;
                if (first) FailLocked(Http2FrameError.Connection(Http2ErrorCode.SettingsTimeout, 0, "SETTINGS not acknowledged"));
            }
            if (first)
            {
                FlushOnPool();
                return;
            }
        }
        if (!_deadline.IsPast(now)) return;
        if (_deadline.IsIdle && Volatile.Read(ref _prefaceDone))
        {
            // Idle past the keep-alive timeout: say goodbye (GOAWAY NO_ERROR) rather than vanish; the close follows
            // it, under the linger deadline. Only when that was said already and stalled is the connection aborted.
            bool said;
            lock (_sync)
            {
                said = _goAwaySent;
                if (!said) BeginDrainLocked();
            }
            if (!said)
            {
                FlushOnPool();
                return;
            }
        }
        Abort();
    }

    public void Abort()
    {
        try
        {
            _transport.Abort();
        }
        catch (Exception)
        {
            // closing a socket that is already closing: nothing to do
        }
    }

    private async Task RunAsync()
    {
        try
        {
            while (true)
            {
                if (!_prefaceDone && !await ReadPrefaceAsync().ConfigureAwait(false)) return;
                if (_prefaceDone)
                {
                    if (_failed) _start = _end = 0; // after a connection error the rest is not read, only drained
                    else ProcessFrames();
                    FlushSoon();
                    if (OutputBacklog() is Task backlog) await backlog.ConfigureAwait(false);
                }
                if (_start == _end) _start = _end = 0;
                else if (_end == _input.Length) Compact();

                int received = await _transport.ReceiveAsync(_input.AsMemory(_end)).ConfigureAwait(false);
                if (received == 0) return;
                _end += received;
            }
        }
        catch (Exception ex) when (IsDisconnect(ex))
        {
            // the client went away, or a deadline or stop aborted the connection
        }
        catch (Exception ex)
        {
            _statistics.ReportError(ex);
        }
        finally
        {
            await TeardownAsync().ConfigureAwait(false);
        }
    }

    /// <summary>
    /// §3.4: the client's preface first. True once it is whole (our SETTINGS then go out, §3.4: the server's preface);
    /// false when the connection is over (not HTTP/2: a 505 when HTTP/1.1 is refused here, else GOAWAY PROTOCOL_ERROR).
    /// </summary>
    private async ValueTask<bool> ReadPrefaceAsync()
    {
        Http2PrefaceStatus status = Http2Preface.Check(_input.AsSpan(_start, _end - _start));
        if (status == Http2PrefaceStatus.NeedMore) return true;
        if (status == Http2PrefaceStatus.Mismatch)
        {
            if (_refusesHttp1)
            {
                await _transport.SendAsync(Http1Refusal).ConfigureAwait(false);
                _transport.ShutdownSend();
            }
            else
            {
                _transport.ShutdownSend(); // §3.4: not HTTP/2; nothing said (a GOAWAY may be omitted, and our SETTINGS never went)
            }
            await LingerAsync().ConfigureAwait(false);
            return false;
        }
        _start += Http2Preface.Length;
        lock (_sync)
        {
            Volatile.Write(ref _prefaceDone, true);
            WriteServerPrefaceLocked();
            Volatile.Write(ref _settingsDeadline, _manager.DeadlineAfter(SettingsAckTimeout));
            RefreshDeadlineLocked();
            if (_manager.Stopping) BeginDrainLocked();
        }
        return true;
    }

    /// <summary>After a refusal, the FIN being out: the lingering close (<see cref="ConnectionEnd.DrainAsync"/>).</summary>
    private async ValueTask LingerAsync()
    {
        _deadline.Enter(ConnectionEnd.LingerTime, idle: false);
        await ConnectionEnd.DrainAsync(_transport, _input).ConfigureAwait(false);
    }

    private void Compact()
    {
        Buffer.BlockCopy(_input, _start, _input, 0, _end - _start);
        _end -= _start;
        _start = 0;
    }

    /// <summary>The streams are done with; every task has ended; the buffers go back.</summary>
    private async Task TeardownAsync()
    {
        Task? wait = null;
        TaskCompletionSource? room;
        lock (_sync)
        {
            _closed = true;
            foreach (Http2Stream stream in _active) EndAbruptlyLocked(stream);
            room = ReleaseWaitersLocked();
            if (_tasks > 0) wait = (_tasksDone = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task;
        }
        Abort(); // pending sends fail at once, so the tasks end
        room?.TrySetResult(); // senders waiting for room see the connection closed and end
        if (wait != null) await wait.ConfigureAwait(false);
        lock (_sync)
        {
            foreach (Http2Stream stream in _active) stream.Release();
            _active.Clear();
            foreach (Http2Stream stream in _free) stream.Release();
            _free.Clear();
            _output.Dispose();
            _sending.Dispose();
            _assembler.Dispose();
            _scratch = ReturnScratch(_scratch);
        }
        _transport.Dispose();
        ArrayPool<byte>.Shared.Return(_input);
        _input = Array.Empty<byte>();
        _manager.Unregister(_id);
    }

    /// <summary>A stream or pump task begins (under the lock).</summary>
    private void TaskStartedLocked() => _tasks++;

    /// <summary>A stream or pump task has ended; the last one after the read loop's end lets the teardown go on.</summary>
    private void TaskEnded()
    {
        lock (_sync)
        {
            if (--_tasks == 0) _tasksDone?.TrySetResult();
        }
    }

    // a stream's task ending because its stream or connection went away counts as the client leaving too
    private static bool IsDisconnect(Exception ex) => ex is StreamGoneException || ConnectionEnd.IsDisconnect(ex);

    // -Protocol Http2 on a port where a client spoke HTTP/1.1: a plain answer it can read, then the close.
    private static readonly byte[] Http1Refusal = Http1ResponseEncoder.BuildClosingTextAnswer(
        "HTTP/1.1 505 HTTP Version Not Supported", "This server speaks HTTP/2 only (Start-StaticServer -Protocol Http2).\n");

    /// <summary>Thrown in a stream's task when its stream was reset or the connection ended: nothing more to send.</summary>
    private sealed class StreamGoneException : Exception
    {
        public StreamGoneException() : base("The HTTP/2 stream was reset or its connection ended.") { }
    }
}
