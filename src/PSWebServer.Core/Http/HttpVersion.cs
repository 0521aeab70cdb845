namespace PSWebServer.Http;

/// <summary>The protocol versions this server speaks; None when the request line never got that far.</summary>
internal enum HttpVersion : byte
{
    None = 0,
    Http10 = 10,
    Http11 = 11,
}

internal static class HttpVersions
{
    public static string ToText(HttpVersion version) => version switch
    {
        HttpVersion.Http10 => "HTTP/1.0",
        HttpVersion.Http11 => "HTTP/1.1",
        _ => "",
    };
}
