using System.IO;

namespace PSWebServer.Http;

/// <summary>
/// What a handler decided for one request, beyond the bytes it wrote to the response buffer: the status for
/// the log, a file body still to send, and how the connection continues. One per connection, reset per request.
/// </summary>
internal sealed class ResponseState
{
    public int StatusCode;
    /// <summary>A body to send from a file after the head, by sendfile; the connection disposes it.</summary>
    public FileStream? File;
    public long FileOffset;
    public long FileLength;
    /// <summary>For multipart/byteranges from a file: part headers (Bytes) between slices of <see cref="File"/>.</summary>
    public System.Collections.Generic.List<BodyPart>? Parts;
    public string ContentEncoding = "";
    public ConnectionMode Connection;

    public void Reset(ConnectionMode connection)
    {
        StatusCode = 0;
        File = null;
        FileOffset = FileLength = 0;
        Parts = null;
        ContentEncoding = "";
        Connection = connection;
    }
}

/// <summary>A piece of a multipart body: bytes in memory, or a slice of the response's file.</summary>
internal readonly record struct BodyPart(byte[]? Bytes, long Offset, long Length);
