using System;
using System.Buffers.Binary;

namespace PSWebServer.Http2;

/// <summary>
/// Finds and validates one frame at the start of a buffer (RFC 9113 §4.1, §4.2, §6). Incremental: the connection
/// keeps unread octets and calls <see cref="Read"/> again after each receive with the same start, and nothing is
/// copied (the payload is a slice of its buffer). Stateless across frames apart from our SETTINGS_MAX_FRAME_SIZE,
/// so it checks the rules one frame shows on its own; rules that need the connection's state (stream states, an
/// open field block and its CONTINUATION bound, flow control windows, PUSH_PROMISE from a client, §8.4) are the
/// connection's.
/// <para>
/// Errors that the header alone reveals and that end the connection are reported as soon as the 9 header octets
/// are in, so an oversized frame is refused before its payload is buffered. Stream errors wait for the whole frame,
/// because the connection goes on and must skip it.
/// </para>
/// </summary>
internal sealed class Http2FrameReader
{
    private int _maxFrameSize = Http2Settings.DefaultMaxFrameSize;

    /// <summary>
    /// Our SETTINGS_MAX_FRAME_SIZE: the largest payload we accept. Raise it only after the peer has acknowledged
    /// the SETTINGS that announced it (§6.5.3); until then the peer may assume the old value.
    /// </summary>
    public int MaxFrameSize
    {
        get => _maxFrameSize;
        set
        {
            if (value < Http2Settings.DefaultMaxFrameSize || value > Http2FrameHeader.MaxLength)
                throw new ArgumentOutOfRangeException(nameof(value));
            _maxFrameSize = value;
        }
    }

    /// <summary>
    /// Looks at the start of <paramref name="input"/>. On <see cref="Http2ReadStatus.Frame"/> and
    /// <see cref="Http2ReadStatus.Ignored"/>, and on a stream <see cref="Http2ReadStatus.Error"/>,
    /// <paramref name="consumed"/> is the frame's whole size (header + payload); on NeedMore and on connection
    /// errors it is 0.
    /// </summary>
    public Http2ReadStatus Read(ReadOnlySpan<byte> input, out Http2FrameHeader header, out ReadOnlySpan<byte> payload,
        out int consumed, out Http2FrameError error)
    {
        payload = default;
        consumed = 0;
        error = default;
        if (input.Length < Http2FrameHeader.Size)
        {
            header = default;
            return Http2ReadStatus.NeedMore;
        }
        header = Http2FrameHeader.Read(input);

        // §4.2: too large for what we advertised. Always a connection error, though the RFC allows a stream error
        // for frames that alter no connection state: we would have to receive and discard octets we said we would
        // never be sent, and a peer that ignores our settings is not worth keeping.
        if (header.Length > _maxFrameSize)
        {
            error = Http2FrameError.Connection(Http2ErrorCode.FrameSizeError, header.StreamId,
                "frame larger than SETTINGS_MAX_FRAME_SIZE");
            return Http2ReadStatus.Error;
        }
        if (CheckHeader(header, out error))
            return Http2ReadStatus.Error;

        int total = Http2FrameHeader.Size + header.Length;
        if (input.Length < total)
            return Http2ReadStatus.NeedMore;
        payload = input.Slice(Http2FrameHeader.Size, header.Length);
        if (CheckPayload(header, payload, out error))
        {
            if (!error.IsConnectionError)
                consumed = total;
            payload = default;
            return Http2ReadStatus.Error;
        }
        consumed = total;
        return header.Type > Http2FrameType.Continuation ? Http2ReadStatus.Ignored : Http2ReadStatus.Frame;
    }

    // The rules of §6 that the header shows: the stream a type must (not) be on, and fixed lengths. True on error.
    private static bool CheckHeader(in Http2FrameHeader header, out Http2FrameError error)
    {
        error = default;
        uint stream = header.StreamId;
        int length = header.Length;
        switch (header.Type)
        {
            case Http2FrameType.Data:
            case Http2FrameType.Headers:
            case Http2FrameType.Priority:
            case Http2FrameType.RstStream:
            case Http2FrameType.PushPromise:
            case Http2FrameType.Continuation:
                if (stream == 0)
                {
                    error = Http2FrameError.Connection(Http2ErrorCode.ProtocolError, 0, "stream frame on stream 0");
                    return true;
                }
                if (header.Type == Http2FrameType.RstStream && length != 4)
                {
                    error = Http2FrameError.Connection(Http2ErrorCode.FrameSizeError, stream,
                        "RST_STREAM length is not 4");
                    return true;
                }
                // PRIORITY of the wrong length is a stream error (§6.3): decided once the frame is in, to skip it.
                return false;
            case Http2FrameType.Settings:
            case Http2FrameType.Ping:
            case Http2FrameType.GoAway:
                if (stream != 0)
                {
                    error = Http2FrameError.Connection(Http2ErrorCode.ProtocolError, stream,
                        "connection frame on a stream");
                    return true;
                }
                if (header.Type == Http2FrameType.Settings)
                {
                    if (header.HasFlag(Http2Flags.Ack) && length != 0)
                    {
                        error = Http2FrameError.Connection(Http2ErrorCode.FrameSizeError, 0,
                            "SETTINGS ACK with a payload");
                        return true;
                    }
                    if (length % 6 != 0)
                    {
                        error = Http2FrameError.Connection(Http2ErrorCode.FrameSizeError, 0,
                            "SETTINGS length not a multiple of 6");
                        return true;
                    }
                }
                else if (header.Type == Http2FrameType.Ping && length != 8)
                {
                    error = Http2FrameError.Connection(Http2ErrorCode.FrameSizeError, 0, "PING length is not 8");
                    return true;
                }
                else if (header.Type == Http2FrameType.GoAway && length < 8)
                {
                    error = Http2FrameError.Connection(Http2ErrorCode.FrameSizeError, 0, "GOAWAY shorter than 8");
                    return true;
                }
                return false;
            case Http2FrameType.WindowUpdate:
                if (length != 4)
                {
                    error = Http2FrameError.Connection(Http2ErrorCode.FrameSizeError, stream,
                        "WINDOW_UPDATE length is not 4");
                    return true;
                }
                return false;
            default:
                return false; // §5.5: unknown types are ignored, whatever their stream or length.
        }
    }

    // The rules that need the payload. True on error.
    private static bool CheckPayload(in Http2FrameHeader header, ReadOnlySpan<byte> payload, out Http2FrameError error)
    {
        error = default;
        switch (header.Type)
        {
            case Http2FrameType.Data:
                return !Http2Payload.TryGetData(header, payload, out _, out error);
            case Http2FrameType.Headers:
                return !Http2Payload.TryGetHeaderBlockFragment(header, payload, out _, out error);
            case Http2FrameType.PushPromise:
                // Padding, then the promised stream id (§6.6).
                if (!Http2Payload.TryGetData(header, payload, out ReadOnlySpan<byte> promise, out error))
                    return true;
                if (promise.Length < 4)
                {
                    error = Http2FrameError.Connection(Http2ErrorCode.FrameSizeError, header.StreamId,
                        "PUSH_PROMISE too short for its stream id");
                    return true;
                }
                return false;
            case Http2FrameType.Priority:
                if (payload.Length != 5)
                {
                    error = Http2FrameError.Stream(Http2ErrorCode.FrameSizeError, header.StreamId,
                        "PRIORITY length is not 5");
                    return true;
                }
                if ((BinaryPrimitives.ReadUInt32BigEndian(payload) & 0x7FFFFFFF) == header.StreamId)
                {
                    error = Http2FrameError.Stream(Http2ErrorCode.ProtocolError, header.StreamId,
                        "PRIORITY: stream depends on itself");
                    return true;
                }
                return false;
            case Http2FrameType.WindowUpdate:
                return !Http2Payload.TryGetWindowIncrement(header, payload, out _, out error);
            default:
                return false;
        }
    }
}
