namespace PSWebServer.Http2;

/// <summary>
/// The frame types of RFC 9113 §6. A byte, as on the wire; any other value is an extension type that §5.5 says a
/// receiver must ignore, so the reader reports it as ignorable rather than failing.
/// </summary>
internal enum Http2FrameType : byte
{
    Data = 0x0,
    Headers = 0x1,
    Priority = 0x2,
    RstStream = 0x3,
    Settings = 0x4,
    PushPromise = 0x5,
    Ping = 0x6,
    GoAway = 0x7,
    WindowUpdate = 0x8,
    Continuation = 0x9,
}
