using System;
using System.IO;
using System.Threading.Tasks;
using PSWebServer.Http;

namespace PSWebServer.Http2;

/// <summary>
/// HTTP/2 framing of a streamed body (an event stream, a throttled canned body): each write becomes DATA on the
/// stream under flow control, the end an empty DATA with END_STREAM. A declared length is held to exactly, as HTTP/1.1
/// holds it: a writer that sends more or less has a bug, and the stream is reset rather than ended as if whole.
/// </summary>
internal sealed class Http2BodySink : IResponseBodySink
{
    private readonly Http2Connection _connection;
    private readonly Http2Stream _stream;
    private long _declared;
    private long _written;

    public Http2BodySink(Http2Connection connection, Http2Stream stream)
    {
        _connection = connection;
        _stream = stream;
    }

    public void Begin(long contentLength)
    {
        _declared = contentLength;
        _written = 0;
    }

    public ValueTask WriteAsync(ReadOnlyMemory<byte> data)
    {
        if (data.IsEmpty) return default;
        if (_declared >= 0 && _written + data.Length > _declared)
            throw new InvalidOperationException("The body writer wrote more than its Content-Length.");
        _written += data.Length;
        return _connection.SendDataAsync(_stream, data, endStream: false, resumeOnPool: true);
    }

    // Every write is already queued for the pump as it is made; there is nothing held back to push.
    public ValueTask FlushAsync() => default;

    public void AwaitingEvents(bool awaiting) => _connection.SetAwaitingEvents(_stream, awaiting);

    public ValueTask CompleteAsync()
    {
        if (_declared >= 0 && _written != _declared)
            throw new IOException("The body writer ended before its Content-Length.");
        AwaitingEvents(false);
        return _connection.SendDataAsync(_stream, ReadOnlyMemory<byte>.Empty, endStream: true, resumeOnPool: true);
    }
}
