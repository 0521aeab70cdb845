namespace PSWebServer.Http;

/// <summary>The protocol versions this server speaks; None when the request line never got that far.</summary>
internal enum HttpVersion : byte
{
    None = 0,
    Http10 = 10,
    Http11 = 11,
    /// <summary>A request on an HTTP/2 stream (h2 over TLS, or h2c with prior knowledge).</summary>
    Http2 = 20,
}

internal static class HttpVersions
{
    public static string ToText(HttpVersion version) => version switch
    {
        HttpVersion.Http10 => "HTTP/1.0",
        HttpVersion.Http11 => "HTTP/1.1",
        HttpVersion.Http2 => "HTTP/2",
        _ => "",
    };
}
