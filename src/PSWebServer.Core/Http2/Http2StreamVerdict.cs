namespace PSWebServer.Http2;

/// <summary>
/// What <see cref="Http2StreamTable"/> says about a frame: act on it, drop it (a frame the RFC says to ignore, such as
/// WINDOW_UPDATE on a closed stream; DATA still counts against the connection window), or fail with the error given.
/// </summary>
internal enum Http2StreamVerdict : byte
{
    Accept,
    Ignore,
    Error,
}
