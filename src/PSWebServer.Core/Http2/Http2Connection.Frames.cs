using System;
using System.Collections.Generic;
using System.Text;
using System.Threading.Tasks;
using PSWebServer.Http;
using PSWebServer.Transport;

namespace PSWebServer.Http2;

internal sealed partial class Http2Connection
{
    // Senders a WINDOW_UPDATE (or a larger initial window) freed while the frames were applied: woken after the lock.
    // Only the read loop fills and empties it.
    private readonly List<TaskCompletionSource> _windowWakes = new();

    /// <summary>
    /// Applies every whole frame in the input (on the loop), then answers the requests they completed. A connection
    /// error stops here: GOAWAY is queued and the rest of the input is never acted on.
    /// </summary>
    private void ProcessFrames()
    {
        try
        {
            ApplyFrames();
        }
        finally
        {
            WakeWindowWaiters(); // also when a frame threw: a sender taken off its wait must not be left waiting
        }
        AnswerReady();
    }

    /// <summary>Takes the lock and applies every whole frame in the input; the senders it frees wait in <see cref="_windowWakes"/>.</summary>
    private void ApplyFrames()
    {
        lock (_sync)
        {
            while (!_failed && !_closed)
            {
                Http2ReadStatus status = _reader.Read(_input.AsSpan(_start, _end - _start), out Http2FrameHeader header,
                    out ReadOnlySpan<byte> payload, out int consumed, out Http2FrameError error);
                if (status == Http2ReadStatus.NeedMore) break;
                if (!_sawFirstFrame)
                {
                    // §3.4: the client's preface goes on with a SETTINGS frame (not an ACK).
                    _sawFirstFrame = true;
                    if (header.Type != Http2FrameType.Settings || header.HasFlag(Http2Flags.Ack))
                    {
                        FailLocked(Http2FrameError.Connection(Http2ErrorCode.ProtocolError, 0, "the preface is not followed by SETTINGS"));
                        break;
                    }
                }
                // §6.10 first: inside a field block only its CONTINUATION may come, whatever else is wrong with a frame.
                if (!_assembler.CheckOrder(header, out Http2FrameError order))
                {
                    FailLocked(order);
                    break;
                }
                if (status == Http2ReadStatus.Error)
                {
                    if (error.IsConnectionError)
                    {
                        FailLocked(error);
                        break;
                    }
                    ReadOnlySpan<byte> refused = _input.AsSpan(_start + Http2FrameHeader.Size, header.Length);
                    _start += consumed;
                    // (The reader reports every DATA error as a connection error: no window to account for here.)
                    if (header.Type == Http2FrameType.Headers)
                    {
                        // A self-dependent HEADERS: its block is still decoded (§4.3), then the stream is reset.
                        if (!RefuseHeadersLocked(header, refused, error, out Http2FrameError fatal))
                        {
                            FailLocked(fatal);
                            break;
                        }
                        continue;
                    }
                    StreamErrorLocked(error);
                    continue;
                }
                _start += consumed;
                if (status == Http2ReadStatus.Ignored) continue; // §5.5: unknown frame types
                if (!HandleFrameLocked(header, payload, out error))
                {
                    if (error.IsConnectionError)
                    {
                        FailLocked(error);
                        break;
                    }
                    StreamErrorLocked(error);
                }
            }
            if (_progress)
            {
                _progress = false;
                RefreshDeadlineLocked(progress: true);
            }
        }
    }

    /// <summary>
    /// A HEADERS the reader refused as a stream error (a self-dependency, §5.3.1): its block is gathered and decoded
    /// like any other — the HPACK table is the connection's — and the stream is then reset. False: a connection error.
    /// </summary>
    private bool RefuseHeadersLocked(in Http2FrameHeader header, ReadOnlySpan<byte> payload, in Http2FrameError refusal,
        out Http2FrameError error)
    {
        Http2Payload.TryGetHeaderBlockFragment(header, payload, out ReadOnlySpan<byte> fragment, out _);
        if (!_assembler.TryBegin(header.StreamId, fragment, header.HasFlag(Http2Flags.EndHeaders), out error)) return false;
        _headersEndStream = header.HasFlag(Http2Flags.EndStream);
        _blockRefusal = refusal;
        if (!_assembler.IsComplete) return true;
        if (OnHeaderBlockLocked(out error)) return true;
        if (error.IsConnectionError) return false;
        StreamErrorLocked(error);
        return true;
    }

    private bool HandleFrameLocked(in Http2FrameHeader header, ReadOnlySpan<byte> payload, out Http2FrameError error)
    {
        error = default;
        // What moves an exchange on renews the deadline of a connection the client must move; PING and the like do not.
        _progress |= header.Type is Http2FrameType.Data or Http2FrameType.Headers or Http2FrameType.Continuation
            or Http2FrameType.WindowUpdate or Http2FrameType.RstStream;
        switch (header.Type)
        {
            case Http2FrameType.Data:
                return OnDataLocked(header, payload, out error);
            case Http2FrameType.Headers:
                Http2Payload.TryGetHeaderBlockFragment(header, payload, out ReadOnlySpan<byte> fragment, out _);
                bool endStream = header.HasFlag(Http2Flags.EndStream);
                if (fragment.IsEmpty && !endStream && !_flood.OnEmptyFrame(out error)) return false;
                if (!_assembler.TryBegin(header.StreamId, fragment, header.HasFlag(Http2Flags.EndHeaders), out error)) return false;
                _headersEndStream = endStream;
                return !_assembler.IsComplete || OnHeaderBlockLocked(out error);
            case Http2FrameType.Continuation:
                if (!_flood.OnContinuation(out error)) return false;
                if (!_assembler.TryContinue(header.StreamId, payload, header.HasFlag(Http2Flags.EndHeaders), out error)) return false;
                return !_assembler.IsComplete || OnHeaderBlockLocked(out error);
            case Http2FrameType.Priority:
                return true; // §5.3.2: priority signals may be ignored; the reader has checked the frame itself
            case Http2FrameType.RstStream:
                return OnRstStreamLocked(header.StreamId, Http2Payload.GetRstStreamCode(payload), out error);
            case Http2FrameType.Settings:
                return OnSettingsLocked(header, payload, out error);
            case Http2FrameType.PushPromise:
                // §8.4: a client never pushes.
                error = Http2FrameError.Connection(Http2ErrorCode.ProtocolError, header.StreamId, "PUSH_PROMISE from a client");
                return false;
            case Http2FrameType.Ping:
                if (header.HasFlag(Http2Flags.Ack)) return true; // we send no PING of our own
                if (!_flood.OnPing(out error)) return false;
                WritePingAckLocked(payload);
                return true;
            case Http2FrameType.GoAway:
                // The client is leaving: answer what it has asked, accept nothing new, then close (§6.8).
                BeginDrainLocked();
                return true;
            case Http2FrameType.WindowUpdate:
                return OnWindowUpdateLocked(header, payload, out error);
            default:
                return true;
        }
    }

    private bool OnDataLocked(in Http2FrameHeader header, ReadOnlySpan<byte> payload, out Http2FrameError error)
    {
        uint id = header.StreamId;
        bool endStream = header.HasFlag(Http2Flags.EndStream);
        // §6.9.1: the whole payload, padding included, counts against both windows, even for a stream we refuse.
        if (!_connectionReceive.TryReceive(header.Length, 0, out error)) return false;
        Http2StreamVerdict verdict = _table.OnData(id, endStream, out error);
        if (verdict != Http2StreamVerdict.Accept)
        {
            ReleaseConnectionWindowLocked(header.Length);
            return verdict == Http2StreamVerdict.Ignore;
        }
        Http2Stream? stream = FindLocked(id);
        Http2FlowWindow window = _table.ReceiveWindow(id)!;
        if (!window.TryReceive(header.Length, id, out error))
        {
            ReleaseConnectionWindowLocked(header.Length);
            return false;
        }
        Http2Payload.TryGetData(header, payload, out ReadOnlySpan<byte> data, out _);
        if (data.IsEmpty && !endStream && !_flood.OnEmptyFrame(out error)) return false;

        ReleaseConnectionWindowLocked(header.Length);
        if (stream is null) return true;
        if (stream.Dispatched)
        {
            // Refused already (a 413 on its way): the rest is dropped, and the stream gets no more credit.
            if (endStream) stream.RequestComplete = true;
            return true;
        }
        window.Release(header.Length);
        int streamCredit = window.TakeWindowUpdate();
        if (streamCredit > 0 && !endStream) WriteWindowUpdateLocked(id, streamCredit);

        HttpRequestHead head = stream.Head;
        long total = (long)stream.BodyLength + data.Length;
        if (head.ContentLength >= 0 && total > head.ContentLength)
        {
            error = Http2FrameError.Stream(Http2ErrorCode.ProtocolError, id, "DATA beyond content-length"); // §8.1.1
            return false;
        }
        // Bodies are read whole before the handlers run: one request's is bounded by the body limit, and all of a
        // connection's together by twice it (100 streams may upload at once; HTTP/1.1 holds one body per connection).
        if (total > _limits.MaxRequestBodyBytes || _bufferedBodyBytes + data.Length > 2 * _limits.MaxRequestBodyBytes)
        {
            RefuseLocked(stream, 413);
            if (endStream) stream.RequestComplete = true;
            return true;
        }
        stream.AppendBody(data);
        _bufferedBodyBytes += data.Length;
        if (endStream) return CompleteRequestLocked(stream, out error);
        return true;
    }

    /// <summary>A whole field block: a new request, trailers, or the block of a stream we refuse (decoded all the same).</summary>
    private bool OnHeaderBlockLocked(out Http2FrameError error)
    {
        uint id = _assembler.StreamId;
        bool endStream = _headersEndStream;
        ReadOnlySpan<byte> block = _assembler.Block;
        try
        {
            Http2Stream? existing = FindLocked(id);
            if (_blockRefusal is Http2FrameError refusal)
            {
                // Decoded, then reset; a new id is used up and closed by us without counting as processed.
                _blockRefusal = null;
                Http2StreamVerdict used = _table.OnHeaders(id, endStream, _flood.Now(), refuseNew: true, out error);
                if (used == Http2StreamVerdict.Error && error.IsConnectionError) return false;
                _decoder.Decode(block, DiscardingSink.Instance);
                error = refusal;
                return false;
            }
            // After our GOAWAY (§6.8), or while reset streams still hold their answers (Rapid Reset's other half), a new
            // stream is refused, which tells the client it may retry it elsewhere; the refusal does not raise the GOAWAY id.
            bool refuseNew = _draining || _active.Count >= 2 * _table.MaxConcurrentStreams;
            Http2StreamVerdict verdict = _table.OnHeaders(id, endStream, _flood.Now(), refuseNew, out error);
            if (verdict == Http2StreamVerdict.Error && error.IsConnectionError) return false;
            if (verdict != Http2StreamVerdict.Accept)
            {
                // The HPACK table is the connection's: every block is decoded, also one we drop or refuse (§4.3).
                _decoder.Decode(block, DiscardingSink.Instance);
                return verdict == Http2StreamVerdict.Ignore;
            }
            if (existing != null)
            {
                // Trailers (§8.1): checked, then dropped; they end the request.
                _builder.Begin(existing, trailers: true);
                _decoder.Decode(block, _builder);
                if (!_builder.Complete())
                {
                    error = Http2FrameError.Stream(Http2ErrorCode.ProtocolError, id, "malformed trailers");
                    return false;
                }
                if (!existing.Dispatched) return CompleteRequestLocked(existing, out error);
                existing.RequestComplete = true; // refused already: the client has now ended its side too
                return true;
            }
            Http2Stream stream = AcquireLocked(id);
            _builder.Begin(stream, trailers: false);
            _decoder.Decode(block, _builder);
            bool wellFormed = _builder.Complete();
            // The client has sent all it will (END_STREAM): our answer ends the stream, with no RST_STREAM after it.
            stream.RequestComplete = endStream;
            if (_decoder.ListTooLarge)
            {
                RefuseLocked(stream, 431); // §10.5.1: the request, not the connection (the table is still in step)
                return true;
            }
            if (!wellFormed)
            {
                error = Http2FrameError.Stream(Http2ErrorCode.ProtocolError, id, "malformed request");
                return false; // StreamErrorLocked recycles the stream
            }
            if (_builder.RefusalStatus != 0)
            {
                RefuseLocked(stream, _builder.RefusalStatus);
                return true;
            }
            if (endStream) return CompleteRequestLocked(stream, out error);
            if (stream.Head.ContentLength > _limits.MaxRequestBodyBytes)
            {
                RefuseLocked(stream, 413); // before a byte of it is sent, as HTTP/1.1 does
                return true;
            }
            if (stream.Head.Expect.IsPresent && Ascii.EqualsIgnoreCase(stream.Head.Expect.Of(stream.HeadSpan), "100-continue"u8))
                WriteContinueLocked(id); // §8.1: an interim 100, then the client sends its content
            return true;
        }
        catch (HpackException ex)
        {
            error = Http2FrameError.Connection(Http2ErrorCode.CompressionError, id, ex.Message);
            return false;
        }
        finally
        {
            _assembler.Reset();
        }
    }

    /// <summary>END_STREAM from the client: the request is whole (its content-length checked, §8.1.1) and is answered after this read.</summary>
    private bool CompleteRequestLocked(Http2Stream stream, out Http2FrameError error)
    {
        error = default;
        long declared = stream.Head.ContentLength;
        if (declared >= 0 && declared != stream.BodyLength)
        {
            error = Http2FrameError.Stream(Http2ErrorCode.ProtocolError, stream.Id, "content-length does not match the DATA");
            return false;
        }
        stream.RequestComplete = true;
        stream.Dispatched = true;
        _ready.Add(stream);
        return true;
    }

    /// <summary>A request the server answers with a status of its own (413, 400, 431, 501) without the handlers.</summary>
    private void RefuseLocked(Http2Stream stream, int status)
    {
        stream.RefusalStatus = status;
        stream.Dispatched = true;
        _ready.Add(stream);
    }

    private bool OnRstStreamLocked(uint id, Http2ErrorCode code, out Http2FrameError error)
    {
        Http2StreamVerdict verdict = _table.OnRstStream(id, out long openedAt, out error);
        if (verdict != Http2StreamVerdict.Accept) return verdict == Http2StreamVerdict.Ignore;
        if (!_flood.OnStreamReset(openedAt, out error)) return false; // Rapid Reset (CVE-2023-44487)
        Http2Stream? stream = FindLocked(id);
        if (stream is null) return true;
        stream.Ended = true; // the table has let it go; nothing more is sent on it
        EndAbruptlyLocked(stream);
        if (!stream.Dispatched) RecycleLocked(stream);
        return true;
    }

    private bool OnSettingsLocked(in Http2FrameHeader header, ReadOnlySpan<byte> payload, out Http2FrameError error)
    {
        error = default;
        if (header.HasFlag(Http2Flags.Ack))
        {
            _settingsAcked = true;
            return true;
        }
        if (!_flood.OnSettings(out error)) return false;
        uint tableSize = _peer.HeaderTableSize;
        if (!_peer.TryApply(payload, out long delta, out error)) return false;
        if (delta != 0)
        {
            if (!_table.TryApplyInitialWindowDelta(delta, out error)) return false;
            if (delta > 0) WakeAllSendersLocked();
        }
        if (_peer.HeaderTableSize != tableSize) _encoder.SetPeerMaxTableSize((int)Math.Min(_peer.HeaderTableSize, int.MaxValue));
        WriteSettingsAckLocked();
        return true;
    }

    private bool OnWindowUpdateLocked(in Http2FrameHeader header, ReadOnlySpan<byte> payload, out Http2FrameError error)
    {
        Http2Payload.TryGetWindowIncrement(header, payload, out int increment, out error);
        uint id = header.StreamId;
        if (id == 0)
        {
            if (!_connectionSend.TryIncrease(increment, 0, out error)) return false;
            WakeAllSendersLocked();
            return true;
        }
        Http2StreamVerdict verdict = _table.OnWindowUpdate(id, out error);
        if (verdict != Http2StreamVerdict.Accept) return verdict == Http2StreamVerdict.Ignore;
        if (!_table.SendWindow(id)!.TryIncrease(increment, id, out error)) return false;
        if (FindLocked(id) is Http2Stream stream) TakeWindowWaiterLocked(stream);
        return true;
    }

    /// <summary>A stream error (§5.4.2): RST_STREAM with its code; the connection and its other streams go on.</summary>
    private void StreamErrorLocked(in Http2FrameError error)
    {
        Http2Stream? stream = FindLocked(error.StreamId);
        if (stream is null)
        {
            WriteRstStreamLocked(error.StreamId, error.Code);
            _table.Close(error.StreamId, reset: true);
            return;
        }
        ResetLocked(stream, error.Code);
        if (!stream.Dispatched) RecycleLocked(stream);
    }

    /// <summary>
    /// A connection error (§5.4.1): GOAWAY with the code and the last stream we acted on, then the close once it is
    /// sent. Every stream ends; nothing more is read.
    /// </summary>
    private void FailLocked(in Http2FrameError error)
    {
        if (_failed || _closed) return;
        _failed = true;
        WriteGoAwayLocked(error.Code, error.Reason);
        for (int i = _active.Count - 1; i >= 0; i--)
        {
            Http2Stream stream = _active[i];
            stream.Ended = true; // GOAWAY ends them all; no RST_STREAM each
            EndAbruptlyLocked(stream);
            if (!stream.Dispatched) RecycleLocked(stream);
        }
        _closeAfterFlush = true;
        _deadline.Enter(ConnectionEnd.LingerTime, idle: false);
        _lingering = true;
    }

    /// <summary>GOAWAY NO_ERROR (stop, idle, or the client's own GOAWAY): the active streams finish, new ones are refused.</summary>
    private void BeginDrainLocked()
    {
        if (_closed || _failed) return;
        if (!_goAwaySent) WriteGoAwayLocked(Http2ErrorCode.NoError, "");
        _draining = true;
        CloseIfDoneLocked();
    }

    /// <summary>Draining and nothing left in flight: the close follows the last send.</summary>
    private void CloseIfDoneLocked()
    {
        if (!_draining || _active.Count > 0) return;
        _closeAfterFlush = true;
    }

    private Http2Stream? FindLocked(uint id)
    {
        if (id == 0) return null;
        foreach (Http2Stream stream in _active)
        {
            if (stream.Id == id) return stream;
        }
        return null;
    }

    private Http2Stream AcquireLocked(uint id)
    {
        Http2Stream stream = _free.Count > 0 ? _free.Pop() : new Http2Stream();
        stream.Id = id;
        _active.Add(stream);
        return stream;
    }

    /// <summary>The stream is finished with (answered and logged, or refused before it was answered): back to the free list.</summary>
    private void RecycleLocked(Http2Stream stream)
    {
        _active.Remove(stream);
        _bufferedBodyBytes -= stream.BodyLength;
        stream.Recycle();
        if (_closed) stream.Release();
        else if (_free.Count < _table.MaxConcurrentStreams) _free.Push(stream);
        else stream.Release();
        CloseIfDoneLocked();
        RefreshDeadlineLocked();
    }

    /// <summary>The stream will not be answered normally: its handler's token is cancelled and its sender woken to see it.</summary>
    private static void EndAbruptlyLocked(Http2Stream stream)
    {
        stream.Reset = true;
        stream.CancelHandler();
        stream.WakeSender();
    }

    /// <summary>Every sender waiting for window, for a window that grew for all of them (the connection's, or SETTINGS).</summary>
    private void WakeAllSendersLocked()
    {
        foreach (Http2Stream stream in _active) TakeWindowWaiterLocked(stream);
    }

    /// <summary>
    /// A sender a grown window frees: a streamed body's writer is woken now (on the pool); the connection's own senders
    /// are kept for <see cref="WakeWindowWaiters"/>, to go on on this thread once the lock is left, with no hop to the
    /// pool for each WINDOW_UPDATE of a download (a browser's window is a few MiB: one wait per window's worth).
    /// </summary>
    private void TakeWindowWaiterLocked(Http2Stream stream)
    {
        if (stream.TakeWindowWaiter() is not TaskCompletionSource waiter) return;
        if (Http2Stream.ResumesOnPool(waiter)) waiter.TrySetResult();
        else _windowWakes.Add(waiter);
    }

    /// <summary>On the read loop, outside the lock: the senders a WINDOW_UPDATE freed go on here until they wait again.</summary>
    private void WakeWindowWaiters()
    {
        for (int i = 0; i < _windowWakes.Count; i++) _windowWakes[i].TrySetResult();
        _windowWakes.Clear();
    }

    private void ReleaseConnectionWindowLocked(int length)
    {
        _connectionReceive.Release(length);
        int credit = _connectionReceive.TakeWindowUpdate();
        if (credit > 0) WriteWindowUpdateLocked(0, credit);
    }

    /// <summary>Decodes a block nobody will read, to keep the connection's HPACK table in step (§4.3).</summary>
    private sealed class DiscardingSink : IHpackHeaderSink
    {
        public static readonly DiscardingSink Instance = new();

        public void OnHeader(ReadOnlySpan<byte> name, ReadOnlySpan<byte> value)
        {
        }
    }
}
