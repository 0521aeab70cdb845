namespace PSWebServer.Http2;

/// <summary>
/// The stream states of RFC 9113 §5.1 that a server without push can meet. Reserved states need PUSH_PROMISE, which
/// we never send; half-closed (local) is folded into closing the stream, because the server sends END_STREAM only
/// when its response is done and then resets or finishes the stream.
/// </summary>
internal enum Http2StreamState : byte
{
    Idle,
    Open,
    HalfClosedRemote,
    Closed,
}
