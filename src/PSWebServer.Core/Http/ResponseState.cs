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
    public string ContentEncoding = "";
    public ConnectionMode Connection;

    public void Reset(ConnectionMode connection)
    {
        StatusCode = 0;
        File = null;
        FileOffset = FileLength = 0;
        ContentEncoding = "";
        Connection = connection;
    }
}
