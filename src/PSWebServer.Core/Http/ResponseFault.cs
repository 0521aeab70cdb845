namespace PSWebServer.Http;

/// <summary>
/// A deliberate failure a handler asks the connection to commit instead of (or while) answering: canned test
/// responses use it to show a client under test what a broken server does. The connection owns the mechanics,
/// because only it knows what has reached the wire.
/// </summary>
internal enum ResponseFault
{
    /// <summary>Answer normally.</summary>
    None,
    /// <summary>Send nothing and reset the connection (RST, not FIN).</summary>
    Reset,
    /// <summary>Send nothing and close the connection normally (FIN).</summary>
    CloseWithoutResponse,
    /// <summary>Send the head and part of the body the head promises, then close.</summary>
    CloseMidBody,
    /// <summary>Send a status line no HTTP client can parse, then close.</summary>
    MalformedStatusLine,
}
