using System;
using System.IO;
using System.Linq;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using PSWebServer.Http;
using PSWebServer.Tests.Support;
using Xunit;

namespace PSWebServer.Tests;

/// <summary>
/// Deliberate faults (<see cref="HttpResponse.Fault"/>) as a real client sees them, on both engines: curl's own
/// error for each (reset 56, no response 52, a body cut short 18, a status line it cannot read), every one logged
/// with what was sent, and the server serving on.
/// </summary>
[Collection(SocketTestCollection.Name)]
public sealed class StaticServerFaultTests : IDisposable
{
    private const int FileBytes = 1 << 20;
    private readonly ServerScope _scope = new();

    public StaticServerFaultTests()
    {
        _scope.Site.SizedFile("mid.bin", FileBytes);
    }

    public void Dispose() => _scope.Dispose();

    /// <summary>Ten writes of 1,000 bytes, with their Content-Length declared or not.</summary>
    private sealed class TenPieces : IResponseBodyWriter
    {
        public async ValueTask WriteBodyAsync(IResponseBodySink sink, CancellationToken cancel)
        {
            byte[] piece = Encoding.ASCII.GetBytes(new string('s', 1000));
            for (int i = 0; i < 10; i++)
            {
                await sink.WriteAsync(piece);
                await sink.FlushAsync();
            }
        }
    }

    /// <summary>/fault/{kind}/{bytes|file|stream|chunked}: the fault, over a 200 with a body of that kind.</summary>
    private ScriptedFrontHandler Faults() => new()
    {
        ClaimOffLoop = request => ScriptedFrontHandler.PathOf(request).StartsWith("/fault/", StringComparison.Ordinal),
        OffLoop = (request, response, cancel) =>
        {
            string[] parts = ScriptedFrontHandler.PathOf(request).Split('/');
            response.StatusCode = 200;
            switch (parts[3])
            {
                case "bytes":
                    response.SetBytes(new byte[10_000]);
                    break;
                case "file":
                    var file = new FileStream(Path.Combine(_scope.Root, "mid.bin"), FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.Asynchronous);
                    response.SetFile(file, 0, FileBytes);
                    break;
                default:
                    response.Body = BodyKind.Stream;
                    response.ContentLength = parts[3] == "stream" ? 10_000 : -1;
                    response.Writer = new TenPieces();
                    break;
            }
            response.Fault = Enum.Parse<ResponseFault>(parts[2]);
            response.AnsweredBy = "test fault";
            return default;
        },
    };

    private async Task<(int ExitCode, string Error, ServerRequest Logged, StaticServer Server)> CurlAsync(string engine, string path)
    {
        StaticServer server = _scope.Start(engine: engine, front: new IFrontHandler[] { Faults() });
        var (exit, _, error) = await Curl.RunAsync("-o", "/dev/null", "http://127.0.0.1:" + server.Port + path);
        Assert.True(await ServerScope.EventuallyAsync(() => server.Requests.Count == 1, TimeSpan.FromSeconds(5)));
        ServerRequest logged = server.Requests.ReadAll().Single();
        using TestClient client = await TestClient.ConnectAsync(server.Port); // and the server goes on
        Assert.Equal(200, (await client.RequestAsync(TestClient.Get("/a.txt"))).StatusCode);
        return (exit, error, logged, server);
    }

    [Theory]
    [InlineData("epoll")]
    [InlineData("socket")]
    public async Task Reset_IsAConnectionResetByPeer(string engine)
    {
        var (exit, error, logged, _) = await CurlAsync(engine, "/fault/Reset/bytes");

        Assert.True(exit == 56, $"curl exit {exit}: {error}");
        Assert.Contains("reset by peer", error);
        Assert.Equal((0, 0L), (logged.StatusCode, logged.BytesSent));
    }

    [Theory]
    [InlineData("epoll")]
    [InlineData("socket")]
    public async Task CloseWithoutResponse_IsAnEmptyReply(string engine)
    {
        var (exit, error, logged, _) = await CurlAsync(engine, "/fault/CloseWithoutResponse/bytes");

        Assert.True(exit == 52, $"curl exit {exit}: {error}");
        Assert.Contains("Empty reply from server", error);
        Assert.Equal((0, 0L), (logged.StatusCode, logged.BytesSent));
    }

    [Theory]
    [InlineData("epoll", "bytes", 5000)]
    [InlineData("socket", "bytes", 5000)]
    [InlineData("epoll", "file", FileBytes / 2)]
    [InlineData("socket", "file", FileBytes / 2)]
    [InlineData("epoll", "stream", 5000)]
    [InlineData("socket", "stream", 5000)]
    public async Task CloseMidBody_SendsHalf_AndCurlSaysHowMuchIsMissing(string engine, string kind, int missing)
    {
        var (exit, error, logged, _) = await CurlAsync(engine, "/fault/CloseMidBody/" + kind);

        Assert.True(exit == 18, $"curl exit {exit}: {error}");
        Assert.Contains($"transfer closed with {missing} bytes remaining to read", error);
        Assert.Equal(200, logged.StatusCode);
        Assert.InRange(logged.BytesSent, missing + 50, missing + 400); // the head and the half
    }

    [Theory]
    [InlineData("epoll")]
    [InlineData("socket")]
    public async Task CloseMidBody_OfAStreamOfUnknownLength_NeverSendsTheLastChunk(string engine)
    {
        var (exit, error, _, _) = await CurlAsync(engine, "/fault/CloseMidBody/chunked");

        Assert.True(exit == 18, $"curl exit {exit}: {error}");
    }

    [Theory]
    [InlineData("epoll")]
    [InlineData("socket")]
    public async Task MalformedStatusLine_IsRefusedByCurl(string engine)
    {
        var (exit, error, logged, _) = await CurlAsync(engine, "/fault/MalformedStatusLine/bytes");

        Assert.True(exit is 1 or 8, $"curl exit {exit}: {error}"); // unsupported protocol / weird server reply
        Assert.Equal(0, logged.StatusCode);
        Assert.Equal("HTTP/1.1 OK\r\n\r\n".Length, logged.BytesSent);
    }
}
