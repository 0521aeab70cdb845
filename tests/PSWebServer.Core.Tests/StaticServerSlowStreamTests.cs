using System;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using PSWebServer.Http;
using PSWebServer.Tests.Support;
using Xunit;

namespace PSWebServer.Tests;

/// <summary>
/// A streamed body that waits on the server's own terms between its writes (a canned response's throttle) is not the
/// client's delay: the send timeout must bound each send, never the whole stream. Before this was fixed, a stream was
/// cut at the send timeout counted from its first byte, however steadily the client read.
/// </summary>
[Collection(SocketTestCollection.Name)]
public sealed class StaticServerSlowStreamTests : IDisposable
{
    private readonly ServerScope _scope = new();

    public void Dispose() => _scope.Dispose();

    /// <summary>Five 100-byte pieces, 700 ms apart: 2.8 s in all, well past a 1 s send timeout.</summary>
    private sealed class SlowPieces : IResponseBodyWriter
    {
        public async ValueTask WriteBodyAsync(IResponseBodySink sink, CancellationToken cancel)
        {
            byte[] piece = Encoding.ASCII.GetBytes(new string('p', 100));
            for (int i = 0; i < 5; i++)
            {
                if (i > 0) await Task.Delay(700, cancel);
                await sink.WriteAsync(piece);
                await sink.FlushAsync();
            }
        }
    }

    private static ScriptedFrontHandler Slow(long contentLength) => new()
    {
        ClaimOffLoop = request => ScriptedFrontHandler.PathOf(request) == "/slow",
        OffLoop = (request, response, cancel) =>
        {
            response.StatusCode = 200;
            response.Body = BodyKind.Stream;
            response.ContentLength = contentLength;
            response.Writer = new SlowPieces();
            return default;
        },
    };

    [Theory]
    [InlineData("epoll", 500L)]
    [InlineData("epoll", -1L)]
    [InlineData("socket", 500L)]
    public async Task AStreamSlowerThanTheSendTimeout_IsSentWhole_ToAReaderThatKeepsUp(string engine, long contentLength)
    {
        StaticServer server = _scope.Start(new ServerLimits { SendTimeout = TimeSpan.FromSeconds(1) }, engine: engine,
            front: new IFrontHandler[] { Slow(contentLength) });
        using TestClient client = await TestClient.ConnectAsync(server.Port);

        TestResponse response = await client.RequestAsync(TestClient.Get("/slow"));

        Assert.Equal(200, response.StatusCode);
        Assert.Equal(500, response.Body.Length);
        Assert.Equal(200, (await client.RequestAsync(TestClient.Get("/slow"))).StatusCode); // and the connection goes on
    }
}
