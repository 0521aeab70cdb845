using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Net.Sockets;
using System.Text;
using System.Threading;
using System.Threading.Tasks;

namespace PSWebServer.Tests.Support;

/// <summary>
/// Reads HTTP/1.1 responses from any byte source (a socket, an in-memory pipe), keeping bytes that belong to the
/// next response, so pipelined responses can be read one by one. Every read is bounded by a timeout.
/// </summary>
internal sealed class HttpResponseReader
{
    private static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(10);
    private readonly Func<Memory<byte>, CancellationToken, ValueTask<int>> _receive;
    private byte[] _buffer = new byte[64 * 1024];
    private int _start, _end;

    public HttpResponseReader(Func<Memory<byte>, CancellationToken, ValueTask<int>> receive)
    {
        _receive = receive;
    }

    public static HttpResponseReader For(Socket socket) =>
        new((memory, token) => socket.ReceiveAsync(memory, SocketFlags.None, token));

    /// <summary>Bytes received but not yet handed out as part of a response.</summary>
    public int Buffered => _end - _start;

    /// <summary>Reads one whole response. <paramref name="noBody"/> for answers to HEAD.</summary>
    public async Task<TestResponse> ReadAsync(bool noBody = false, TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? DefaultTimeout);
        int headEnd;
        while ((headEnd = IndexOfHeadEnd()) < 0)
        {
            if (!await FillAsync(cts.Token).ConfigureAwait(false))
            {
                throw new EndOfStreamException("The connection closed before a whole response head arrived; got: "
                    + Encoding.Latin1.GetString(_buffer, _start, _end - _start));
            }
        }

        string headText = Encoding.Latin1.GetString(_buffer, _start, headEnd - _start);
        _start = headEnd + 4;
        string[] lines = headText.Split("\r\n");
        string statusLine = lines[0];
        string[] parts = statusLine.Split(' ', 3);
        if (parts.Length < 2 || !parts[0].StartsWith("HTTP/1.", StringComparison.Ordinal))
            throw new InvalidDataException("Not a status line: " + statusLine);
        int status = int.Parse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture);
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        for (int i = 1; i < lines.Length; i++)
        {
            int colon = lines[i].IndexOf(':');
            if (colon <= 0) throw new InvalidDataException("Not a header line: " + lines[i]);
            string name = lines[i].Substring(0, colon);
            string value = lines[i].Substring(colon + 1).Trim();
            headers[name] = headers.TryGetValue(name, out string? earlier) ? earlier + ", " + value : value;
        }

        long length = 0;
        bool bodyless = noBody || status is 204 or 304 || (status >= 100 && status < 200);
        if (!bodyless && headers.TryGetValue("Transfer-Encoding", out string? coding) && coding.EndsWith("chunked", StringComparison.OrdinalIgnoreCase))
        {
            return new TestResponse(status, statusLine, headers, await ReadChunkedAsync(cts.Token).ConfigureAwait(false));
        }
        if (!bodyless && !headers.ContainsKey("Content-Length"))
        {
            // Neither length nor chunks: the body runs to the close (RFC 9112 §6.3, an HTTP/1.0 stream).
            var rest = new MemoryStream();
            do
            {
                rest.Write(_buffer, _start, _end - _start);
                _start = _end;
            } while (await FillAsync(cts.Token).ConfigureAwait(false));
            return new TestResponse(status, statusLine, headers, rest.ToArray());
        }
        if (!bodyless && headers.TryGetValue("Content-Length", out string? lengthText))
        {
            length = long.Parse(lengthText, NumberStyles.None, CultureInfo.InvariantCulture);
        }
        if (length > 256 * 1024 * 1024) throw new InvalidDataException("Body too large for a test: " + length);
        var body = new byte[length];
        int got = 0;
        while (got < length)
        {
            if (_start == _end && !await FillAsync(cts.Token).ConfigureAwait(false))
                throw new EndOfStreamException($"The connection closed after {got} of {length} body bytes.");
            int take = (int)Math.Min(length - got, _end - _start);
            Buffer.BlockCopy(_buffer, _start, body, got, take);
            _start += take;
            got += take;
        }
        return new TestResponse(status, statusLine, headers, body);
    }

    private async Task<byte[]> ReadChunkedAsync(CancellationToken cancel)
    {
        var body = new MemoryStream();
        while (true)
        {
            string sizeLine = await ReadLineAsync(cancel).ConfigureAwait(false);
            int size = int.Parse(sizeLine.Split(';')[0].Trim(), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture);
            if (size == 0)
            {
                while ((await ReadLineAsync(cancel).ConfigureAwait(false)).Length > 0) { } // trailers, then the empty line
                return body.ToArray();
            }
            while (_end - _start < size + 2)
            {
                if (!await FillAsync(cancel).ConfigureAwait(false)) throw new EndOfStreamException("The connection closed inside a chunk.");
            }
            body.Write(_buffer, _start, size);
            if (_buffer[_start + size] != (byte)'\r' || _buffer[_start + size + 1] != (byte)'\n') throw new InvalidDataException("A chunk did not end in CRLF.");
            _start += size + 2;
        }
    }

    private async Task<string> ReadLineAsync(CancellationToken cancel)
    {
        while (true)
        {
            int lf = Array.IndexOf(_buffer, (byte)'\n', _start, _end - _start);
            if (lf > _start && _buffer[lf - 1] == (byte)'\r')
            {
                string line = Encoding.Latin1.GetString(_buffer, _start, lf - 1 - _start);
                _start = lf + 1;
                return line;
            }
            if (!await FillAsync(cancel).ConfigureAwait(false)) throw new EndOfStreamException("The connection closed inside a chunked body.");
        }
    }

    /// <summary>
    /// Waits for the peer to end the connection (a FIN or a reset). True when it did within the timeout;
    /// false when the timeout passed with the connection still open. Bytes that arrive meanwhile are counted in <see cref="Buffered"/>.
    /// </summary>
    public async Task<bool> ClosesWithinAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            while (await FillAsync(cts.Token).ConfigureAwait(false))
            {
            }
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
        catch (SocketException)
        {
            return true; // reset
        }
        catch (IOException)
        {
            return true;
        }
    }

    /// <summary>Reads and throws away up to <paramref name="count"/> bytes; returns how many came.</summary>
    public async Task<long> SkipAsync(long count, TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        long skipped = 0;
        while (skipped < count)
        {
            if (_start == _end)
            {
                _start = _end = 0;
                int n = await _receive(_buffer, cts.Token).ConfigureAwait(false);
                if (n == 0) break;
                _end = n;
            }
            int take = (int)Math.Min(count - skipped, _end - _start);
            _start += take;
            skipped += take;
        }
        return skipped;
    }

    private int IndexOfHeadEnd() => _buffer.AsSpan(_start, _end - _start).IndexOf("\r\n\r\n"u8) is int i and >= 0 ? _start + i : -1;

    private async Task<bool> FillAsync(CancellationToken token)
    {
        if (_start > 0)
        {
            Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start);
            _end -= _start;
            _start = 0;
        }
        if (_end == _buffer.Length) Array.Resize(ref _buffer, _buffer.Length * 2);
        int n = await _receive(_buffer.AsMemory(_end), token).ConfigureAwait(false);
        if (n == 0) return false;
        _end += n;
        return true;
    }
}
