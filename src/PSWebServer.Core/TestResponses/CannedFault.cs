namespace PSWebServer.TestResponses;

/// <summary>
/// How a canned response fails on purpose, to show a client under test what a broken server or network does.
/// The public face of the engine's <c>ResponseFault</c>, which the connection commits.
/// </summary>
public enum CannedFault
{
    /// <summary>Answer normally.</summary>
    None,
    /// <summary>Send nothing and reset the connection (a TCP RST: the client sees "connection reset").</summary>
    Reset,
    /// <summary>Send nothing and close the connection normally (the client sees an empty reply).</summary>
    CloseWithoutResponse,
    /// <summary>Send the head and part of the body its Content-Length promises, then close (a dropped download).</summary>
    CloseMidBody,
    /// <summary>Send a status line no HTTP client can parse, then close.</summary>
    MalformedStatusLine,
}
