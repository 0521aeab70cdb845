using System;
using System.Buffers;
using System.Threading;
using System.Threading.Tasks;
using PSWebServer.Transport;

namespace PSWebServer.Http;

/// <summary>
/// The body phase: a request with content (Content-Length or chunked, any method) has its body read whole, decoded,
/// before the handlers run, and exposed as <see cref="HttpRequest.Body"/>. Bounded by
/// <see cref="ServerLimits.MaxRequestBodyBytes"/> (413) and <see cref="ServerLimits.BodyTimeout"/> between arrivals (408);
/// a chunked body is decoded strictly (<see cref="ChunkedBodyDecoder"/>, 400). Every refusal closes the connection,
/// because the bytes still on their way can no longer be framed. After a body the connection is in step again, so
/// a pipelined request behind it is read as usual.
/// </summary>
internal sealed partial class Http1Connection
{
    /// <summary>
    /// Reads the body of the request whose head (<paramref name="headLength"/> bytes) ends at <c>_start</c>. On
    /// <see cref="BodyOutcome.Read"/> the body is in <see cref="HttpRequest.Body"/>, <c>_headStart</c> says where the head
    /// is now, and <c>_input[_start.._end]</c> holds what followed the body.
    /// </summary>
    private async ValueTask<BodyOutcome> ReadBodyAsync(int headLength)
    {
        HttpRequestHead head = _head;
        if (head.Expect.IsPresent && !IsContinue(head.Expect.Of(_input.AsSpan(_headStart, headLength))))
        {
            return RejectBody(RequestRejectionReason.UnsupportedExpectation, headLength);
        }
        if (!head.HasBody) return BodyOutcome.Read;

        bool chunked = head.TransferEncoding.IsPresent; // the parser has made sure chunked is its last coding
        if (!chunked && head.ContentLength > _limits.MaxRequestBodyBytes)
        {
            // At once, without reading it, and without the 100 Continue a waiting client would take as a yes.
            return RejectBody(RequestRejectionReason.BodyTooLarge, headLength);
        }
        // RFC 9110 §10.1.1: a client that asked waits for this before sending the body; none is sent to an HTTP/1.0
        // client (§15.2), nor once the body has begun to arrive (it did not wait).
        if (head.Expect.IsPresent && head.Version == HttpVersion.Http11 && _start == _end)
        {
            // Ask for the body only where a handler may take it (a canned response on this path and method); a POST
            // to a file gets its 405 at once instead of uploading megabytes to be thrown away.
            _request.Bytes = _input.AsMemory(_headStart, headLength);
            _request.Body = default;
            if (!_handler.WantsBody(_request)) return BodyOutcome.Declined;
            _output.Write("HTTP/1.1 100 Continue\r\n\r\n"u8);
        }
        return chunked ? await ReadChunkedBodyAsync(headLength).ConfigureAwait(false)
            : await ReadContentAsync((int)head.ContentLength).ConfigureAwait(false);
    }

    private static bool IsContinue(ReadOnlySpan<byte> expect) => System.Text.Ascii.EqualsIgnoreCase(expect, "100-continue"u8);

    /// <summary>
    /// A Content-Length body: in place when it has all arrived with its head, otherwise into a pooled buffer that grows
    /// as the bytes arrive (a client that announces 8 MiB and sends nothing holds 16 KiB, not 8 MiB).
    /// </summary>
    private async ValueTask<BodyOutcome> ReadContentAsync(int length)
    {
        int buffered = Math.Min(length, _end - _start);
        if (buffered == length)
        {
            _request.Body = _input.AsMemory(_start, length); // valid until the response is done, like the head
            _start += length;
            return BodyOutcome.Read;
        }

        byte[] body = _bodyBuffer = ArrayPool<byte>.Shared.Rent(Math.Min(length, Math.Max(buffered, 4 * InitialBodyBytes)));
        Buffer.BlockCopy(_input, _start, body, 0, buffered);
        _start += buffered;
        int filled = buffered;
        while (filled < length)
        {
            if (filled == body.Length)
            {
                GrowBody(filled, length - filled);
                body = _bodyBuffer!;
            }
            // Straight into the body's buffer, no further than its end: a pipelined request after it stays in the kernel.
            int n = await ReceiveBodyAsync(body.AsMemory(filled, Math.Min(body.Length, length) - filled)).ConfigureAwait(false);
            if (n <= 0) return BodyOutcome.Ended;
            filled += n;
        }
        Enter(Phase.Busy, _limits.SendTimeout);
        _request.Body = body.AsMemory(0, length);
        return BodyOutcome.Read;
    }

    /// <summary>
    /// A chunked body: the framing arrives in the input buffer after the head (moved to its front first) and is
    /// decoded into a pooled buffer that doubles as the data grows, up to the body limit the decoder enforces.
    /// </summary>
    private async ValueTask<BodyOutcome> ReadChunkedBodyAsync(int headLength)
    {
        if (_headStart > 0)
        {
            Buffer.BlockCopy(_input, _headStart, _input, 0, _end - _headStart);
            _start -= _headStart;
            _end -= _headStart;
            _headStart = 0;
        }
        ChunkedBodyDecoder decoder = _chunked ??= new ChunkedBodyDecoder(_limits.MaxRequestBodyBytes, _limits.MaxHeaderBytes, _limits.MaxHeaderCount);
        decoder.Reset();
        int written = 0;
        while (true)
        {
            if (_start < _end)
            {
                ChunkedStatus status = DecodeBuffered(decoder, ref written);
                switch (status)
                {
                    case ChunkedStatus.Complete:
                        Enter(Phase.Busy, _limits.SendTimeout);
                        _request.Body = _bodyBuffer is null ? default : _bodyBuffer.AsMemory(0, written);
                        return BodyOutcome.Read;
                    case ChunkedStatus.Rejected:
                        return RejectBody(decoder.Rejection, headLength);
                    case ChunkedStatus.DestinationFull:
                        GrowBody(written, _limits.MaxRequestBodyBytes - written); // doubling: the chunks to come are unknown
                        continue;
                }
            }

            // All consumed: receive the next framing bytes just after the head, growing the buffer if the head leaves
            // too little room (the head is bounded by the parser, so this is too).
            _start = _end = headLength;
            if (_input.Length - _end < MinBodyReceiveBytes)
            {
                byte[] bigger = ArrayPool<byte>.Shared.Rent(headLength + InitialBodyBytes);
                Buffer.BlockCopy(_input, 0, bigger, 0, headLength);
                ArrayPool<byte>.Shared.Return(_input);
                _input = bigger;
            }
            int n = await ReceiveBodyAsync(_input.AsMemory(_end)).ConfigureAwait(false);
            if (n <= 0) return BodyOutcome.Ended;
            _end += n;
        }
    }

    /// <summary>Decodes what is buffered into the body buffer's free room.</summary>
    private ChunkedStatus DecodeBuffered(ChunkedBodyDecoder decoder, ref int written)
    {
        Span<byte> destination = _bodyBuffer is null ? default : _bodyBuffer.AsSpan(written);
        ChunkedStatus status = decoder.Decode(_input.AsSpan(_start, _end - _start), destination, out int consumed, out int produced);
        _start += consumed;
        written += produced;
        return status;
    }

    /// <summary>
    /// Doubles the body buffer (only once it is full), to no more than the data still announced (<paramref name="pending"/>:
    /// the rest of a Content-Length) and the body limit, so memory stays within twice the bytes that actually arrived.
    /// </summary>
    private void GrowBody(int written, long pending)
    {
        byte[]? old = _bodyBuffer;
        long doubled = Math.Max(InitialBodyBytes, (long)(old?.Length ?? 0) * 2);
        long wanted = Math.Min(doubled, written + Math.Max(pending, 1));
        int size = (int)Math.Min(wanted, Math.Max(_limits.MaxRequestBodyBytes, written + 1));
        byte[] bigger = ArrayPool<byte>.Shared.Rent(size);
        if (old != null)
        {
            Buffer.BlockCopy(old, 0, bigger, 0, written);
            ArrayPool<byte>.Shared.Return(old);
        }
        _bodyBuffer = bigger;
    }

    /// <summary>
    /// One receive of body bytes, under the body timeout (renewed per receive: a slow but steady upload is not cut).
    /// Returns 0 when the client closed, -1 when the body timed out and the 408 went out from the heartbeat's side.
    /// </summary>
    private async ValueTask<int> ReceiveBodyAsync(Memory<byte> into)
    {
        if (_output.Length > 0) await FlushAsync().ConfigureAwait(false); // earlier pipelined answers, a 100 Continue
        Enter(Phase.ReadingBody, _limits.BodyTimeout);
        Volatile.Write(ref _bodyWait, WaitingForBody);
        int n;
        try
        {
            n = await _transport.ReceiveAsync(into).ConfigureAwait(false);
        }
        catch (Exception)
        {
            // Aborted (stop, or the linger after a 408): a 408 the heartbeat began still reads this connection's head
            // and uses its transport, so it must be over before the connection ends and lets them go.
            if (Interlocked.Exchange(ref _bodyWait, NotWaiting) == BodyTimedOut)
            {
                Task pending = await WaitForTimeoutReplyAsync().ConfigureAwait(false);
                await pending.ConfigureAwait(false); // never throws: the reply catches its own failures
            }
            throw;
        }
        if (Interlocked.CompareExchange(ref _bodyWait, NotWaiting, WaitingForBody) == WaitingForBody) return n;

        // The heartbeat timed the body out while this receive was parked: once its 408 is out, close as after any refusal.
        Task reply = await WaitForTimeoutReplyAsync().ConfigureAwait(false);
        await reply.ConfigureAwait(false);
        await CloseGracefullyAsync(_input).ConfigureAwait(false);
        return -1;
    }

    /// <summary>The heartbeat publishes its reply task just after it wins the handshake: wait the microseconds for it.</summary>
    private async ValueTask<Task> WaitForTimeoutReplyAsync()
    {
        Task? reply;
        while ((reply = Volatile.Read(ref _timeoutReply)) is null) await Task.Yield();
        return reply;
    }

    /// <summary>Off the heartbeat, on the pool: the 408 for a body that stopped arriving, then a FIN.</summary>
    private async Task SendBodyTimeoutAsync()
    {
        using var response = new HttpResponse();
        using var output = new ResponseBuffer();
        try
        {
            StatusPages.Fill(response, 408);
            Http1ResponseEncoder.WriteHead(output, response, ConnectionMode.Close, chunked: false);
            output.Write(response.BodyBytes.Span);
            int bytes = output.Length;
            _statistics.CountResponse(bytes);
            RecordRejection(408, bytes);
            await _transport.SendAsync(output.WrittenMemory).ConfigureAwait(false);
            _transport.ShutdownSend();
            _deadline.Enter(ConnectionEnd.LingerTime, idle: false); // then the heartbeat aborts a client that neither reads nor closes
        }
        catch (Exception)
        {
            // the client is gone or the connection was aborted: nothing to tell it
            _transport.Abort();
        }
    }

    /// <summary>Writes the status page for a refused body (413, 417, 400) to the output; the caller flushes and closes.</summary>
    private BodyOutcome RejectBody(RequestRejectionReason reason, int headLength)
    {
        int status = RequestRejections.StatusCode(reason);
        RecordRejection(status, WriteRejection(status));
        return BodyOutcome.Rejected;
    }

    /// <summary>Gives the body's buffer back once the response is done (or the connection ends).</summary>
    private void ReleaseBody()
    {
        _request.Body = default;
        byte[]? body = _bodyBuffer;
        if (body is null) return;
        _bodyBuffer = null;
        ArrayPool<byte>.Shared.Return(body);
    }
}
