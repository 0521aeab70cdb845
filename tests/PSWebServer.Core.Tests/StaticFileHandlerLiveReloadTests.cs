using System;
using System.IO;
using System.IO.Compression;
using System.Linq;
using System.Text;
using System.Threading.Tasks;
using PSWebServer.Http;
using PSWebServer.LiveReload;
using PSWebServer.StaticFiles;
using PSWebServer.Tests.Support;
using Xunit;

namespace PSWebServer.Tests;

/// <summary>
/// The injected page as a representation of its own: for navigations only, with its length, an ETag distinct from
/// the plain page's that changes with the file, compressed forms of the injected bytes (never a sidecar of the plain
/// file), validators and ranges of that form, and a Vary that names what decides it. Without live reload, nothing.
/// </summary>
public sealed class StaticFileHandlerLiveReloadTests : IDisposable
{
    private const string Page = "<!doctype html><html><head><title>t</title></head><body><h1>page</h1></body></html>";
    private static readonly string Tag = Encoding.ASCII.GetString(LiveReloadPaths.ScriptTag);
    private static readonly string[] Navigation = { "Sec-Fetch-Dest: document", "Sec-Fetch-Mode: navigate", "Accept: text/html,*/*;q=0.8" };
    private static readonly string[] Fetch = { "Sec-Fetch-Dest: empty", "Sec-Fetch-Mode: cors", "Accept: */*" };

    private readonly TempFolder _site = new();

    public StaticFileHandlerLiveReloadTests()
    {
        _site.File("index.html", Page);
        _site.File("big.html", "<html><body>" + new string('x', 300 * 1024) + "</body></html>");
        _site.File("long.html", "<html><body>" + Lines(4000) + "</body></html>");
        _site.File("a b.html", Page);
    }

    public void Dispose() => _site.Dispose();

    private static string Lines(int length)
    {
        var text = new StringBuilder();
        for (int i = 0; text.Length < length; i++) text.Append("<p>line ").Append(i).Append(" of the page</p>\n");
        return text.ToString();
    }

    private StaticFileHandler Handler(bool liveReload = true, bool browse = false, string? fallback = null) =>
        new(_site.Path, new StaticServerOptions { Root = _site.Path, LiveReload = liveReload, Browse = browse, Fallback = fallback });

    private static async Task<TestResponse> GetAsync(StaticFileHandler handler, string path, string[] headers, params string[] more)
    {
        var text = new StringBuilder("GET " + path + " HTTP/1.1\r\nHost: t\r\n");
        foreach (string line in headers.Concat(more)) text.Append(line).Append("\r\n");
        ParsedRequest request = ParsedRequest.Parse(text.Append("\r\n").ToString());
        Assert.Equal(ParseStatus.Complete, request.Status);
        var (wire, _) = await HandlerOutput.RunAsync(handler, request);
        int position = 0;
        var reader = new HttpResponseReader((memory, _) =>
        {
            int n = Math.Min(memory.Length, wire.Length - position);
            wire.AsSpan(position, n).CopyTo(memory.Span);
            position += n;
            return new ValueTask<int>(n);
        });
        return await reader.ReadAsync();
    }

    private static string[] Vary(TestResponse response) =>
        (response.Header("Vary") ?? "").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);

    private static string Gunzip(byte[] body)
    {
        using var input = new GZipStream(new MemoryStream(body), CompressionMode.Decompress);
        using var text = new StreamReader(input, Encoding.UTF8);
        return text.ReadToEnd();
    }

    [Fact]
    public async Task Navigation_GetsTheScript_WithItsOwnLengthAndETag_FetchGetsThePlainPage()
    {
        StaticFileHandler handler = Handler();
        TestResponse page = await GetAsync(handler, "/index.html", Navigation);
        TestResponse fragment = await GetAsync(handler, "/index.html", Fetch);

        Assert.Equal(Page.Replace("</body>", Tag + "</body>"), page.BodyText);
        Assert.Equal((Page.Length + Tag.Length).ToString(), page.Header("Content-Length"));
        Assert.Equal(Page, fragment.BodyText);
        Assert.Equal(Page.Length.ToString(), fragment.Header("Content-Length"));
        Assert.NotEqual(fragment.Header("ETag"), page.Header("ETag"));
        Assert.EndsWith("-lr\"", page.Header("ETag"));
        foreach (TestResponse response in new[] { page, fragment })
        {
            Assert.Contains("Sec-Fetch-Dest", Vary(response));
            Assert.Contains("Sec-Fetch-Mode", Vary(response));
            Assert.Contains("Accept", Vary(response));
            Assert.Contains("Accept-Encoding", Vary(response));
        }
    }

    [Fact]
    public async Task InjectedETag_ChangesWhenTheFileDoes()
    {
        StaticFileHandler handler = Handler();
        string before = (await GetAsync(handler, "/index.html", Navigation)).Header("ETag")!;
        string path = Path.Combine(_site.Path, "index.html");
        File.WriteAllText(path, Page.Replace("page", "PAGE"));
        File.SetLastWriteTimeUtc(path, DateTime.UtcNow.AddSeconds(5));
        handler.ForgetCached(); // what live reload does when it sees the change

        TestResponse after = await GetAsync(handler, "/index.html", Navigation);

        Assert.NotEqual(before, after.Header("ETag"));
        Assert.EndsWith("-lr\"", after.Header("ETag"));
        Assert.Contains("PAGE", after.BodyText);
        Assert.Contains(Tag, after.BodyText);
    }

    [Fact]
    public async Task InjectedPage_IsCompressed_FromTheInjectedBytes_WithItsOwnETag_NotFromTheFilesSidecar()
    {
        string plain = File.ReadAllText(Path.Combine(_site.Path, "long.html"));
        using (var sidecar = new GZipStream(File.Create(Path.Combine(_site.Path, "long.html.gz")), CompressionLevel.Optimal))
        {
            sidecar.Write(Encoding.UTF8.GetBytes(plain));
        }
        StaticFileHandler handler = Handler();

        TestResponse page = await GetAsync(handler, "/long.html", Navigation, "Accept-Encoding: gzip");
        TestResponse fragment = await GetAsync(handler, "/long.html", Fetch, "Accept-Encoding: gzip");

        Assert.Equal("gzip", page.Header("Content-Encoding"));
        Assert.Equal(plain.Replace("</body>", Tag + "</body>"), Gunzip(page.Body));
        Assert.Equal(page.Body.Length.ToString(), page.Header("Content-Length"));
        Assert.EndsWith("-lr-gzip\"", page.Header("ETag"));
        Assert.Equal(plain, Gunzip(fragment.Body)); // the plain page still comes from its sidecar
        Assert.NotEqual(fragment.Header("ETag"), page.Header("ETag"));

        TestResponse brotli = await GetAsync(handler, "/long.html", Navigation, "Accept-Encoding: br");
        Assert.Equal("br", brotli.Header("Content-Encoding"));
        using var decoder = new BrotliStream(new MemoryStream(brotli.Body), CompressionMode.Decompress);
        Assert.Equal(plain.Replace("</body>", Tag + "</body>"), new StreamReader(decoder).ReadToEnd());
        Assert.EndsWith("-lr-br\"", brotli.Header("ETag"));
    }

    [Fact]
    public async Task ConditionalRequests_AndRanges_AreOfTheInjectedForm()
    {
        StaticFileHandler handler = Handler();
        TestResponse page = await GetAsync(handler, "/index.html", Navigation);
        TestResponse fragment = await GetAsync(handler, "/index.html", Fetch);
        int injectedLength = Page.Length + Tag.Length;

        Assert.Equal(304, (await GetAsync(handler, "/index.html", Navigation, "If-None-Match: " + page.Header("ETag"))).StatusCode);
        // The plain page's tag does not validate the injected one, and the other way round.
        Assert.Equal(200, (await GetAsync(handler, "/index.html", Navigation, "If-None-Match: " + fragment.Header("ETag"))).StatusCode);
        Assert.Equal(200, (await GetAsync(handler, "/index.html", Fetch, "If-None-Match: " + page.Header("ETag"))).StatusCode);

        TestResponse tail = await GetAsync(handler, "/index.html", Navigation, $"Range: bytes=-{Tag.Length + "</body></html>".Length}");
        Assert.Equal(206, tail.StatusCode);
        Assert.Equal($"bytes {injectedLength - Tag.Length - 14}-{injectedLength - 1}/{injectedLength}", tail.Header("Content-Range"));
        Assert.Equal(Tag + "</body></html>", tail.BodyText);

        TestResponse stale = await GetAsync(handler, "/index.html", Navigation, "Range: bytes=0-3", "If-Range: " + fragment.Header("ETag"));
        Assert.Equal(200, stale.StatusCode); // If-Range with the plain page's tag: the whole injected page
        Assert.Equal(injectedLength.ToString(), stale.Header("Content-Length"));
    }

    [Fact]
    public async Task PageNotKeptInTheCache_IsInjectedToo_ButOneLargerThanTheLimit_IsSentPlain()
    {
        StaticFileHandler handler = Handler();
        TestResponse escaped = await GetAsync(handler, "/a%20b.html", Navigation); // an escaped spelling is never cached
        TestResponse big = await GetAsync(handler, "/big.html", Navigation);

        Assert.Contains(Tag, escaped.BodyText);
        Assert.Equal((Page.Length + Tag.Length).ToString(), escaped.Header("Content-Length"));
        Assert.DoesNotContain(Tag, big.BodyText);
        Assert.Equal(200, big.StatusCode);
    }

    [Fact]
    public async Task MissingPage_AnsweredToANavigation_Listens_SoCreatingItReloads()
    {
        StaticFileHandler handler = Handler();
        TestResponse page = await GetAsync(handler, "/new.html", Navigation);
        TestResponse fetched = await GetAsync(handler, "/new.html", Fetch);

        Assert.Equal(404, page.StatusCode);
        Assert.Contains(Tag + "</body>", page.BodyText);
        Assert.Contains("Sec-Fetch-Dest", Vary(page));
        Assert.Equal(404, fetched.StatusCode);
        Assert.DoesNotContain(Tag, fetched.BodyText);

        _site.File("new.html", Page);
        handler.ForgetCached(); // the watcher's doing: the path known missing is forgotten at once
        Assert.Equal(200, (await GetAsync(handler, "/new.html", Navigation)).StatusCode);
    }

    [Fact]
    public async Task FolderListing_AndFallbackPage_AnsweredToNavigations_CarryTheScript()
    {
        _site.Folder("docs");
        StaticFileHandler handler = Handler(browse: true, fallback: Path.Combine(_site.Path, "index.html"));

        TestResponse listing = await GetAsync(handler, "/docs/", Navigation);
        TestResponse listingFetched = await GetAsync(handler, "/docs/", Fetch);
        TestResponse route = await GetAsync(handler, "/app/route", Navigation);

        Assert.Contains(Tag + "</body>", listing.BodyText);
        Assert.DoesNotContain(Tag, listingFetched.BodyText);
        Assert.Equal(200, route.StatusCode);
        Assert.Equal(Page.Replace("</body>", Tag + "</body>"), route.BodyText);
    }

    [Fact]
    public async Task WithoutLiveReload_NothingIsInjected_AndVaryIsAsBefore()
    {
        StaticFileHandler handler = Handler(liveReload: false);
        TestResponse page = await GetAsync(handler, "/index.html", Navigation);

        Assert.Equal(Page, page.BodyText);
        Assert.DoesNotContain("-lr", page.Header("ETag"));
        Assert.Equal(new[] { "Accept-Encoding" }, Vary(page));
    }

    [Fact]
    public async Task OnTheLoop_TheInjectedFormIsMadeOffIt_ThenAnsweredFromMemory()
    {
        StaticFileHandler handler = Handler();
        await GetAsync(handler, "/index.html", Fetch); // cached, plain form only

        ParsedRequest parsed = ParsedRequest.Parse("GET /index.html HTTP/1.1\r\nHost: t\r\nSec-Fetch-Dest: document\r\n\r\n");
        var request = new HttpRequest(parsed.Head) { Bytes = parsed.Bytes };
        using var response = new HttpResponse();
        Assert.False(handler.TryHandle(request, response)); // making it is work for a work thread
        Assert.Equal(0, response.StatusCode);
        await handler.HandleAsync(request, response, default);
        response.Reset();
        Assert.True(handler.TryHandle(request, response));
        Assert.Equal(Page.Length + Tag.Length, response.ContentLength);
    }
}
