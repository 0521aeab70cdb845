using System;
using System.Diagnostics;
using System.IO;
using System.Threading.Tasks;
using PSWebServer.Http;

namespace PSWebServer.Http2;

internal sealed partial class Http2Connection
{
    // A sender copies (or reads from the page cache) at most this much DATA per hold of the lock, so the read loop and
    // other streams wait only microseconds for it.
    private const int MaxDataPerTurn = 64 * 1024;

    /// <summary>
    /// On the loop, after a read: every request it completed goes to the handler. What <see cref="IRequestHandler.TryHandle"/>
    /// answers from memory and the windows allow is written at once (no task, no allocation); the rest becomes the
    /// stream's task.
    /// </summary>
    private void AnswerReady()
    {
        if (_ready.Count == 0) return;
        for (int i = 0; i < _ready.Count; i++)
        {
            Http2Stream stream = _ready[i];
            if (stream.Reset)
            {
                lock (_sync) RecycleLocked(stream); // reset by the client before we began
                continue;
            }
            stream.Started = Stopwatch.GetTimestamp();
            stream.TimestampTicks = DateTime.UtcNow.Ticks;
            stream.Request.Bytes = stream.HeadMemory;
            stream.Request.Body = stream.BodyMemory;
            HttpResponse response = stream.Response;
            response.Reset();
            bool handled = true;
            if (stream.RefusalStatus != 0)
            {
                StatusPages.Fill(response, stream.RefusalStatus);
            }
            else
            {
                try
                {
                    handled = _handler.TryHandle(stream.Request, response);
                }
                catch (Exception ex)
                {
                    _statistics.ReportError(ex);
                    response.Reset();
                    StatusPages.Fill(response, 500);
                }
            }
            if (handled && TryAnswerInline(stream)) continue;
            lock (_sync)
            {
                TaskStartedLocked();
                if (!handled) _waitingOnServer++;
                stream.ArmCancellation(); // before the task can read it: a reset from now on cancels it
            }
            _ = RespondAsync(stream, handled);
        }
        _ready.Clear();
    }

    /// <summary>A response from memory that fits the windows: its frames are written now, and the stream is done.</summary>
    private bool TryAnswerInline(Http2Stream stream)
    {
        HttpResponse response = stream.Response;
        if (response.Fault != ResponseFault.None) return false;
        bool sendsBody = SendsBody(stream);
        if (sendsBody && response.Body != BodyKind.Bytes) return false;
        int length = sendsBody ? response.BodyBytes.Length : 0;
        lock (_sync)
        {
            if (stream.Reset || _closed) return false; // the task's path ends it properly
            if (_output.Length >= OutputHighWater) return false;
            Http2FlowWindow? window = _table.SendWindow(stream.Id);
            if (length > 0 && (window?.Allowed(length) != length || _connectionSend.Allowed(length) != length))
                return false;
            WriteResponseHeadersLocked(stream, endStream: !sendsBody);
            if (sendsBody) WriteDataTurnLocked(stream, window!, response.BodyBytes.Span, endStream: true);
        }
        Finish(stream);
        return true;
    }

    private async Task RespondAsync(Http2Stream stream, bool handled)
    {
        try
        {
            if (!handled) await HandleOffLoopAsync(stream).ConfigureAwait(false);
            if (stream.Response.Fault != ResponseFault.None) await CommitFaultAsync(stream).ConfigureAwait(false);
            else await SendResponseAsync(stream).ConfigureAwait(false);
        }
        catch (Exception ex) when (IsDisconnect(ex) || stream.Reset)
        {
            // reset by the client, or the connection ended: nothing more to send
        }
        catch (Exception ex)
        {
            _statistics.ReportError(ex); // a body that failed midway: the stream is reset below
        }
        finally
        {
            Finish(stream);
            FlushSoon();
            TaskEnded();
        }
    }

    /// <summary>The handler needs the disk or time: on a work thread, with the stream's token (cancelled by a reset).</summary>
    private async ValueTask HandleOffLoopAsync(Http2Stream stream)
    {
        lock (_sync) RefreshDeadlineLocked(); // server work: no client deadline while only this is in flight
        await BlockingWorkPool.Shared.SwitchTo();
        try
        {
            await _handler.HandleAsync(stream.Request, stream.Response, stream.Cancellation).ConfigureAwait(false);
        }
        catch (Exception ex) when (!stream.Reset)
        {
            _statistics.ReportError(ex);
            stream.Response.Reset();
            StatusPages.Fill(stream.Response, 500);
        }
        finally
        {
            lock (_sync)
            {
                _waitingOnServer--;
                RefreshDeadlineLocked();
            }
        }
    }

    private async ValueTask SendResponseAsync(Http2Stream stream)
    {
        HttpResponse response = stream.Response;
        bool sendsBody = SendsBody(stream);
        lock (_sync)
        {
            ThrowIfGoneLocked(stream);
            WriteResponseHeadersLocked(stream, endStream: !sendsBody);
        }
        FlushSoon();
        if (!sendsBody) return;
        switch (response.Body)
        {
            case BodyKind.Bytes:
                await SendDataAsync(stream, response.BodyBytes, endStream: true).ConfigureAwait(false);
                break;
            case BodyKind.File:
                await SendFileAsync(stream, response.File!, response.FileOffset, response.FileLength, endStream: true).ConfigureAwait(false);
                break;
            case BodyKind.Multipart:
                for (int i = 0; i < response.Parts!.Count; i++)
                {
                    BodyPart part = response.Parts[i];
                    bool last = i == response.Parts.Count - 1;
                    if (part.Bytes != null) await SendDataAsync(stream, part.Bytes, last).ConfigureAwait(false);
                    else if (response.File is FileStream file) await SendFileAsync(stream, file, part.Offset, part.Length, last).ConfigureAwait(false);
                    else await SendDataAsync(stream, response.BodyBytes.Slice((int)part.Offset, (int)part.Length), last).ConfigureAwait(false);
                }
                break;
            case BodyKind.Stream:
                Http2BodySink sink = stream.Sink ??= new Http2BodySink(this, stream);
                sink.Begin(response.ContentLength);
                await response.Writer!.WriteBodyAsync(sink, stream.Cancellation).ConfigureAwait(false);
                await sink.CompleteAsync().ConfigureAwait(false);
                break;
        }
    }

    /// <summary>
    /// DATA for <paramref name="data"/> under flow control (§6.9): as much per turn as the stream's and the
    /// connection's windows allow, waiting (never blocking) for WINDOW_UPDATE when either is empty and for the pump
    /// when the output is full. An empty <paramref name="data"/> with <paramref name="endStream"/> sends the empty END_STREAM frame.
    /// <paramref name="resumeOnPool"/>: the caller is a streamed body's writer, whose code goes on after a wait for room
    /// on the pool, never on the pump's (often a loop's) thread.
    /// </summary>
    internal async ValueTask SendDataAsync(Http2Stream stream, ReadOnlyMemory<byte> data, bool endStream, bool resumeOnPool = false)
    {
        int offset = 0;
        while (true)
        {
            Task? wait;
            bool done = false;
            lock (_sync)
            {
                int allowed = TurnLocked(stream, data.Length - offset, resumeOnPool, out Http2FlowWindow? window, out wait);
                if (allowed > 0)
                {
                    offset += allowed;
                    bool last = offset == data.Length;
                    WriteDataTurnLocked(stream, window, data.Span.Slice(offset - allowed, allowed), endStream && last);
                    done = last;
                }
                else if (wait == null)
                {
                    // nothing left: only the END_STREAM, if it is this call's to send
                    if (endStream) WriteDataTurnLocked(stream, null, default, endStream: true);
                    done = true;
                }
            }
            FlushSoon();
            if (done) return;
            if (wait != null) await wait.ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Under the lock, a sender's turn: how many of its <paramref name="remaining"/> bytes it may write now (at most
    /// <see cref="MaxDataPerTurn"/>, within both windows, which <paramref name="window"/> is the stream's of). 0 with
    /// <paramref name="wait"/> set: wait for it (room in the output, or window), then ask again; 0 without: nothing remains.
    /// </summary>
    private int TurnLocked(Http2Stream stream, long remaining, bool resumeOnPool, out Http2FlowWindow? window, out Task? wait)
    {
        ThrowIfGoneLocked(stream);
        window = null;
        wait = null;
        if (_output.Length >= OutputHighWater)
        {
            wait = WaitForRoomLocked(resumeOnPool);
            return 0;
        }
        if (remaining == 0) return 0;
        window = _table.SendWindow(stream.Id) ?? throw new StreamGoneException();
        int allowed = _connectionSend.Allowed(window.Allowed((int)Math.Min(remaining, MaxDataPerTurn)));
        if (allowed == 0)
        {
            // Woken by a WINDOW_UPDATE on the read loop's thread once it has left the lock (a streamed body's writer: on
            // the pool), or from under the lock by the stream's end, through the pool (Http2Stream.WakeSender).
            var waiter = new TaskCompletionSource(resumeOnPool ? TaskCreationOptions.RunContinuationsAsynchronously : TaskCreationOptions.None);
            stream.WindowWaiter = waiter;
            wait = waiter.Task;
        }
        return allowed;
    }

    /// <summary>
    /// A test's deliberate failure, in HTTP/2 terms: the stream is reset (RST_STREAM INTERNAL_ERROR) instead of the
    /// connection, so the client's other streams go on. Reset and CloseWithoutResponse: no answer at all; CloseMidBody:
    /// the head promising the whole body, half of it, then the reset; MalformedStatusLine: a head with an invalid :status.
    /// </summary>
    private async ValueTask CommitFaultAsync(Http2Stream stream)
    {
        HttpResponse response = stream.Response;
        switch (response.Fault)
        {
            case ResponseFault.MalformedStatusLine:
                lock (_sync) WriteMalformedHeadersLocked(stream);
                return;
            case ResponseFault.CloseMidBody:
                bool sendsBody = SendsBody(stream);
                lock (_sync)
                {
                    ThrowIfGoneLocked(stream);
                    WriteResponseHeadersLocked(stream, endStream: false);
                }
                if (sendsBody && response.Body == BodyKind.Bytes)
                    await SendDataAsync(stream, response.BodyBytes.Slice(0, response.BodyBytes.Length / 2), endStream: false).ConfigureAwait(false);
                else if (sendsBody && response.Body == BodyKind.File)
                    await SendFileAsync(stream, response.File!, response.FileOffset, response.FileLength / 2, endStream: false).ConfigureAwait(false);
                break;
        }
        lock (_sync) ResetLocked(stream, Http2ErrorCode.InternalError);
    }

    private void WriteMalformedHeadersLocked(Http2Stream stream)
    {
        ThrowIfGoneLocked(stream);
        Span<byte> block = ScratchLocked(64);
        int length = Http2ResponseEncoder.WriteMalformedBlock(_encoder, block);
        WriteHeadersLocked(stream.Id, block.Slice(0, length), endStream: true);
        EndStreamLocked(stream);
    }

    /// <summary>HEADERS for the handler's response (the scratch holds the block only while the lock is held).</summary>
    private void WriteResponseHeadersLocked(Http2Stream stream, bool endStream)
    {
        HttpResponse response = stream.Response;
        Span<byte> block = ScratchLocked(Http2ResponseEncoder.MaxBlockLength(response));
        int length = Http2ResponseEncoder.WriteBlock(_encoder, response, block);
        WriteHeadersLocked(stream.Id, block.Slice(0, length), endStream);
        stream.SentStatus = response.StatusCode;
        if (endStream) EndStreamLocked(stream);
    }

    /// <summary>DATA within the windows the caller checked: the windows are consumed, and END_STREAM ends the stream.</summary>
    private void WriteDataTurnLocked(Http2Stream stream, Http2FlowWindow? window, ReadOnlySpan<byte> data, bool endStream)
    {
        WriteDataLocked(stream.Id, data, endStream);
        CountDataLocked(stream, window, data.Length, endStream);
    }

    /// <summary>
    /// DATA of <paramref name="length"/> octets just framed in the output: both windows consumed (the stream's,
    /// <paramref name="window"/>, which the caller has just looked up and checked), the bytes counted, and the stream
    /// ended when the frames carry END_STREAM.
    /// </summary>
    private void CountDataLocked(Http2Stream stream, Http2FlowWindow? window, int length, bool endStream)
    {
        if (length > 0)
        {
            window!.Consume(length);
            _connectionSend.Consume(length);
        }
        stream.BytesSent += length;
        if (endStream) EndStreamLocked(stream);
    }

    /// <summary>
    /// Our END_STREAM is written: the stream is closed for the table. If the client is still sending (a body refused
    /// before it was read), §8.1 lets us ask it to stop without error: RST_STREAM NO_ERROR.
    /// </summary>
    private void EndStreamLocked(Http2Stream stream)
    {
        stream.Ended = true;
        if (stream.RequestComplete)
        {
            _table.Close(stream.Id, reset: false);
            return;
        }
        WriteRstStreamLocked(stream.Id, Http2ErrorCode.NoError);
        _table.Close(stream.Id, reset: true);
    }

    /// <summary>RST_STREAM with <paramref name="code"/> unless the stream has already ended; its task sees it gone.</summary>
    private void ResetLocked(Http2Stream stream, Http2ErrorCode code)
    {
        if (!stream.Ended && !_closed && !_failed)
        {
            WriteRstStreamLocked(stream.Id, code);
            _table.Close(stream.Id, reset: true);
        }
        stream.Ended = true;
        EndAbruptlyLocked(stream);
    }

    private void ThrowIfGoneLocked(Http2Stream stream)
    {
        if (stream.Reset || _closed || _failed || _broken) throw new StreamGoneException();
    }

    /// <summary>Logs the exchange (also a download the client abandoned), resets a stream left unfinished, recycles it.</summary>
    private void Finish(Http2Stream stream)
    {
        Record(stream);
        lock (_sync)
        {
            if (!stream.Ended) ResetLocked(stream, Http2ErrorCode.InternalError); // a body that failed midway
            RecycleLocked(stream);
        }
    }

    private static bool SendsBody(Http2Stream stream)
    {
        HttpResponse response = stream.Response;
        if (response.Body == BodyKind.None || response.ContentLength == 0 && response.Body != BodyKind.Stream) return false;
        return Http1ResponseEncoder.SendsBody(response.StatusCode, stream.Head.Method == HttpMethod.Head);
    }

    /// <summary>A streamed body's writer waits on the server (true) or writes again (false): see <see cref="IResponseBodySink.AwaitingEvents"/>.</summary>
    internal void SetAwaitingEvents(Http2Stream stream, bool awaiting)
    {
        lock (_sync)
        {
            if (stream.AwaitingEvents == awaiting) return;
            stream.AwaitingEvents = awaiting;
            _waitingOnServer += awaiting ? 1 : -1;
            RefreshDeadlineLocked();
        }
    }

    private void Record(Http2Stream stream)
    {
        if (stream.AwaitingEvents) SetAwaitingEvents(stream, false);
        _statistics.CountResponse(stream.BytesSent);
        HttpRequestHead head = stream.Head;
        ReadOnlySpan<byte> bytes = stream.HeadSpan;
        _log.Record(new RequestRecord
        {
            TimestampUtcTicks = stream.TimestampTicks,
            ClientAddress = _transport.RemoteAddress,
            Method = head.MethodText.Of(bytes),
            Target = head.Target.Of(bytes),
            Version = HttpVersion.Http2,
            StatusCode = stream.SentStatus,
            BytesSent = stream.BytesSent,
            DurationTicks = Stopwatch.GetElapsedTime(stream.Started).Ticks,
            UserAgent = head.UserAgent.Of(bytes),
            Referer = head.Referer.Of(bytes),
            Range = head.Range.Of(bytes),
            ContentEncoding = stream.Response.ContentEncoding,
            TlsProtocol = _tlsProtocol,
            HeaderFields = head.FieldSection(bytes),
            Body = stream.BodyMemory.Span,
            AnsweredBy = stream.Response.AnsweredBy,
            Fault = stream.Response.Fault,
        });
    }
}
