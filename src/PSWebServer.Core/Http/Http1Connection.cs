using System;
using System.Buffers;
using System.Diagnostics;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using PSWebServer.Connections;
using PSWebServer.Http2;
using PSWebServer.Transport;

namespace PSWebServer.Http;

/// <summary>
/// One client connection: a single sequential loop that reads, parses, hands each request to the handler and
/// sends the responses in order (HTTP/1.1 persistent connections and pipelining, RFC 9112 §9). Pipelined
/// responses are gathered and leave in one send. Nothing here throws out: a fault ends this connection only.
/// A request's body is read whole before its handler runs (Http1Connection.RequestBody.cs); a response that asks for a
/// deliberate failure is committed instead of encoded (Http1Connection.Faults.cs).
/// </summary>
internal sealed partial class Http1Connection : ITrackedConnection
{
    private const int InitialInputBytes = 4096;
    private const int FlushThresholdBytes = 64 * 1024;
    // Bodies up to this size are copied next to their head (one send); larger ones are sent from where they lie.
    private const int CopyBodyBytes = 16 * 1024;
    // The send deadline is renewed per chunk; with at most UnsentLimit.FileSendBytes waiting in the kernel, a chunk
    // completes once the client has read about that much, so 256 KiB in 60 s lets readers down to ~5 KB/s finish.
    private const long FileChunkBytes = 256 * 1024;

    private enum Phase
    {
        Idle,         // between requests, nothing buffered: may be closed at once on stop
        ReadingHead,  // a request has begun arriving
        ReadingBody,  // its body is arriving
        Busy,         // answering
    }

    // What the body phase ended in.
    private enum BodyOutcome
    {
        Read,      // whole (or none): answer the request
        Rejected,  // a status is in the output: send it and close
        Ended,     // the client left, or the body timed out (the 408 went out from the heartbeat's side): end
        Declined,  // the client waits for 100 Continue and no handler takes a body: answer now, unread, then close
    }

    // _bodyWait: the one handshake between the loop and the heartbeat over a body that stalls.
    private const int NotWaiting = 0, WaitingForBody = 1, BodyTimedOut = 2;
    private const int MinBodyReceiveBytes = 2048;
    private const int InitialBodyBytes = 4096;

    private readonly IConnectionTransport _transport;
    private readonly IRequestHandler _handler;
    private readonly ConnectionManager _manager;
    private readonly RequestLog _log;
    private readonly ServerStatistics _statistics;
    private readonly ServerLimits _limits;
    private readonly HttpRequestParser _parser;
    private readonly HttpRequestHead _head = new();
    private readonly HttpRequest _request;
    private readonly HttpResponse _response = new();
    private readonly ResponseBuffer _output = new();
    private byte[] _input = Array.Empty<byte>();
    private int _start, _end;      // the received bytes not yet consumed: _input[_start.._end]
    private int _headStart;        // where the current request's head lies in _input (it may move while its body is read)
    private byte[]? _bodyBuffer;   // pooled, when the body is not read in place in _input; returned after the response
    private ChunkedBodyDecoder? _chunked;
    private int _bodyWait;
    private Task? _timeoutReply;
    private Http1BodySink? _sink;
    private CancellationTokenSource? _cancellation;
    private ConnectionMode _mode; // of the response being sent: how the connection goes on after it
    private long _id;
    private bool _bodyDeclined; // this request's body was not asked for (Expect: 100-continue, no handler takes bodies)
    private int _sentStatus;   // the status the client could read, for the log (0 when a fault sent none)
    private bool _wasReset;    // a Reset fault ended the connection
    private readonly ConnectionDeadline _deadline; // none until the loop starts: a connection not yet running is not late
    private readonly string _tlsProtocol; // "TLSv1.3" over HTTPS, "" on plain HTTP: recorded with every request
    // Cleartext with HTTP/2 allowed: a connection whose first bytes are the h2c preface is handed to this (with its
    // registration and the bytes read), and this connection ends without closing the socket.
    private readonly Action<IConnectionTransport, long, ReadOnlyMemory<byte>>? _startHttp2;
    private bool _servedRequest;   // the preface can only be the first thing on a connection
    private bool _handedOff;

    /// <param name="startHttp2">Cleartext servers that speak HTTP/2: starts an HTTP/2 connection on this transport.</param>
    public Http1Connection(IConnectionTransport transport, IRequestHandler handler, ConnectionManager manager,
        RequestLog log, ServerStatistics statistics, ServerLimits limits, string tlsProtocol = "",
        Action<IConnectionTransport, long, ReadOnlyMemory<byte>>? startHttp2 = null)
    {
        _tlsProtocol = tlsProtocol;
        _startHttp2 = startHttp2;
        _transport = transport;
        _handler = handler;
        _manager = manager;
        _log = log;
        _statistics = statistics;
        _limits = limits;
        _parser = new HttpRequestParser(limits);
        _deadline = new ConnectionDeadline(manager);
        _request = new HttpRequest(_head);
    }

    /// <summary>Cancelled when the connection is aborted; made on first use (only handlers that wait need it).</summary>
    private CancellationToken Cancellation => (_cancellation ??= new CancellationTokenSource()).Token;

    /// <summary>
    /// Registers the connection and runs its loop on the caller's thread until the first operation that has to wait
    /// (no thread-pool hop per connection; on the epoll engine the loop then resumes on the event-loop thread).
    /// </summary>
    public Task Start()
    {
        _id = _manager.Register(this);
        return RunAsync();
    }

    /// <summary>
    /// As <see cref="Start()"/>, for a connection whose earlier phase (a TLS handshake) registered it as
    /// <paramref name="registration"/>: it takes that registration over, so the client is counted once throughout.
    /// </summary>
    public Task Start(long registration)
    {
        _id = registration;
        _manager.Replace(registration, this); // false: the earlier phase was aborted and unregistered; the loop's first operation fails
        return RunAsync();
    }

    public void CloseIfIdle()
    {
        if (_deadline.IsIdle) Abort();
    }

    public void AbortIfPastDeadline(long now)
    {
        if (!_deadline.IsPast(now)) return;
        if (Volatile.Read(ref _bodyWait) == WaitingForBody
            && Interlocked.CompareExchange(ref _bodyWait, BodyTimedOut, WaitingForBody) == WaitingForBody)
        {
            // A body that stalls gets its 408 (RFC 9110 §15.5.9) rather than a silent reset. The loop is parked in a
            // receive with nothing queued to send, so the reply can go out beside it; the loop, once woken, waits for
            // it before closing. Sent from the pool: the heartbeat never waits on a connection.
            _deadline.Enter(_limits.SendTimeout, idle: false);
            Volatile.Write(ref _timeoutReply, Task.Run(SendBodyTimeoutAsync));
            return;
        }
        Abort();
    }

    public void Abort()
    {
        try
        {
            _transport.Abort();
            CancellationTokenSource? cancellation = Volatile.Read(ref _cancellation);
            if (cancellation != null) ThreadPool.UnsafeQueueUserWorkItem(static c => Cancel(c), cancellation, preferLocal: false);
        }
        catch (Exception)
        {
            // closing a socket that is already closing: nothing to do
        }
    }

    private static void Cancel(CancellationTokenSource cancellation)
    {
        try
        {
            cancellation.Cancel(); // a handler's callbacks run here, off the heartbeat and off the loops
        }
        catch (Exception)
        {
            // disposed as the connection ended, or a callback failed: the connection is gone either way
        }
    }

    private void Enter(Phase phase, TimeSpan timeout)
    {
        _deadline.Enter(timeout, idle: phase == Phase.Idle); // a full fence: Drain either sees Idle or we see Stopping
    }

    private async Task RunAsync()
    {
        _input = ArrayPool<byte>.Shared.Rent(InitialInputBytes);
        var cursor = default(HttpRequestParser.Cursor);
        try
        {
            Enter(Phase.Idle, _limits.KeepAliveTimeout);
            while (true)
            {
                if (_start < _end && _startHttp2 != null && !_servedRequest && _input[_start] == (byte)'P')
                {
                    // h2c with prior knowledge (RFC 9113 §3.3): one octet compared on a connection's first request only.
                    Http2PrefaceStatus preface = Http2Preface.Check(_input.AsSpan(_start, _end - _start));
                    if (preface == Http2PrefaceStatus.Match)
                    {
                        _handedOff = true;
                        _startHttp2(_transport, _id, _input.AsMemory(_start, _end - _start)); // copies the bytes before it returns
                        return;
                    }
                    if (preface == Http2PrefaceStatus.NeedMore) goto receive;
                }
                if (_start < _end)
                {
                    ParseStatus status = _parser.TryParse(_input.AsSpan(_start, _end - _start), ref cursor, _head, out int consumed, out RequestRejectionReason reason);
                    if (status == ParseStatus.Complete)
                    {
                        cursor = default;
                        _servedRequest = true;
                        Enter(Phase.Busy, _limits.SendTimeout);
                        _headStart = _start;
                        _start += consumed;
                        _bodyDeclined = false;
                        if (_head.HasBody || _head.Expect.IsPresent)
                        {
                            // The body phase, only for requests that have one: a GET pays these two field reads.
                            BodyOutcome outcome = await ReadBodyAsync(consumed).ConfigureAwait(false);
                            if (outcome == BodyOutcome.Ended) return;
                            _bodyDeclined = outcome == BodyOutcome.Declined;
                            if (outcome == BodyOutcome.Rejected)
                            {
                                await FlushAsync().ConfigureAwait(false);
                                await CloseGracefullyAsync(_input).ConfigureAwait(false);
                                return;
                            }
                        }

                        bool goOn = await RespondAsync(_input.AsMemory(_headStart, consumed)).ConfigureAwait(false);
                        ReleaseBody();
                        if (!goOn) return; // the connection was reset on purpose: nothing more to send or read
                        if (_start == _end) _start = _end = 0;

                        if (_mode == ConnectionMode.Close)
                        {
                            await FlushAsync(last: true).ConfigureAwait(false);
                            await _transport.EndStreamAsync().ConfigureAwait(false); // TLS: close_notify, then the FIN
                            // Linger only when the client may still be sending (bytes after this request, a body it
                            // was not asked for): otherwise closing at once is safe and saves a round trip.
                            if (_start < _end || _bodyDeclined) await CloseGracefullyAsync(_input).ConfigureAwait(false);
                            return;
                        }
                        if (_output.Length >= FlushThresholdBytes) await FlushAsync().ConfigureAwait(false);
                        if (_start < _end) Enter(Phase.ReadingHead, _limits.HeaderTimeout);
                        continue;
                    }
                    if (status == ParseStatus.Rejected)
                    {
                        Reject(reason);
                        await FlushAsync().ConfigureAwait(false);
                        await CloseGracefullyAsync(_input).ConfigureAwait(false);
                        return;
                    }
                }

                // Everything buffered is answered or incomplete: send what is ready, then wait for more.
                if (_output.Length > 0) await FlushAsync().ConfigureAwait(false);
                if (_start == _end)
                {
                    _start = _end = 0;
                    _output.Release(); // an idle connection holds only its input buffer
                    Enter(Phase.Idle, _limits.KeepAliveTimeout);
                    if (_manager.Stopping) return;
                }
                else if (_end == _input.Length)
                {
                    MakeRoom();
                }

            receive:
                int received = await _transport.ReceiveAsync(_input.AsMemory(_end)).ConfigureAwait(false);
                if (received == 0) return;
                if (_start == _end) Enter(Phase.ReadingHead, _limits.HeaderTimeout); // the header timeout runs from a request's first byte
                _end += received;
            }
        }
        catch (Exception ex) when (ConnectionEnd.IsDisconnect(ex))
        {
            // the client went away, or a deadline or stop aborted the connection
        }
        catch (Exception ex)
        {
            _statistics.ReportError(ex);
        }
        finally
        {
            // A 408 going out from the heartbeat's side uses the transport: let it finish before closing under it.
            Task? reply = Volatile.Read(ref _timeoutReply);
            if (reply != null) await reply.ConfigureAwait(false);
            ReleaseBody();
            _response.Dispose();
            if (!_handedOff) _transport.Dispose(); // handed to HTTP/2: the socket and the registration are its now
            _output.Dispose();
            _cancellation?.Dispose();
            ArrayPool<byte>.Shared.Return(_input);
            _input = Array.Empty<byte>();
            if (!_handedOff) _manager.Unregister(_id);
        }
    }

    /// <summary>Answers one parsed request whose body (if any) is read; false when the connection is over (a reset).</summary>
    private async ValueTask<bool> RespondAsync(ReadOnlyMemory<byte> headBytes)
    {
        long started = Stopwatch.GetTimestamp();
        long timestamp = DateTime.UtcNow.Ticks;
        HttpRequestHead head = _head;
        _sentStatus = 0; // until a status goes out: a request aborted before it is logged with 0, not the previous one's

        _mode = !head.KeepAlive || _manager.Stopping || _bodyDeclined ? ConnectionMode.Close
            : head.Version == HttpVersion.Http10 ? ConnectionMode.KeepAliveHttp10
            : ConnectionMode.KeepAlive;
        _request.Bytes = headBytes;
        _response.Reset();
        long bytes = 0;
        try
        {
            if (!_handler.TryHandle(_request, _response)) await HandleOffLoopAsync().ConfigureAwait(false);
            bytes = _response.Fault == ResponseFault.None
                ? await SendResponseAsync(head.Method == HttpMethod.Head).ConfigureAwait(false)
                : await CommitFaultAsync(head.Method == HttpMethod.Head).ConfigureAwait(false);
        }
        finally
        {
            // Logged even when the client leaves mid-body: an abandoned download is a request too.
            Record(headBytes.Span, timestamp, started, bytes);
            _response.Reset();
        }
        return !_wasReset;
    }

    /// <summary>
    /// The handler needs the disk or time: run it on a work thread, so this loop thread keeps serving its other
    /// connections. The connection's next network operation, started from the pool thread, is handed back to its
    /// loop (the transport posts it), and the code after it runs there again.
    /// </summary>
    private async ValueTask HandleOffLoopAsync()
    {
        _response.Reset(); // TryHandle promises to leave it untouched; make sure
        _deadline.Clear(); // the server's own work: bounded by Stop, not by a client timeout
        CancellationToken cancel = Cancellation;
        await BlockingWorkPool.Shared.SwitchTo(); // the rest of this method runs on a work thread, never a loop
        try
        {
            await _handler.HandleAsync(_request, _response, cancel).ConfigureAwait(false);
        }
        catch (Exception ex) when (!cancel.IsCancellationRequested)
        {
            // A handler fault is this request's 500, not the connection's end: it has not written anything yet.
            _statistics.ReportError(ex);
            _response.Reset();
            StatusPages.Fill(_response, 500);
        }
        Enter(Phase.Busy, _limits.SendTimeout);
    }

    /// <summary>Encodes the head and frames the body; returns the bytes it put on the wire, for the log.</summary>
    private async ValueTask<long> SendResponseAsync(bool headRequest)
    {
        HttpResponse response = _response;
        _sentStatus = response.StatusCode;
        if (response.Close) _mode = ConnectionMode.Close;
        bool sendsBody = Http1ResponseEncoder.SendsBody(response.StatusCode, headRequest) && response.Body != BodyKind.None;
        bool chunked = false;
        if (sendsBody && response.Body == BodyKind.Stream && response.ContentLength < 0)
        {
            // Length unknown: chunked on HTTP/1.1; an HTTP/1.0 client reads to the close (RFC 9112 §6.3).
            if (_head.Version == HttpVersion.Http10) _mode = ConnectionMode.Close;
            else chunked = true;
        }

        int before = _output.Length;
        Http1ResponseEncoder.WriteHead(_output, response, _mode, chunked);
        long bytes = _output.Length - before;
        if (!sendsBody) return bytes;

        switch (response.Body)
        {
            case BodyKind.Bytes:
                await WriteBodyBytesAsync(response.BodyBytes).ConfigureAwait(false);
                bytes += response.BodyBytes.Length;
                break;
            case BodyKind.File:
                await FlushAsync().ConfigureAwait(false);
                await SendFileAsync(response.File!, response.FileOffset, response.FileLength).ConfigureAwait(false);
                bytes += response.FileLength;
                break;
            case BodyKind.Multipart:
                foreach (BodyPart part in response.Parts!)
                {
                    if (part.Bytes != null)
                    {
                        _output.Write(part.Bytes);
                    }
                    else if (response.File is FileStream file)
                    {
                        await FlushAsync().ConfigureAwait(false);
                        await SendFileAsync(file, part.Offset, part.Length).ConfigureAwait(false);
                    }
                    else
                    {
                        await WriteBodyBytesAsync(response.BodyBytes.Slice((int)part.Offset, (int)part.Length)).ConfigureAwait(false);
                    }
                    bytes += part.Bytes?.Length ?? part.Length;
                }
                break;
            case BodyKind.Stream:
                Http1BodySink sink = _sink ??= new Http1BodySink(this);
                sink.Begin(chunked, response.ContentLength);
                await response.Writer!.WriteBodyAsync(sink, Cancellation).ConfigureAwait(false);
                await sink.CompleteAsync().ConfigureAwait(false);
                bytes += sink.BytesWritten;
                break;
        }
        return bytes;
    }

    /// <summary>
    /// A body in memory: small ones join the head in the output buffer (one send, pipelined responses gathered);
    /// larger ones are sent from where they are (a cached file's bytes), never copied into the connection's buffer.
    /// </summary>
    private ValueTask WriteBodyBytesAsync(ReadOnlyMemory<byte> body)
    {
        if (body.Length <= CopyBodyBytes)
        {
            _output.Write(body.Span);
            return default;
        }
        return SendDirectAsync(body);
    }

    /// <summary>What is queued (this head, earlier pipelined responses) and the body, gathered into one send.</summary>
    private async ValueTask SendDirectAsync(ReadOnlyMemory<byte> body)
    {
        Enter(Phase.Busy, _limits.SendTimeout);
        await _transport.SendAsync(_output.WrittenMemory, body).ConfigureAwait(false);
        _output.Clear();
    }

    /// <summary>
    /// Sends a file slice in chunks, renewing the send deadline before each: the timeout is for a client that
    /// stops reading, not for a large file going to a slow but steady one.
    /// </summary>
    private async ValueTask SendFileAsync(FileStream file, long offset, long length)
    {
        _transport.LimitUnsentBytes(UnsentLimit.FileSendBytes); // only connections that send files; a system call only the first time
        while (length > 0)
        {
            long chunk = Math.Min(length, FileChunkBytes);
            Enter(Phase.Busy, _limits.SendTimeout);
            await _transport.SendFileAsync(file, offset, chunk).ConfigureAwait(false);
            offset += chunk;
            length -= chunk;
        }
    }

    private void Record(ReadOnlySpan<byte> head, long timestamp, long started, long bytes)
    {
        _statistics.CountResponse(bytes);
        RequestRecord record = FromHead(head, timestamp, _sentStatus, bytes);
        record.DurationTicks = Stopwatch.GetElapsedTime(started).Ticks;
        record.ContentEncoding = _response.ContentEncoding;
        record.Body = _request.Body.Span;
        record.AnsweredBy = _response.AnsweredBy;
        record.Fault = _response.Fault;
        _log.Record(record);
    }

    /// <summary>What the journal keeps of a request whose head was read: the request line, the logged fields, the header lines.</summary>
    private RequestRecord FromHead(ReadOnlySpan<byte> head, long timestamp, int status, long bytes)
    {
        HttpRequestHead request = _head;
        return new RequestRecord
        {
            TimestampUtcTicks = timestamp,
            ClientAddress = _transport.RemoteAddress,
            Method = request.MethodText.Of(head),
            Target = request.Target.Of(head),
            Version = request.Version,
            StatusCode = status,
            BytesSent = bytes,
            UserAgent = request.UserAgent.Of(head),
            Referer = request.Referer.Of(head),
            Range = request.Range.Of(head),
            ContentEncoding = "",
            TlsProtocol = _tlsProtocol,
            HeaderFields = request.FieldSection(head),
        };
    }

    /// <summary>Logs a refusal of a request whose head was read (a body too large, malformed or late), with its request line.</summary>
    private void RecordRejection(int status, long bytes) =>
        _log.Record(FromHead(_input.AsSpan(_headStart), DateTime.UtcNow.Ticks, status, bytes));

    /// <summary>Queues a refusal's status page (then the connection closes); returns its bytes, counted in the statistics.</summary>
    private int WriteRejection(int status)
    {
        _response.Reset();
        StatusPages.Fill(_response, status);
        int before = _output.Length;
        Http1ResponseEncoder.WriteHead(_output, _response, ConnectionMode.Close, chunked: false);
        _output.Write(_response.BodyBytes.Span);
        int bytes = _output.Length - before;
        _response.Reset();
        _statistics.CountResponse(bytes);
        return bytes;
    }

    private void Reject(RequestRejectionReason reason)
    {
        int status = RequestRejections.StatusCode(reason);
        int bytes = WriteRejection(status);
        _log.Record(new RequestRecord
        {
            TimestampUtcTicks = DateTime.UtcNow.Ticks,
            ClientAddress = _transport.RemoteAddress,
            Version = HttpVersion.None,
            StatusCode = status,
            BytesSent = bytes,
            ContentEncoding = "",
            TlsProtocol = _tlsProtocol,
        });
    }

    /// <param name="last">Nothing follows but the close: the transport may hold the bytes for the FIN (SendLastAsync).</param>
    private async ValueTask FlushAsync(bool last = false)
    {
        if (_output.Length == 0) return;
        // The send timeout covers the send only; then the deadline it interrupted (say, the header timeout of a
        // pipelined request already begun) runs on unchanged.
        var interrupted = _deadline.Save();
        Enter(Phase.Busy, _limits.SendTimeout);
        await (last ? _transport.SendLastAsync(_output.WrittenMemory) : _transport.SendAsync(_output.WrittenMemory)).ConfigureAwait(false);
        _output.Clear();
        _deadline.Restore(interrupted);
    }

    /// <summary>The FIN, then the lingering close (<see cref="ConnectionEnd.DrainAsync"/>): no reset destroys the response.</summary>
    private async ValueTask CloseGracefullyAsync(byte[] scratch)
    {
        _transport.ShutdownSend();
        Enter(Phase.Busy, ConnectionEnd.LingerTime);
        await ConnectionEnd.DrainAsync(_transport, scratch).ConfigureAwait(false);
    }

    private void MakeRoom()
    {
        if (_start > 0)
        {
            Buffer.BlockCopy(_input, _start, _input, 0, _end - _start);
            _end -= _start;
            _start = 0;
            return;
        }
        // A head larger than the buffer; the parser rejects it before it passes its limits, so growth is bounded.
        int size = Math.Min(_input.Length * 2, _parser.MaxHeadBytes + 1024);
        if (size <= _input.Length) throw new InvalidOperationException("Request head exceeded the buffer despite the parser's limits.");
        byte[] bigger = ArrayPool<byte>.Shared.Rent(size);
        Buffer.BlockCopy(_input, 0, bigger, 0, _end);
        ArrayPool<byte>.Shared.Return(_input);
        _input = bigger;
    }

}
