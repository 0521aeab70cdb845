using System;
using System.Collections.Generic;
using System.IO;
using System.IO.Compression;
using System.Linq;
using System.Text;
using System.Threading.Tasks;
using PSWebServer.Http;
using PSWebServer.StaticFiles;
using PSWebServer.Transport;
using PSWebServer.Tests.Support;
using Xunit;

namespace PSWebServer.Tests;

/// <summary>
/// The connection's send deadline is renewed per file chunk: small enough chunks that a steady 1 MB/s reader gets a
/// large file under a 1 s send timeout, while a reader far below that rate is still cut off.
/// </summary>
public sealed class Http1ConnectionSendDeadlineTests
{
    /// <summary>
    /// An in-memory transport whose file sends take the time a reader at <c>bytesPerSecond</c> needs to take the
    /// bytes: the test clock moves on in 64 KiB steps and the deadline check runs after each, as the heartbeat would.
    /// </summary>
    private sealed class PacedTransport : IConnectionTransport
    {
        private readonly MemoryTransport _inner = new();
        private readonly ConnectionHarness _harness;
        private readonly double _bytesPerSecond;

        public PacedTransport(ConnectionHarness harness, double bytesPerSecond)
        {
            _harness = harness;
            _bytesPerSecond = bytesPerSecond;
        }

        public MemoryTransport Inner => _inner;
        public string RemoteAddress => _inner.RemoteAddress;
        public ValueTask<int> ReceiveAsync(Memory<byte> buffer) => _inner.ReceiveAsync(buffer);
        public ValueTask SendAsync(ReadOnlyMemory<byte> data) => _inner.SendAsync(data);
        public ValueTask SendAsync(ReadOnlyMemory<byte> first, ReadOnlyMemory<byte> second) => _inner.SendAsync(first, second);

        public async ValueTask SendFileAsync(FileStream file, long offset, long count)
        {
            const long Step = 64 * 1024;
            for (long done = 0; done < count; done += Step)
            {
                long step = Math.Min(Step, count - done);
                _harness.AdvanceAndCheck(TimeSpan.FromSeconds(step / _bytesPerSecond));
                if (_inner.Aborted) throw new IOException("The send timed out: the connection was aborted.");
            }
            await _inner.SendFileAsync(file, offset, count);
        }

        public void LimitUnsentBytes(int bytes) { } // nothing queues in the kernel here

        public void ShutdownSend() => _inner.ShutdownSend();
        public void Abort() => _inner.Abort();
        public void Reset() => _inner.Reset();
        public void Dispose() => _inner.Dispose();
    }

    private static (PacedTransport Transport, Task Loop) OpenPaced(ConnectionHarness h, double bytesPerSecond)
    {
        var transport = new PacedTransport(h, bytesPerSecond);
        Assert.True(h.Manager.TryReserve());
        var connection = new Http1Connection(transport, h.Handler, h.Manager, h.Log, h.Statistics, h.Limits);
        return (transport, connection.Start());
    }

    [Fact]
    public async Task SteadyReaderAt1MBps_GetsA6MBFile_WithA1SecondSendTimeout()
    {
        using var h = new ConnectionHarness(new ServerLimits { SendTimeout = TimeSpan.FromSeconds(1) });
        const long length = 6L * 1000 * 1000;
        h.Site.SizedFile("six.bin", length);
        long startTicks = h.Clock.GetTimestamp();
        var (t, loop) = OpenPaced(h, bytesPerSecond: 1_000_000);

        t.Inner.Send("GET /six.bin HTTP/1.1\r\nHost: t\r\n\r\n");
        TestResponse response = await t.Inner.Client.ReadAsync(timeout: TimeSpan.FromSeconds(20));

        Assert.Equal(200, response.StatusCode);
        Assert.Equal(length, response.Body.LongLength);
        Assert.False(t.Inner.Aborted);
        TimeSpan took = TimeSpan.FromTicks(h.Clock.GetTimestamp() - startTicks);
        Assert.True(took > TimeSpan.FromSeconds(5), $"the paced transfer took {took} of test time: it must outlast the timeout many times");
        t.Inner.CloseClientSend();
        await loop.WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task ReaderFarBelowTheChunkRate_IsStillCutOffByTheSendTimeout()
    {
        // The control for the test above: the paced transport does enforce the deadline, so a reader at 100 KB/s
        // (over 2.5 s per 256 KiB chunk) is dropped with a 1 s timeout.
        using var h = new ConnectionHarness(new ServerLimits { SendTimeout = TimeSpan.FromSeconds(1) });
        h.Site.SizedFile("six.bin", 6L * 1000 * 1000);
        var (t, loop) = OpenPaced(h, bytesPerSecond: 100_000);

        t.Inner.Send("GET /six.bin HTTP/1.1\r\nHost: t\r\n\r\n");

        await Assert.ThrowsAsync<EndOfStreamException>(() => t.Inner.Client.ReadAsync(timeout: TimeSpan.FromSeconds(20)));
        Assert.True(t.Inner.Aborted);
        await loop.WaitAsync(TimeSpan.FromSeconds(10));
    }
}
