namespace PSWebServer.Http2;

/// <summary>
/// A protocol violation found in a frame: the code RFC 9113 names for it, and whether it ends the connection (GOAWAY,
/// §5.4.1) or only the stream (RST_STREAM on <see cref="StreamId"/>, §5.4.2). A value rather than an exception
/// because stream errors are routine (the connection goes on), and the reasons are constant strings so reporting
/// one allocates nothing.
/// </summary>
internal readonly struct Http2FrameError
{
    public Http2FrameError(Http2ErrorCode code, bool isConnectionError, uint streamId, string reason)
    {
        Code = code;
        IsConnectionError = isConnectionError;
        StreamId = streamId;
        Reason = reason;
    }

    public Http2ErrorCode Code { get; }

    /// <summary>True: GOAWAY and close. False: RST_STREAM on <see cref="StreamId"/>, the connection continues.</summary>
    public bool IsConnectionError { get; }

    /// <summary>The stream the frame was on (0 for connection-level frames).</summary>
    public uint StreamId { get; }

    /// <summary>For logs and GOAWAY debug data; constant text.</summary>
    public string Reason { get; }

    public static Http2FrameError Connection(Http2ErrorCode code, uint streamId, string reason) =>
        new(code, true, streamId, reason);

    public static Http2FrameError Stream(Http2ErrorCode code, uint streamId, string reason) =>
        new(code, false, streamId, reason);
}
