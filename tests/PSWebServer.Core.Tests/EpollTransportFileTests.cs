using System;
using System.IO;
using System.Threading.Tasks;
using PSWebServer.Tests.Support;
using Xunit;

namespace PSWebServer.Tests;

/// <summary>
/// File bodies by sendfile: the transport takes a file's descriptor once per response and sends by explicit offset,
/// so what is checked here is that every chunk, every range and every next file on the same connection still sends
/// the right bytes (a stale descriptor or offset would send another file's or another place's bytes).
/// </summary>
[Collection(SocketTestCollection.Name)]
public sealed class EpollTransportFileTests : IDisposable
{
    private readonly ServerScope _scope = new();

    public void Dispose() => _scope.Dispose();

    private byte[] WriteFile(string name, int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        File.WriteAllBytes(Path.Combine(_scope.Root, name), bytes);
        return bytes;
    }

    [Theory]
    [InlineData("epoll")]
    [InlineData("socket")]
    public async Task TwoLargeFiles_Alternating_OnOneConnection_EachByteForByte(string engine)
    {
        // larger than the cache's 256 KiB and than one 256 KiB chunk: opened per request, sent in several chunks
        byte[] a = WriteFile("a.bin", 1_300_000, 1);
        byte[] b = WriteFile("b.bin", 900_001, 2);
        StaticServer server = _scope.Start(engine: engine);
        using TestClient client = await TestClient.ConnectAsync(server.Port);

        foreach (string name in new[] { "a.bin", "b.bin", "a.bin", "a.bin", "b.bin" })
        {
            TestResponse r = await client.RequestAsync(TestClient.Get("/" + name));
            Assert.Equal(200, r.StatusCode);
            Assert.Equal(name == "a.bin" ? a : b, r.Body);
        }
    }

    [Fact]
    public async Task RangesOfALargeFile_ThenTheWholeFile_OnOneConnection_SendTheirOwnBytes()
    {
        byte[] a = WriteFile("a.bin", 2_000_000, 3);
        StaticServer server = _scope.Start();
        using TestClient client = await TestClient.ConnectAsync(server.Port);

        TestResponse tail = await client.RequestAsync(TestClient.Get("/a.bin", "Range: bytes=1200000-\r\n"));
        TestResponse middle = await client.RequestAsync(TestClient.Get("/a.bin", "Range: bytes=700000-1300000\r\n"));
        TestResponse whole = await client.RequestAsync(TestClient.Get("/a.bin"));

        Assert.Equal(206, tail.StatusCode);
        Assert.Equal(a.AsSpan(1_200_000).ToArray(), tail.Body);
        Assert.Equal(206, middle.StatusCode);
        Assert.Equal(a.AsSpan(700_000, 600_001).ToArray(), middle.Body);
        Assert.Equal(200, whole.StatusCode);
        Assert.Equal(a, whole.Body);
    }
}
