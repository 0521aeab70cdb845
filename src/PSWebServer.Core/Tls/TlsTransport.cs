using System;
using System.Buffers;
using System.IO;
using System.Net.Security;
using System.Threading;
using System.Threading.Tasks;
using PSWebServer.Http;
using PSWebServer.Transport;

namespace PSWebServer.Tls;

/// <summary>
/// An HTTPS connection's bytes: SslStream over the accepted transport (epoll or .NET sockets), so the HTTP code above
/// does not know it is encrypted. On the epoll engine SslStream's work after a wait runs on the loop thread (encrypting
/// and decrypting is CPU work, fine there); what would block — reading a file — runs on a work thread.
/// </summary>
internal sealed class TlsTransport : IConnectionTransport
{
    // A file body is read in pieces this size from a pooled buffer, never whole: each piece is one hop to a work
    // thread to read and then about eight 16 KiB TLS records sent from the loop.
    private const int FileChunkBytes = 128 * 1024;

    private readonly IConnectionTransport _inner;
    private readonly TransportStream _stream; // what SslStream writes to: told when the last records come
    private readonly SslStream _ssl;
    private int _shutdown;
    private int _closeNotify; // 1 once close_notify was asked for (StartCloseNotify): it is sent once

    public TlsTransport(IConnectionTransport inner, TransportStream stream, SslStream ssl, string protocol, string? serverName,
        SslApplicationProtocol applicationProtocol)
    {
        _inner = inner;
        _stream = stream;
        _ssl = ssl;
        Protocol = protocol;
        ServerName = serverName ?? "";
        ApplicationProtocol = applicationProtocol;
    }

    /// <summary>The TLS version negotiated, as ServerRequest shows it ("TLSv1.3").</summary>
    public string Protocol { get; }

    /// <summary>The host name the client asked for by SNI; empty when it sent none (a request to an IP address).</summary>
    public string ServerName { get; }

    /// <summary>The protocol ALPN chose (http/1.1), or default when the client offered none.</summary>
    public SslApplicationProtocol ApplicationProtocol { get; }

    public string RemoteAddress => _inner.RemoteAddress;

    public ValueTask<int> ReceiveAsync(Memory<byte> buffer) => _ssl.ReadAsync(buffer);

    public ValueTask SendAsync(ReadOnlyMemory<byte> data) => _ssl.WriteAsync(data);

    /// <summary>The last response's records; close_notify (<see cref="EndStreamAsync"/>) and the FIN come next.</summary>
    public ValueTask SendLastAsync(ReadOnlyMemory<byte> data)
    {
        _stream.SendsLast = true;
        return _ssl.WriteAsync(data);
    }

    /// <summary>
    /// close_notify after the last response (Connection: close, an HTTP/1.0 body read to the close), as nginx sends it: a
    /// client that reads to the close knows the end is real and not a truncation, and OpenSSL clients report no
    /// "unexpected eof". The alert waits in the kernel for the FIN the close sends (SendsLast).
    /// </summary>
    public async ValueTask EndStreamAsync()
    {
        try
        {
            if (StartCloseNotify() is Task alert) await alert.ConfigureAwait(false);
        }
        catch (Exception)
        {
            // the peer left or the deadline aborted the send: nobody is left to tell, and the close follows anyway
        }
    }

    /// <summary>
    /// Writes close_notify the first time it is asked for (null after that), by <see cref="IConnectionTransport.SendLastAsync"/>:
    /// on epoll the alert waits for the FIN that follows and leaves with it. May throw when SslStream is already failing.
    /// </summary>
    private Task? StartCloseNotify()
    {
        if (Interlocked.Exchange(ref _closeNotify, 1) != 0) return null;
        _stream.SendsLast = true;
        return _ssl.ShutdownAsync();
    }

    /// <summary>Two writes: the records are encrypted separately anyway; a head and a large body cost one extra record.</summary>
    public ValueTask SendAsync(ReadOnlyMemory<byte> first, ReadOnlyMemory<byte> second)
    {
        if (second.IsEmpty) return _ssl.WriteAsync(first);
        if (first.IsEmpty) return _ssl.WriteAsync(second);
        ValueTask head = _ssl.WriteAsync(first);
        if (head.IsCompletedSuccessfully)
        {
            head.GetAwaiter().GetResult();
            return _ssl.WriteAsync(second);
        }
        return SendSecondAfter(head, second);
    }

    private async ValueTask SendSecondAfter(ValueTask first, ReadOnlyMemory<byte> second)
    {
        await first.ConfigureAwait(false);
        await _ssl.WriteAsync(second).ConfigureAwait(false);
    }

    /// <summary>
    /// No sendfile through TLS: the bytes must pass through the cipher. Each chunk is read where this runs when the page
    /// cache has it (<see cref="PageCacheRead"/>: never waits, so the loop may do it), else on a work thread (a cold
    /// file would stall every connection on the loop), then encrypted and sent, from one pooled buffer.
    /// </summary>
    public async ValueTask SendFileAsync(FileStream file, long offset, long count)
    {
        if (count <= 0) return;
        byte[] buffer = ArrayPool<byte>.Shared.Rent((int)Math.Min(count, FileChunkBytes));
        Microsoft.Win32.SafeHandles.SafeFileHandle handle = file.SafeFileHandle; // once: each read of it is an lseek(2)
        try
        {
            while (count > 0)
            {
                int read = await PageCacheRead.ReadAsync(handle, buffer.AsMemory(0, (int)Math.Min(buffer.Length, count)), offset).ConfigureAwait(false);
                if (read == 0) throw new IOException("The file ended before its length was sent.");
                await _ssl.WriteAsync(buffer.AsMemory(0, read)).ConfigureAwait(false);
                offset += read;
                count -= read;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    public void LimitUnsentBytes(int bytes) => _inner.LimitUnsentBytes(bytes);

    /// <summary>
    /// Sends TLS close_notify before the FIN (the lingering close, HTTP/2's end), unless <see cref="EndStreamAsync"/> sent
    /// it already: the peer knows the end is real and not a truncation. The alert is one small write; the FIN follows when
    /// it has gone.
    /// </summary>
    public void ShutdownSend()
    {
        if (Interlocked.Exchange(ref _shutdown, 1) != 0) return;
        Task? alert;
        try
        {
            alert = StartCloseNotify();
        }
        catch (Exception)
        {
            _inner.ShutdownSend(); // already failing or closed: the FIN is all that is left to say
            return;
        }
        if (alert is null || alert.IsCompleted)
        {
            // null: EndStreamAsync sent the alert (one small record, taken by the kernel at once); only the FIN is left
            _ = alert?.Exception; // observed: a failed alert changes nothing
            _inner.ShutdownSend();
            return;
        }
        alert.ContinueWith(static (task, state) =>
        {
            _ = task.Exception;
            ((IConnectionTransport)state!).ShutdownSend();
        }, _inner, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    public void Abort() => _inner.Abort();

    /// <summary>A test's reset fault: the socket below is reset; no TLS close_notify is sent, as a dropped connection sends none.</summary>
    public void Reset() => _inner.Reset();

    public void Dispose()
    {
        try
        {
            _ssl.Dispose(); // the inner stream is left open: the transport below is closed next, by its own rules
        }
        catch (Exception)
        {
            // a handshake state that cannot be freed cleanly changes nothing: the socket goes anyway
        }
        _inner.Dispose();
    }
}
