using System;

namespace PSWebServer.Http2;

/// <summary>
/// One flow-control window (RFC 9113 §6.9), either the space we may still send into (the peer's window for the
/// connection or a stream) or the space the peer may still send us. A long, so the arithmetic can never wrap: every
/// change is checked against 2^31-1 and the window may go below zero only through a SETTINGS_INITIAL_WINDOW_SIZE
/// reduction (§6.9.2). Mutable and reused: a stream table keeps one per slot rather than allocating per stream.
/// <para>
/// Receive side policy: received DATA is counted against the window at once (§6.9: even DATA of a stream we are
/// discarding), and credit comes back only when the connection <see cref="Release"/>s what it has consumed;
/// <see cref="TakeWindowUpdate"/> returns a WINDOW_UPDATE increment once half the window's size is released, so a
/// bulk upload costs one WINDOW_UPDATE per half window rather than one per DATA frame (what nghttp2 does too).
/// </para>
/// </summary>
internal sealed class Http2FlowWindow
{
    private long _available;
    private long _released;
    private long _size;

    public Http2FlowWindow(int initialSize = Http2Settings.DefaultInitialWindowSize)
    {
        Reset(initialSize);
    }

    /// <summary>What may still be sent (send side) or received (receive side); negative after a §6.9.2 reduction.</summary>
    public long Available => _available;

    /// <summary>Starts over at <paramref name="initialSize"/> (a new stream in a reused slot).</summary>
    public void Reset(int initialSize)
    {
        if (initialSize < 0) throw new ArgumentOutOfRangeException(nameof(initialSize));
        _available = initialSize;
        _size = initialSize;
        _released = 0;
    }

    /// <summary>
    /// A WINDOW_UPDATE increment (1..2^31-1, the reader has refused 0). Past 2^31-1 is FLOW_CONTROL_ERROR: a connection
    /// error for stream 0, a stream error otherwise (§6.9.1). The window is unchanged on failure.
    /// </summary>
    public bool TryIncrease(int increment, uint streamId, out Http2FrameError error)
    {
        error = default;
        if (increment < 0 || _available + increment > Http2Settings.MaxWindowSize)
        {
            error = streamId == 0
                ? Http2FrameError.Connection(Http2ErrorCode.FlowControlError, 0, "WINDOW_UPDATE: window above 2^31-1")
                : Http2FrameError.Stream(Http2ErrorCode.FlowControlError, streamId, "WINDOW_UPDATE: window above 2^31-1");
            return false;
        }
        _available += increment;
        return true;
    }

    /// <summary>
    /// Adds a SETTINGS_INITIAL_WINDOW_SIZE change (from <see cref="Http2Settings.TryApply"/>) to a stream's send
    /// window. It may go negative (§6.9.2); past 2^31-1 is a connection FLOW_CONTROL_ERROR whatever the stream.
    /// </summary>
    public bool TryApplyInitialWindowDelta(long delta, uint streamId, out Http2FrameError error)
    {
        error = default;
        long next = _available + delta;
        if (next > Http2Settings.MaxWindowSize)
        {
            error = Http2FrameError.Connection(Http2ErrorCode.FlowControlError, streamId,
                "SETTINGS_INITIAL_WINDOW_SIZE change puts a window above 2^31-1");
            return false;
        }
        _available = next;
        _size = Math.Max(0, _size + delta);
        return true;
    }

    /// <summary>Send side: how much of <paramref name="wanted"/> may go now (0 when the window is empty or negative).</summary>
    public int Allowed(int wanted) => wanted <= 0 || _available <= 0 ? 0 : (int)Math.Min(wanted, _available);

    /// <summary>Send side: records a DATA payload sent; more than <see cref="Allowed"/> is the caller's bug.</summary>
    public void Consume(int length)
    {
        if (length < 0 || length > _available) throw new ArgumentOutOfRangeException(nameof(length));
        _available -= length;
    }

    /// <summary>
    /// Receive side: a DATA frame's whole payload length, padding included (§6.9.1). More than the window holds is
    /// FLOW_CONTROL_ERROR (connection error on stream 0, stream error otherwise); the window is unchanged then.
    /// </summary>
    public bool TryReceive(int length, uint streamId, out Http2FrameError error)
    {
        error = default;
        if (length < 0 || length > _available)
        {
            error = streamId == 0
                ? Http2FrameError.Connection(Http2ErrorCode.FlowControlError, 0, "DATA beyond the connection window")
                : Http2FrameError.Stream(Http2ErrorCode.FlowControlError, streamId, "DATA beyond the stream window");
            return false;
        }
        _available -= length;
        return true;
    }

    /// <summary>Receive side: the connection has consumed (or discarded) <paramref name="length"/> received octets.</summary>
    public void Release(int length)
    {
        if (length < 0) throw new ArgumentOutOfRangeException(nameof(length));
        _released += length;
    }

    /// <summary>
    /// Receive side: the increment to send in a WINDOW_UPDATE now, or 0 while less than half the window is released.
    /// Taking it credits the window, never above its size.
    /// </summary>
    public int TakeWindowUpdate()
    {
        if (_released == 0 || _released < Math.Max(1, _size / 2))
            return 0;
        long increment = Math.Min(_released, Http2Settings.MaxWindowSize - _available);
        _released = 0;
        if (increment <= 0)
            return 0;
        _available += increment;
        return (int)increment;
    }
}
