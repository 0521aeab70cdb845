namespace PSWebServer.Http;

/// <summary>What the Connection header of a response says, and so whether the connection lives on.</summary>
internal enum ConnectionMode : byte
{
    /// <summary>HTTP/1.1 persistent: no header needed.</summary>
    KeepAlive,
    /// <summary>HTTP/1.0 client that asked for keep-alive: say "Connection: keep-alive".</summary>
    KeepAliveHttp10,
    /// <summary>"Connection: close", then the server closes.</summary>
    Close,
}
