namespace PSWebServer.Http;

internal enum ParseStatus : byte
{
    /// <summary>No complete head yet and no limit passed: read more bytes.</summary>
    Incomplete,
    /// <summary>A whole head was parsed; the request's bytes end at the consumed count.</summary>
    Complete,
    /// <summary>The head breaks the protocol or a limit; the reason says which.</summary>
    Rejected,
}
