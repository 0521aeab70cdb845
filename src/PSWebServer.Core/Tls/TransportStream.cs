using System;
using System.Buffers;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using PSWebServer.Transport;

namespace PSWebServer.Tls;

/// <summary>
/// The accepted socket's transport as the <see cref="Stream"/> SslStream reads and writes. Async only: SslStream is
/// driven by awaits, so on the epoll engine its continuations run on the loop thread like the rest of the connection.
/// It first hands out the bytes the handshake phase already read to look at the first byte (the prefix), then reads
/// the transport.
/// </summary>
internal sealed class TransportStream : Stream
{
    private readonly IConnectionTransport _transport;
    private byte[]? _prefix; // pooled; returned once read
    private int _prefixStart;
    private int _prefixEnd;

    public TransportStream(IConnectionTransport transport)
    {
        _transport = transport;
    }

    /// <summary>Bytes already received (a pooled array, owned from now on) that reads return before the transport's.</summary>
    public void SetPrefix(byte[] buffer, int length)
    {
        _prefix = buffer;
        _prefixStart = 0;
        _prefixEnd = length;
    }

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (_prefix is byte[] prefix)
        {
            int n = Math.Min(buffer.Length, _prefixEnd - _prefixStart);
            prefix.AsSpan(_prefixStart, n).CopyTo(buffer.Span);
            _prefixStart += n;
            if (_prefixStart == _prefixEnd) ReleasePrefix();
            return new ValueTask<int>(n);
        }
        return _transport.ReceiveAsync(buffer);
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    /// <summary>
    /// Set once the connection's last records are being written (the last response, then close_notify): they go by
    /// <see cref="IConnectionTransport.SendLastAsync"/>, so on Linux they wait for the FIN and leave in one segment with it.
    /// </summary>
    public bool SendsLast { get; set; }

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) =>
        SendsLast ? _transport.SendLastAsync(buffer) : _transport.SendAsync(buffer);

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask; // every send is a send

    public override void Flush()
    {
    }

    // SslStream is only used through its async methods; a synchronous call here would block a loop thread.
    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException("Synchronous reads would block an event loop.");

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException("Synchronous writes would block an event loop.");

    public override bool CanRead => true;
    public override bool CanWrite => true;
    public override bool CanSeek => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();

    private void ReleasePrefix()
    {
        byte[]? prefix = _prefix;
        _prefix = null;
        if (prefix != null) ArrayPool<byte>.Shared.Return(prefix);
    }

    /// <summary>Gives the prefix back to the pool; the transport is the connection's to dispose, not this stream's.</summary>
    protected override void Dispose(bool disposing)
    {
        if (disposing) ReleasePrefix();
        base.Dispose(disposing);
    }
}
