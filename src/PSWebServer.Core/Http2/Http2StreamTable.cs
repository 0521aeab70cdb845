using System;

namespace PSWebServer.Http2;

/// <summary>
/// The server side of RFC 9113 §5.1 for one connection: which client streams are open, in what state, and what a
/// frame on a stream id means. The connection asks before acting on each DATA, HEADERS, RST_STREAM and WINDOW_UPDATE.
/// <para>
/// Memory is bounded and allocated once: at most <see cref="MaxConcurrentStreams"/> active streams, each in a slot
/// (with its send and receive <see cref="Http2FlowWindow"/>, reused), found by a linear scan that is shorter than a
/// hash lookup at these sizes; and a ring of the last closed ids. Since client ids only grow (§5.1.1), any id at or
/// below <see cref="HighestStreamId"/> that is not active is closed; the ring only says whether it was closed lately
/// and how, which is what decides between ignoring a late frame and failing on it.
/// </para>
/// </summary>
internal sealed class Http2StreamTable
{
    /// <summary>Our default SETTINGS_MAX_CONCURRENT_STREAMS: 100, as RFC 9113 §6.5.2 advises as a floor and nginx uses.</summary>
    public const int DefaultMaxConcurrentStreams = 100;

    public const int DefaultRecentlyClosed = 128;

    private readonly uint[] _ids;
    private readonly Http2StreamState[] _states;
    private readonly long[] _openedAt;
    private readonly Http2FlowWindow[] _send;
    private readonly Http2FlowWindow[] _receive;

    // Ring of recently closed ids; _closedByUs[i]: we sent RST_STREAM, so late frames are ignored (§5.1 "closed").
    private readonly uint[] _closedIds;
    private readonly bool[] _closedByUs;
    private int _closedNext;

    public Http2StreamTable(int maxConcurrentStreams = DefaultMaxConcurrentStreams, int recentlyClosed = DefaultRecentlyClosed)
    {
        if (maxConcurrentStreams < 1 || maxConcurrentStreams > 10_000)
            throw new ArgumentOutOfRangeException(nameof(maxConcurrentStreams));
        if (recentlyClosed < 1) throw new ArgumentOutOfRangeException(nameof(recentlyClosed));
        MaxConcurrentStreams = maxConcurrentStreams;
        _ids = new uint[maxConcurrentStreams];
        _states = new Http2StreamState[maxConcurrentStreams];
        _openedAt = new long[maxConcurrentStreams];
        _send = new Http2FlowWindow[maxConcurrentStreams];
        _receive = new Http2FlowWindow[maxConcurrentStreams];
        for (int i = 0; i < maxConcurrentStreams; i++)
        {
            _send[i] = new Http2FlowWindow();
            _receive[i] = new Http2FlowWindow();
        }
        _closedIds = new uint[recentlyClosed];
        _closedByUs = new bool[recentlyClosed];
    }

    /// <summary>The SETTINGS_MAX_CONCURRENT_STREAMS we announce; a HEADERS beyond it is refused (§5.1.2).</summary>
    public int MaxConcurrentStreams { get; }

    /// <summary>Streams open or half-closed (remote): the ones that count against the limit (§5.1.2).</summary>
    public int ActiveCount { get; private set; }

    /// <summary>The highest client stream id seen in a HEADERS, refused ones included: new ids must be above it.</summary>
    public uint HighestStreamId { get; private set; }

    /// <summary>The highest stream id we accepted and may have acted on: the Last-Stream-ID of our GOAWAY (§6.8).</summary>
    public uint LastProcessedStreamId { get; private set; }

    /// <summary>Send window for new streams: the peer's SETTINGS_INITIAL_WINDOW_SIZE.</summary>
    public int InitialSendWindow { get; set; } = Http2Settings.DefaultInitialWindowSize;

    /// <summary>Receive window for new streams: our SETTINGS_INITIAL_WINDOW_SIZE.</summary>
    public int InitialReceiveWindow { get; set; } = Http2Settings.DefaultInitialWindowSize;

    public Http2StreamState GetState(uint streamId)
    {
        int slot = Find(streamId);
        if (slot >= 0)
            return _states[slot];
        return streamId != 0 && streamId <= HighestStreamId ? Http2StreamState.Closed : Http2StreamState.Idle;
    }

    /// <summary>The send window of an active stream, or null.</summary>
    public Http2FlowWindow? SendWindow(uint streamId)
    {
        int slot = Find(streamId);
        return slot < 0 ? null : _send[slot];
    }

    /// <summary>The receive window of an active stream, or null.</summary>
    public Http2FlowWindow? ReceiveWindow(uint streamId)
    {
        int slot = Find(streamId);
        return slot < 0 ? null : _receive[slot];
    }

    /// <summary>
    /// A HEADERS frame (after its block is complete). On a new odd id above every earlier one it opens the stream
    /// (half-closed (remote) at once with END_STREAM); on an open stream it is trailers and must end the stream.
    /// <paramref name="now"/> is a timestamp kept as the stream's opening time (for the Rapid Reset count).
    /// </summary>
    public Http2StreamVerdict OnHeaders(uint streamId, bool endStream, long now, out Http2FrameError error) =>
        OnHeaders(streamId, endStream, now, refuseNew: false, out error);

    /// <summary>
    /// As <see cref="OnHeaders(uint, bool, long, out Http2FrameError)"/>, but a HEADERS that would open a new stream is
    /// refused (REFUSED_STREAM) instead: the id is used up and closed by us, and, never processed, it does not raise
    /// <see cref="LastProcessedStreamId"/> — after our GOAWAY that id must not grow (§6.8).
    /// </summary>
    public Http2StreamVerdict OnHeaders(uint streamId, bool endStream, long now, bool refuseNew, out Http2FrameError error)
    {
        error = default;
        if ((streamId & 1) == 0)
        {
            error = Http2FrameError.Connection(Http2ErrorCode.ProtocolError, streamId, "HEADERS on an even stream id");
            return Http2StreamVerdict.Error;
        }
        int slot = Find(streamId);
        if (slot >= 0)
        {
            if (_states[slot] == Http2StreamState.HalfClosedRemote)
            {
                error = Http2FrameError.Stream(Http2ErrorCode.StreamClosed, streamId, "HEADERS after END_STREAM");
                return Http2StreamVerdict.Error;
            }
            if (!endStream)
            {
                // §8.1: a second HEADERS is trailers and must carry END_STREAM, else the message is malformed.
                error = Http2FrameError.Stream(Http2ErrorCode.ProtocolError, streamId, "trailers without END_STREAM");
                return Http2StreamVerdict.Error;
            }
            _states[slot] = Http2StreamState.HalfClosedRemote;
            return Http2StreamVerdict.Accept;
        }
        if (streamId <= HighestStreamId)
            return OnClosed(streamId, Http2FrameType.Headers, out error);

        HighestStreamId = streamId;
        if (refuseNew || ActiveCount >= MaxConcurrentStreams)
        {
            // The id is used up (it is closed now) but was never processed, so LastProcessedStreamId stays.
            RememberClosed(streamId, byUs: true);
            error = Http2FrameError.Stream(Http2ErrorCode.RefusedStream, streamId,
                refuseNew ? "no new streams on this connection now" : "SETTINGS_MAX_CONCURRENT_STREAMS reached");
            return Http2StreamVerdict.Error;
        }
        slot = FreeSlot();
        _ids[slot] = streamId;
        _states[slot] = endStream ? Http2StreamState.HalfClosedRemote : Http2StreamState.Open;
        _openedAt[slot] = now;
        _send[slot].Reset(InitialSendWindow);
        _receive[slot].Reset(InitialReceiveWindow);
        ActiveCount++;
        LastProcessedStreamId = streamId;
        return Http2StreamVerdict.Accept;
    }

    /// <summary>A DATA frame: only an open stream takes it; END_STREAM half-closes it.</summary>
    public Http2StreamVerdict OnData(uint streamId, bool endStream, out Http2FrameError error)
    {
        error = default;
        int slot = Find(streamId);
        if (slot >= 0)
        {
            if (_states[slot] == Http2StreamState.HalfClosedRemote)
            {
                error = Http2FrameError.Stream(Http2ErrorCode.StreamClosed, streamId, "DATA after END_STREAM");
                return Http2StreamVerdict.Error;
            }
            if (endStream)
                _states[slot] = Http2StreamState.HalfClosedRemote;
            return Http2StreamVerdict.Accept;
        }
        if (streamId > HighestStreamId)
        {
            error = Http2FrameError.Connection(Http2ErrorCode.ProtocolError, streamId, "DATA on an idle stream");
            return Http2StreamVerdict.Error;
        }
        return OnClosed(streamId, Http2FrameType.Data, out error);
    }

    /// <summary>
    /// A RST_STREAM from the client: closes an active stream (<paramref name="openedAt"/> is when it opened, for the
    /// Rapid Reset count; -1 otherwise); ignored on a closed stream; PROTOCOL_ERROR on an idle one (§6.4).
    /// </summary>
    public Http2StreamVerdict OnRstStream(uint streamId, out long openedAt, out Http2FrameError error)
    {
        error = default;
        openedAt = -1;
        int slot = Find(streamId);
        if (slot >= 0)
        {
            openedAt = _openedAt[slot];
            Free(slot, byUs: false);
            return Http2StreamVerdict.Accept;
        }
        if (streamId > HighestStreamId)
        {
            error = Http2FrameError.Connection(Http2ErrorCode.ProtocolError, streamId, "RST_STREAM on an idle stream");
            return Http2StreamVerdict.Error;
        }
        return Http2StreamVerdict.Ignore;
    }

    /// <summary>A WINDOW_UPDATE on a stream (not 0): accepted on active streams, ignored on closed, idle is PROTOCOL_ERROR.</summary>
    public Http2StreamVerdict OnWindowUpdate(uint streamId, out Http2FrameError error)
    {
        error = default;
        if (Find(streamId) >= 0)
            return Http2StreamVerdict.Accept;
        if (streamId > HighestStreamId)
        {
            error = Http2FrameError.Connection(Http2ErrorCode.ProtocolError, streamId, "WINDOW_UPDATE on an idle stream");
            return Http2StreamVerdict.Error;
        }
        return Http2StreamVerdict.Ignore;
    }

    /// <summary>
    /// We are done with a stream: our response ended (END_STREAM sent) or we sent RST_STREAM
    /// (<paramref name="reset"/>: late frames from the client are then ignored rather than refused).
    /// </summary>
    public void Close(uint streamId, bool reset)
    {
        int slot = Find(streamId);
        if (slot >= 0)
            Free(slot, reset);
    }

    /// <summary>
    /// Adds a SETTINGS_INITIAL_WINDOW_SIZE change to every active stream's send window (§6.9.2); a window pushed past
    /// 2^31-1 is a connection FLOW_CONTROL_ERROR.
    /// </summary>
    public bool TryApplyInitialWindowDelta(long delta, out Http2FrameError error)
    {
        error = default;
        InitialSendWindow = (int)Math.Clamp(InitialSendWindow + delta, 0, Http2Settings.MaxWindowSize);
        for (int i = 0; i < _ids.Length; i++)
        {
            if (_ids[i] != 0 && !_send[i].TryApplyInitialWindowDelta(delta, _ids[i], out error))
                return false;
        }
        return true;
    }

    private Http2StreamVerdict OnClosed(uint streamId, Http2FrameType type, out Http2FrameError error)
    {
        error = default;
        int recent = FindClosed(streamId);
        if (recent >= 0 && _closedByUs[recent])
            // §5.1: frames after our RST_STREAM may still be in flight. An ignored HEADERS must still go through the
            // HPACK decoder (its table is the connection's), and ignored DATA still counts against the connection window.
            return Http2StreamVerdict.Ignore;
        if (type == Http2FrameType.Headers)
        {
            if (recent < 0)
            {
                // Not remembered: either long closed or never opened (a skipped idle id, closed by §5.1.1). Either
                // way it is a HEADERS whose id is not above the last one, which §5.1.1 makes a PROTOCOL_ERROR.
                error = Http2FrameError.Connection(Http2ErrorCode.ProtocolError, streamId,
                    "HEADERS on a stream id not above the last one");
                return Http2StreamVerdict.Error;
            }
            // §5.1 allows a connection error after END_STREAM; a stream error keeps the client's other streams.
            error = Http2FrameError.Stream(Http2ErrorCode.StreamClosed, streamId, "HEADERS on a closed stream");
            return Http2StreamVerdict.Error;
        }
        error = Http2FrameError.Stream(Http2ErrorCode.StreamClosed, streamId, "DATA on a closed stream");
        return Http2StreamVerdict.Error;
    }

    private int Find(uint streamId)
    {
        if (streamId == 0)
            return -1;
        uint[] ids = _ids;
        for (int i = 0; i < ids.Length; i++)
        {
            if (ids[i] == streamId)
                return i;
        }
        return -1;
    }

    private int FreeSlot()
    {
        for (int i = 0; i < _ids.Length; i++)
        {
            if (_ids[i] == 0)
                return i;
        }
        throw new InvalidOperationException("no free stream slot although ActiveCount is below the limit");
    }

    private void Free(int slot, bool byUs)
    {
        RememberClosed(_ids[slot], byUs);
        _ids[slot] = 0;
        _states[slot] = Http2StreamState.Closed;
        ActiveCount--;
    }

    private void RememberClosed(uint streamId, bool byUs)
    {
        _closedIds[_closedNext] = streamId;
        _closedByUs[_closedNext] = byUs;
        _closedNext = (_closedNext + 1) % _closedIds.Length;
    }

    private int FindClosed(uint streamId)
    {
        for (int i = 0; i < _closedIds.Length; i++)
        {
            if (_closedIds[i] == streamId)
                return i;
        }
        return -1;
    }
}
