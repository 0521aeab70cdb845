using System;
using System.Diagnostics;
using System.IO;
using System.IO.Compression;
using System.Net.Sockets;
using System.Text;
using System.Threading.Tasks;
using PSWebServer.Tests.Support;
using Xunit;

namespace PSWebServer.Tests;

/// <summary>
/// Files sent over real sockets (127.0.0.1, port 0), on both engines: sidecars linked out of the root, aliases of a
/// cached path, and a slow but steady reader under a short send timeout.
/// </summary>
[Collection(SocketTestCollection.Name)]
public sealed class StaticServerFileSendTests : IDisposable
{
    private readonly ServerScope _scope = new();
    private readonly TempFolder _outside = new();

    public void Dispose()
    {
        _scope.Dispose();
        _outside.Dispose();
    }

    private static string NotesText(int length)
    {
        var text = new StringBuilder();
        for (int line = 0; text.Length < length; line++) text.Append("note ").Append(line).Append(": jumps over the lazy dog\n");
        return text.ToString(0, length);
    }

    private static byte[] Gunzip(byte[] body)
    {
        using var input = new GZipStream(new MemoryStream(body), CompressionMode.Decompress);
        var output = new MemoryStream();
        input.CopyTo(output);
        return output.ToArray();
    }

    [Theory]
    [InlineData("epoll")]
    [InlineData("socket")]
    public async Task SidecarLinkedOutOfTheRoot_IsNotServed_TheFileIsCompressedInstead(string engine)
    {
        string notes = NotesText(4096);
        string notesPath = _scope.Site.File("notes.txt", notes);
        byte[] secret = Encoding.ASCII.GetBytes("SECRET-OUTSIDE-THE-ROOT-" + Guid.NewGuid().ToString("N"));
        string target = Path.Combine(_outside.Path, "secret.bin");
        File.WriteAllBytes(target, secret);
        File.SetLastWriteTimeUtc(notesPath, DateTime.UtcNow.AddHours(-1));
        File.SetLastWriteTimeUtc(target, DateTime.UtcNow); // newer than notes.txt: a "fresh" sidecar
        File.CreateSymbolicLink(notesPath + ".gz", target);
        StaticServer server = _scope.Start(engine: engine);
        using TestClient client = await TestClient.ConnectAsync(server.Port);

        TestResponse r = await client.RequestAsync(TestClient.Get("/notes.txt", "Accept-Encoding: gzip\r\n"));

        Assert.Equal(200, r.StatusCode);
        Assert.NotEqual(secret, r.Body);
        Assert.DoesNotContain("SECRET-OUTSIDE", Encoding.Latin1.GetString(r.Body));
        Assert.Equal("gzip", r.Header("Content-Encoding"));
        Assert.Equal(Encoding.UTF8.GetBytes(notes), Gunzip(r.Body));
    }

    [Fact]
    public async Task FreshSidecarInsideTheRoot_IsServedByteForByte()
    {
        string notesPath = _scope.Site.File("notes.txt", NotesText(4096));
        var sidecar = new MemoryStream();
        using (var gzip = new GZipStream(sidecar, CompressionLevel.Fastest, leaveOpen: true)) gzip.Write("the sidecar's own text\n"u8);
        File.WriteAllBytes(notesPath + ".gz", sidecar.ToArray());
        File.SetLastWriteTimeUtc(notesPath, DateTime.UtcNow.AddHours(-1));
        File.SetLastWriteTimeUtc(notesPath + ".gz", DateTime.UtcNow);
        StaticServer server = _scope.Start();
        using TestClient client = await TestClient.ConnectAsync(server.Port);

        TestResponse r = await client.RequestAsync(TestClient.Get("/notes.txt", "Accept-Encoding: gzip\r\n"));

        Assert.Equal(200, r.StatusCode);
        Assert.Equal("gzip", r.Header("Content-Encoding"));
        Assert.Equal(sidecar.ToArray(), r.Body);
    }

    [Fact]
    public async Task EscapedAlias_StillServesTheFile()
    {
        // Aliases are no longer cache keys, but they still resolve to the file: before and after the plain path.
        StaticServer server = _scope.Start();
        using TestClient client = await TestClient.ConnectAsync(server.Port);

        TestResponse alias = await client.RequestAsync(TestClient.Get("/%61.txt"));
        TestResponse plain = await client.RequestAsync(TestClient.Get("/a.txt"));
        TestResponse aliasAgain = await client.RequestAsync(TestClient.Get("/%61.txt"));

        Assert.Equal((200, ServerScope.TextA), (alias.StatusCode, alias.BodyText));
        Assert.Equal((200, ServerScope.TextA), (plain.StatusCode, plain.BodyText));
        Assert.Equal((200, ServerScope.TextA), (aliasAgain.StatusCode, aliasAgain.BodyText));
    }

    // The unsent-queue limit (UnsentLimit) is what makes large files fast and lets a slow reader keep its send timeout,
    // and nothing on the wire shows it: the server runs in this process, so its end of the connection is found among
    // this process's descriptors and the option is read back from the kernel.
    [Theory]
    [InlineData("epoll")]
    [InlineData("socket")]
    public async Task AConnectionThatSendsAFile_LimitsItsUnsentBytes_OneThatDoesNot_KeepsTheKernelDefault(string engine)
    {
        if (!OperatingSystem.IsLinux()) return; // TCP_NOTSENT_LOWAT is Linux's
        _scope.Site.SizedFile("big.bin", 1_000_000); // above the in-memory cache: sent from the file
        StaticServer server = _scope.Start(engine: engine);
        using TestClient files = await TestClient.ConnectAsync(server.Port);
        using TestClient small = await TestClient.ConnectAsync(server.Port);

        TestResponse first = await files.RequestAsync(TestClient.Get("/big.bin"));
        TestResponse second = await files.RequestAsync(TestClient.Get("/big.bin"));
        TestResponse page = await small.RequestAsync(TestClient.Get("/a.txt"));

        Assert.Equal((200, 1_000_000), (first.StatusCode, first.Body.Length));
        Assert.Equal((200, 1_000_000), (second.StatusCode, second.Body.Length));
        Assert.Equal(200, page.StatusCode);
        Assert.Equal(PSWebServer.Transport.UnsentLimit.FileSendBytes, ServerSocketOptions.UnsentLimit(files.LocalPort));
        Assert.Equal(0, ServerSocketOptions.UnsentLimit(small.LocalPort)); // 0: never set, the system-wide net.ipv4.tcp_notsent_lowat applies
    }

    // The kernel marks a full socket writable again only when a third of its (autotuned, up to 4 MB) send buffer
    // has drained; the connection sets TCP_NOTSENT_LOWAT before sending files so each chunk completes as the
    // client reads, and the per-chunk deadline then measures progress.
    [Theory]
    [InlineData("epoll")]
    [InlineData("socket")]
    public async Task ReaderAt1MBps_GetsA6MBFile_WithA2SecondSendTimeout(string engine)
    {
        // Each file chunk gets its own send deadline. With 2 MiB chunks a 1 MB/s reader needed 2 s per chunk and a
        // 1 s SendTimeout cut it off; 256 KiB chunks take about a quarter of a second each.
        const long length = 6L * 1000 * 1000;
        _scope.Site.SizedFile("six.bin", length);
        StaticServer server = _scope.Start(new ServerLimits { SendTimeout = TimeSpan.FromSeconds(2) }, engine: engine);
        using TestClient client = await TestClient.ConnectAsync(server.Port);
        await client.SendAsync(TestClient.Get("/six.bin"));

        TestResponse head = await client.ReadAsync(noBody: true);
        Assert.Equal(200, head.StatusCode);
        Assert.Equal(length.ToString(System.Globalization.CultureInfo.InvariantCulture), head.Header("Content-Length"));

        const int Step = 64 * 1024;
        long received = 0;
        string ended = "time";
        var clock = Stopwatch.StartNew();
        while (received < length && clock.Elapsed < TimeSpan.FromSeconds(20))
        {
            long want = Math.Min(Step, length - received);
            long got;
            try
            {
                got = await client.Reader.SkipAsync(want, TimeSpan.FromSeconds(5));
            }
            catch (SocketException ex)
            {
                ended = "reset: " + ex.SocketErrorCode;
                break;
            }
            catch (OperationCanceledException)
            {
                ended = "5 s without the next 64 KB";
                break;
            }
            received += got;
            if (got < want)
            {
                ended = "closed";
                break;
            }
            await Task.Delay(60); // 64 KB per ~60 ms: about 1 MB/s
        }

        Assert.True(received == length,
            $"got {received} of {length} bytes in {clock.Elapsed.TotalSeconds:F1} s ({ended}): the server dropped a reader that kept reading");
        Assert.True(clock.Elapsed > TimeSpan.FromSeconds(3), $"the transfer took only {clock.Elapsed.TotalSeconds:F1} s: the reader was not slow");
    }
}
