using System;
using System.IO;
using System.Threading.Tasks;

namespace PSWebServer.Http;

internal sealed partial class Http1Connection
{
    /// <summary>
    /// HTTP/1.1 framing of a streamed body: chunks when the length is unknown, raw bytes checked against
    /// Content-Length when it is known (a writer that sends more or less would corrupt the connection, so it fails it).
    /// Small writes gather in the output buffer until a flush or until enough are queued.
    /// </summary>
    private sealed class Http1BodySink : IResponseBodySink
    {
        private readonly Http1Connection _connection;
        private bool _chunked;
        private long _declared;
        private long _cutAt = long.MaxValue; // a CloseMidBody fault: nothing past this is sent
        private bool _awaitingEvents;

        public Http1BodySink(Http1Connection connection)
        {
            _connection = connection;
        }

        public long BytesWritten { get; private set; }

        public void Begin(bool chunked, long contentLength, long cutAt = long.MaxValue)
        {
            _chunked = chunked;
            _declared = contentLength;
            _cutAt = cutAt;
            BytesWritten = 0;
            _awaitingEvents = false;
            // Between its sends a stream waits on the server's own terms (a throttle, a timer), not the client's: no
            // deadline then, bounded by Stop like any handler work. Each send still runs under the send timeout
            // (FlushAsync enters it and comes back to this), so a client that stops reading is dropped as before.
            _connection._deadline.Clear();
        }

        public ValueTask WriteAsync(ReadOnlyMemory<byte> data)
        {
            if (data.IsEmpty) return default; // an empty chunk would end the body
            if (_declared >= 0 && BytesWritten + data.Length > _declared)
                throw new InvalidOperationException("The body writer wrote more than its Content-Length.");
            if (BytesWritten + data.Length >= _cutAt) return CutAsync(data);
            ResponseBuffer output = _connection._output;
            if (_chunked) Http1ResponseEncoder.WriteChunkHeader(output, data.Length);
            output.Write(data.Span);
            if (_chunked) output.Write("\r\n"u8);
            BytesWritten += data.Length;
            return output.Length >= FlushThresholdBytes ? _connection.FlushAsync() : default;
        }

        public ValueTask FlushAsync() => _connection.FlushAsync();

        /// <summary>Sends the bytes up to the cut, then stops the writer.</summary>
        private async ValueTask CutAsync(ReadOnlyMemory<byte> data)
        {
            data = data.Slice(0, (int)(_cutAt - BytesWritten));
            ResponseBuffer output = _connection._output;
            if (_chunked && !data.IsEmpty) Http1ResponseEncoder.WriteChunkHeader(output, data.Length);
            output.Write(data.Span);
            if (_chunked && !data.IsEmpty) output.Write("\r\n"u8);
            BytesWritten += data.Length;
            await _connection.FlushAsync().ConfigureAwait(false);
            throw new BodyCutException();
        }

        // The connection's FlushAsync restores the deadline a send interrupted, so setting "idle, no deadline" once
        // here holds between every later send, while each send itself runs under the send timeout.
        public void AwaitingEvents(bool awaiting)
        {
            if (awaiting == _awaitingEvents) return;
            _awaitingEvents = awaiting;
            if (awaiting) _connection._deadline.Restore((long.MaxValue, true));
            else _connection._deadline.Enter(_connection._limits.SendTimeout, idle: false);
        }

        public ValueTask CompleteAsync()
        {
            if (_declared >= 0 && BytesWritten != _declared)
                throw new IOException("The body writer ended before its Content-Length: the connection cannot go on.");
            if (_chunked) _connection._output.Write(Http1ResponseEncoder.LastChunk);
            // Back to a busy phase for the rest of the response (its last bytes, the close), if the writer did not say so.
            AwaitingEvents(false);
            return default;
        }
    }
}
