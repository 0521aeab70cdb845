using System;
using System.Buffers.Binary;

namespace PSWebServer.Http2;

/// <summary>
/// One side's SETTINGS values (RFC 9113 §6.5.2), starting at the RFC's initial values. The connection keeps one for
/// the peer (what it has told us; applied from each SETTINGS frame in order, §6.5.3) and one for what we announce.
/// Values that have no limit until a peer sets one (concurrent streams, header list size) are <see cref="uint.MaxValue"/>.
/// </summary>
internal sealed class Http2Settings
{
    public const int DefaultHeaderTableSize = 4096;
    public const int DefaultInitialWindowSize = 65535;
    public const int DefaultMaxFrameSize = 16384;

    /// <summary>2^31-1: the largest flow-control window (§6.9.1).</summary>
    public const uint MaxWindowSize = 0x7FFFFFFF;

    public uint HeaderTableSize { get; set; } = DefaultHeaderTableSize;

    public bool EnablePush { get; set; } = true;

    public uint MaxConcurrentStreams { get; set; } = uint.MaxValue;

    public uint InitialWindowSize { get; set; } = DefaultInitialWindowSize;

    public uint MaxFrameSize { get; set; } = DefaultMaxFrameSize;

    public uint MaxHeaderListSize { get; set; } = uint.MaxValue;

    /// <summary>RFC 8441 extended CONNECT; recorded, not acted on (we serve no WebSocket over h2).</summary>
    public bool EnableConnectProtocol { get; set; }

    /// <summary>
    /// Applies a SETTINGS payload (already checked by <see cref="Http2FrameReader"/> to be a multiple of 6) in order,
    /// checking each value (§6.5.2). Unknown ids are ignored. On failure the values before the bad one stay applied;
    /// that does not matter, since every failure is a connection error. <paramref name="initialWindowDelta"/> is how
    /// much INITIAL_WINDOW_SIZE changed over the whole frame, which the connection adds to every open stream's
    /// send window (§6.9.2).
    /// </summary>
    public bool TryApply(ReadOnlySpan<byte> payload, out long initialWindowDelta, out Http2FrameError error)
    {
        error = default;
        uint initialWindow = InitialWindowSize;
        initialWindowDelta = 0;
        if (payload.Length % 6 != 0)
        {
            error = Http2FrameError.Connection(Http2ErrorCode.FrameSizeError, 0, "SETTINGS length not a multiple of 6");
            return false;
        }
        for (int i = 0; i < payload.Length; i += 6)
        {
            var id = (Http2SettingId)BinaryPrimitives.ReadUInt16BigEndian(payload.Slice(i));
            uint value = BinaryPrimitives.ReadUInt32BigEndian(payload.Slice(i + 2));
            switch (id)
            {
                case Http2SettingId.HeaderTableSize:
                    HeaderTableSize = value;
                    break;
                case Http2SettingId.EnablePush:
                    if (value > 1)
                    {
                        error = Http2FrameError.Connection(Http2ErrorCode.ProtocolError, 0,
                            "SETTINGS_ENABLE_PUSH not 0 or 1");
                        return false;
                    }
                    EnablePush = value == 1;
                    break;
                case Http2SettingId.MaxConcurrentStreams:
                    MaxConcurrentStreams = value;
                    break;
                case Http2SettingId.InitialWindowSize:
                    if (value > MaxWindowSize)
                    {
                        error = Http2FrameError.Connection(Http2ErrorCode.FlowControlError, 0,
                            "SETTINGS_INITIAL_WINDOW_SIZE above 2^31-1");
                        return false;
                    }
                    InitialWindowSize = value;
                    break;
                case Http2SettingId.MaxFrameSize:
                    if (value < DefaultMaxFrameSize || value > Http2FrameHeader.MaxLength)
                    {
                        error = Http2FrameError.Connection(Http2ErrorCode.ProtocolError, 0,
                            "SETTINGS_MAX_FRAME_SIZE outside 16384..16777215");
                        return false;
                    }
                    MaxFrameSize = value;
                    break;
                case Http2SettingId.MaxHeaderListSize:
                    MaxHeaderListSize = value;
                    break;
                case Http2SettingId.EnableConnectProtocol:
                    // RFC 8441 §3: only 0 or 1.
                    if (value > 1)
                    {
                        error = Http2FrameError.Connection(Http2ErrorCode.ProtocolError, 0,
                            "SETTINGS_ENABLE_CONNECT_PROTOCOL not 0 or 1");
                        return false;
                    }
                    EnableConnectProtocol = value == 1;
                    break;
                default:
                    break; // §6.5.2: unknown or unsupported ids are ignored.
            }
        }
        initialWindowDelta = (long)InitialWindowSize - initialWindow;
        return true;
    }
}
