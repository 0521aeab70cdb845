using System;
using System.IO;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using PSWebServer.Transport;

namespace PSWebServer.Tests.Support;

/// <summary>
/// A connection's byte stream made of two in-memory queues, so the connection loop runs without sockets.
/// The server side is the <see cref="IConnectionTransport"/>; the test drives the client side.
/// </summary>
internal sealed class MemoryTransport : IConnectionTransport
{
    private readonly ByteQueue _toServer = new();
    private readonly ByteQueue _toClient = new();
    private readonly CancellationTokenSource _abort = new();
    private int _receiveCalls;
    private int _sendCalls;
    private int _aborted;
    private int _disposed;
    private int _shutdown;
    private int _reset;

    public MemoryTransport()
    {
        Client = new HttpResponseReader(_toClient.ReadAsync);
    }

    public string RemoteAddress => "192.0.2.7:40000";

    /// <summary>Reads what the server sent.</summary>
    public HttpResponseReader Client { get; }

    public int ReceiveCalls => Volatile.Read(ref _receiveCalls);
    /// <summary>How many SendAsync/SendFileAsync calls the server made.</summary>
    public int SendCalls => Volatile.Read(ref _sendCalls);
    public bool Aborted => Volatile.Read(ref _aborted) != 0;
    public bool Disposed => Volatile.Read(ref _disposed) != 0;
    public bool SentShutdown => Volatile.Read(ref _shutdown) != 0;
    /// <summary>The server reset the connection (RST) on purpose.</summary>
    public bool WasReset => Volatile.Read(ref _reset) != 0;

    // ---- the client's side ----

    public void Send(string text) => _toServer.Write(Encoding.Latin1.GetBytes(text));

    /// <summary>The client closes its sending side (a FIN).</summary>
    public void CloseClientSend() => _toServer.Complete();

    /// <summary>
    /// Waits until the server has called ReceiveAsync at least <paramref name="count"/> times: it has dealt with
    /// everything before and now waits for bytes, with its deadline set.
    /// </summary>
    public async Task WaitForReceiveCallsAsync(int count, TimeSpan? timeout = null)
    {
        DateTime deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(10));
        while (ReceiveCalls < count)
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"The connection made {ReceiveCalls} receive calls, not {count}.");
            await Task.Delay(2).ConfigureAwait(false);
        }
    }

    /// <summary>Everything the server sends until it closes, read raw (for a test that does not read through <see cref="Client"/>).</summary>
    public async Task<byte[]> ReadToEndAsync(TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        var all = new MemoryStream();
        byte[] chunk = new byte[16 * 1024];
        int n;
        while ((n = await _toClient.ReadAsync(chunk, cancel.Token).ConfigureAwait(false)) > 0) all.Write(chunk, 0, n);
        return all.ToArray();
    }

    // ---- the server's side ----

    public ValueTask<int> ReceiveAsync(Memory<byte> buffer)
    {
        Interlocked.Increment(ref _receiveCalls);
        return _toServer.ReadAsync(buffer, _abort.Token);
    }

    /// <summary>Every buffer the server passed to SendAsync, as passed (to see what was sent from where).</summary>
    public System.Collections.Concurrent.ConcurrentQueue<ReadOnlyMemory<byte>> Sends { get; } = new();

    public ValueTask SendAsync(ReadOnlyMemory<byte> data)
    {
        Interlocked.Increment(ref _sendCalls);
        Sends.Enqueue(data);
        if (_abort.IsCancellationRequested || SentShutdown) throw new IOException("The connection was aborted or shut down.");
        _toClient.Write(data.Span);
        return default;
    }

    /// <summary>Both buffers, recorded in <see cref="Sends"/> as the server passed them.</summary>
    public ValueTask SendAsync(ReadOnlyMemory<byte> first, ReadOnlyMemory<byte> second)
    {
        SendAsync(first);
        return SendAsync(second);
    }

    public async ValueTask SendFileAsync(FileStream file, long offset, long count)
    {
        Interlocked.Increment(ref _sendCalls);
        byte[] chunk = new byte[64 * 1024];
        while (count > 0)
        {
            if (_abort.IsCancellationRequested) throw new IOException("The connection was aborted.");
            int n = await RandomAccess.ReadAsync(file.SafeFileHandle, chunk.AsMemory(0, (int)Math.Min(chunk.Length, count)), offset).ConfigureAwait(false);
            if (n == 0) throw new IOException("The file ended early.");
            _toClient.Write(chunk.AsSpan(0, n));
            offset += n;
            count -= n;
        }
    }

    public void LimitUnsentBytes(int bytes) { } // nothing queues in the kernel here

    public void ShutdownSend()
    {
        Interlocked.Exchange(ref _shutdown, 1);
        _toClient.Complete();
    }

    public void Abort()
    {
        Interlocked.Exchange(ref _aborted, 1);
        _abort.Cancel();
    }

    public void Reset()
    {
        Interlocked.Exchange(ref _reset, 1);
        _abort.Cancel();
        Dispose();
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        _toClient.Complete();
    }
}
