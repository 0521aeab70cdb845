using System;
using System.Threading.Tasks;

namespace PSWebServer.Http;

/// <summary>
/// Deliberate failures (<see cref="HttpResponse.Fault"/>), committed here because only the connection knows what has
/// reached the wire. Each ends the connection; earlier pipelined answers, which were whole, go out first. The request
/// is logged with what was sent: the status the client could read (0 when none) and the bytes.
/// </summary>
internal sealed partial class Http1Connection
{
    /// <summary>A status line without a status code: every HTTP/1 client refuses it ("HTTP/1.1 OK").</summary>
    private static ReadOnlySpan<byte> MalformedStatusLine => "HTTP/1.1 OK\r\n\r\n"u8;

    private async ValueTask<long> CommitFaultAsync(bool headRequest)
    {
        HttpResponse response = _response;
        _mode = ConnectionMode.Close;
        _sentStatus = 0;
        switch (response.Fault)
        {
            case ResponseFault.Reset:
                await FlushAsync().ConfigureAwait(false);
                _transport.Reset(); // RST: the client's read fails with "connection reset by peer"
                _wasReset = true;
                return 0;
            case ResponseFault.CloseWithoutResponse:
                return 0; // the connection closes (FIN) with nothing said: "empty reply from server"
            case ResponseFault.MalformedStatusLine:
                _output.Write(MalformedStatusLine);
                return MalformedStatusLine.Length;
            case ResponseFault.CloseMidBody:
                return await SendHalfAsync(headRequest).ConfigureAwait(false);
            default:
                throw new InvalidOperationException("Unknown fault " + response.Fault + ".");
        }
    }

    /// <summary>
    /// The head, promising the whole body (its full Content-Length), then about half of the body, then the close:
    /// the client sees a transfer cut short. A stream of unknown length gets every chunk it writes but never the last
    /// chunk; a multipart body, only its head.
    /// </summary>
    private async ValueTask<long> SendHalfAsync(bool headRequest)
    {
        HttpResponse response = _response;
        if (response.StatusCode == 0) response.StatusCode = 200;
        _sentStatus = response.StatusCode;
        bool sendsBody = Http1ResponseEncoder.SendsBody(response.StatusCode, headRequest) && response.Body != BodyKind.None;
        bool chunked = sendsBody && response.Body == BodyKind.Stream && response.ContentLength < 0 && _head.Version != HttpVersion.Http10;

        int before = _output.Length;
        Http1ResponseEncoder.WriteHead(_output, response, ConnectionMode.Close, chunked);
        long bytes = _output.Length - before;
        if (!sendsBody) return bytes;

        switch (response.Body)
        {
            case BodyKind.Bytes:
                ReadOnlyMemory<byte> half = response.BodyBytes.Slice(0, response.BodyBytes.Length / 2);
                await WriteBodyBytesAsync(half).ConfigureAwait(false);
                bytes += half.Length;
                break;
            case BodyKind.File:
                await FlushAsync().ConfigureAwait(false);
                await SendFileAsync(response.File!, response.FileOffset, response.FileLength / 2).ConfigureAwait(false);
                bytes += response.FileLength / 2;
                break;
            case BodyKind.Stream:
                Http1BodySink sink = _sink ??= new Http1BodySink(this);
                sink.Begin(chunked, response.ContentLength, cutAt: response.ContentLength >= 0 ? response.ContentLength / 2 : long.MaxValue);
                try
                {
                    await response.Writer!.WriteBodyAsync(sink, Cancellation).ConfigureAwait(false);
                }
                catch (BodyCutException)
                {
                    // the cut was reached: the writer is stopped there, on purpose
                }
                bytes += sink.BytesWritten;
                break;
        }
        return bytes;
    }

    /// <summary>Thrown into a body writer by the sink at a CloseMidBody fault's cut, to stop it there.</summary>
    private sealed class BodyCutException : Exception
    {
        public BodyCutException() : base("The body was cut on purpose (CloseMidBody).") { }
    }
}
