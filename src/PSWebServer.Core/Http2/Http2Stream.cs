using System;
using System.Buffers;
using System.Threading;
using System.Threading.Tasks;
using PSWebServer.Http;

namespace PSWebServer.Http2;

/// <summary>
/// One request/response exchange on an HTTP/2 connection: the request as the handlers see it (head, bytes, body), the
/// response they fill, and what the connection needs to send it (status sent, bytes, reset, a flow-control wait).
/// Reused: a connection keeps a free list of these, so a stream costs no allocation once the connection has served as
/// many at once as it ever will. Its buffers are pooled and kept while it is on the free list (bounded by the
/// stream limit); the connection returns them when it ends.
/// </summary>
internal sealed class Http2Stream
{
    private const int InitialHeadBytes = 1024;

    public Http2Stream()
    {
        Request = new HttpRequest(Head);
    }

    public uint Id;
    public readonly HttpRequestHead Head = new();
    public readonly HttpRequest Request;
    public readonly HttpResponse Response = new();

    /// <summary>The decoded request bytes the head's segments point into (pseudo-header values, then field lines).</summary>
    public byte[] HeadBuffer = Array.Empty<byte>();
    public int HeadLength;

    // The request's content: a pooled buffer that grows as DATA arrives, given back when the stream is recycled.
    private readonly ResponseBuffer _body = new();

    public int BodyLength => _body.Length;

    /// <summary>END_STREAM has come from the client: the request is whole.</summary>
    public bool RequestComplete;
    /// <summary>Handed to the handlers: from now on the response's task (or the loop's inline answer) owns it.</summary>
    public bool Dispatched;
    /// <summary>Will not be answered normally (a reset by either side, a connection error, the teardown): nothing more is sent on it, and its handler's token is cancelled.</summary>
    public bool Reset;
    /// <summary>Our END_STREAM or RST_STREAM has been written: the stream table has let it go.</summary>
    public bool Ended;
    /// <summary>The writer of a streamed body waits on the server (an event stream), not on the client.</summary>
    public bool AwaitingEvents;

    /// <summary>A status the server answers with itself, without the handlers (413, 400, 431, 501), or 0.</summary>
    public int RefusalStatus;
    /// <summary>The sink of a streamed body, made on the first one this stream object carries.</summary>
    public Http2BodySink? Sink;

    public long Started;
    public long TimestampTicks;
    public int SentStatus;
    public long BytesSent;

    /// <summary>Set while the stream's sender waits for flow-control credit; completed by WINDOW_UPDATE or a reset.</summary>
    public TaskCompletionSource? WindowWaiter;

    private CancellationTokenSource? _cancellation;

    public ReadOnlySpan<byte> HeadSpan => HeadBuffer.AsSpan(0, HeadLength);

    public ReadOnlyMemory<byte> HeadMemory => HeadBuffer.AsMemory(0, HeadLength);

    public ReadOnlyMemory<byte> BodyMemory => _body.WrittenMemory;

    /// <summary>
    /// The token a handler or a body writer gets: cancelled when the stream will not be answered normally. Made by
    /// <see cref="ArmCancellation"/> under the connection's lock before the stream's task starts, so a reset that comes
    /// first is never missed; a stream reset before it was armed gets a token already cancelled.
    /// </summary>
    public CancellationToken Cancellation => _cancellation?.Token ?? (Reset ? new CancellationToken(true) : CancellationToken.None);

    /// <summary>Under the connection's lock, as the stream is handed to its task: the token its handler will get.</summary>
    public void ArmCancellation() => _cancellation ??= new CancellationTokenSource();

    /// <summary>
    /// Under the connection's lock: cancels the handler's token, off the caller's thread (its callbacks may be
    /// anything). The source is detached first, so this stream object, once recycled, never holds a source with a
    /// cancel still queued, which would cancel the next request it carries.
    /// </summary>
    public void CancelHandler()
    {
        CancellationTokenSource? cancellation = _cancellation;
        if (cancellation is null) return;
        _cancellation = null;
        ThreadPool.UnsafeQueueUserWorkItem(static c =>
        {
            try
            {
                c.Cancel();
            }
            catch (Exception)
            {
                // a callback failed: the stream is gone either way
            }
        }, cancellation, preferLocal: false);
    }

    /// <summary>
    /// Wakes a sender waiting for window because the stream or the connection ended, under the connection's lock: its
    /// code goes on on the pool, never here. (The senders a WINDOW_UPDATE frees are woken by the read loop on its own
    /// thread, once it has left the lock: <see cref="TakeWindowWaiter"/>.)
    /// </summary>
    public void WakeSender()
    {
        TaskCompletionSource? waiter = TakeWindowWaiter();
        if (waiter is null) return;
        if (ResumesOnPool(waiter)) waiter.TrySetResult();
        else ThreadPool.UnsafeQueueUserWorkItem(static w => w.TrySetResult(), waiter, preferLocal: false);
    }

    /// <summary>The sender's wait for window, taken for the caller to complete; null when it is not waiting.</summary>
    public TaskCompletionSource? TakeWindowWaiter()
    {
        TaskCompletionSource? waiter = WindowWaiter;
        WindowWaiter = null;
        return waiter;
    }

    /// <summary>A wait whose continuation is queued to the pool whoever completes it (a streamed-body writer's).</summary>
    public static bool ResumesOnPool(TaskCompletionSource waiter) =>
        (waiter.Task.CreationOptions & TaskCreationOptions.RunContinuationsAsynchronously) != 0;

    public void EnsureHeadRoom(int extra)
    {
        if (HeadLength + extra <= HeadBuffer.Length) return;
        byte[] bigger = ArrayPool<byte>.Shared.Rent(Math.Max(Math.Max(HeadBuffer.Length * 2, HeadLength + extra), InitialHeadBytes));
        HeadBuffer.AsSpan(0, HeadLength).CopyTo(bigger);
        if (HeadBuffer.Length > 0) ArrayPool<byte>.Shared.Return(HeadBuffer);
        HeadBuffer = bigger;
    }

    /// <summary>Appends request content; the caller has checked it against the body limit.</summary>
    public void AppendBody(ReadOnlySpan<byte> data) => _body.Write(data);

    /// <summary>Ready for the next stream: state cleared, the body buffer given back (uploads are rare), the head buffer kept.</summary>
    public void Recycle()
    {
        Id = 0;
        HeadLength = 0;
        Head.Reset();
        Request.Bytes = default;
        Request.Body = default;
        Request.Route = null;
        Request.RouteState = null;
        Response.Reset();
        _body.Dispose(); // uploads are rare: the buffer goes back to the pool (the next Write rents one again)
        RequestComplete = Dispatched = Reset = Ended = AwaitingEvents = false;
        SentStatus = 0;
        RefusalStatus = 0;
        BytesSent = 0;
        WindowWaiter = null;
        // Never cancelled (a cancel detaches it): reusable for the next request this object carries.
        if (_cancellation is not null && !_cancellation.TryReset()) _cancellation = null;
    }

    /// <summary>The connection has ended: every pooled buffer goes back.</summary>
    public void Release()
    {
        Recycle();
        Response.Dispose();
        if (HeadBuffer.Length > 0) ArrayPool<byte>.Shared.Return(HeadBuffer);
        HeadBuffer = Array.Empty<byte>();
        _cancellation?.Dispose();
        _cancellation = null;
    }
}
