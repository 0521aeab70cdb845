using System.Linq;
using System.Text;
using PSWebServer.Http;
using PSWebServer.StaticFiles;
using PSWebServer.Tests.Support;
using Xunit;

namespace PSWebServer.Tests;

/// <summary>Where live reload's tag goes into a page, and which requests are page navigations.</summary>
public sealed class ScriptInjectionTests
{
    private const string Tag = "<script src=\"/x.js\"></script>";

    private static string Inject(string page) => Encoding.UTF8.GetString(ScriptInjection.Inject(Encoding.UTF8.GetBytes(page), Encoding.ASCII.GetBytes(Tag))!);

    [Theory]
    [InlineData("<html><body><p>a</p></body></html>", "<html><body><p>a</p>" + Tag + "</body></html>")]
    [InlineData("<HTML><BODY>a</BODY></HTML>", "<HTML><BODY>a" + Tag + "</BODY></HTML>")]
    [InlineData("<html><body>a</Body ></html>", "<html><body>a" + Tag + "</Body ></html>")]
    [InlineData("<p>no body</p></html>\n", "<p>no body</p>" + Tag + "</html>\n")]
    [InlineData("<p>fragment, no html either</p>", "<p>fragment, no html either</p>" + Tag)]
    [InlineData("", Tag)]
    [InlineData("<body><pre>&lt;/body&gt;</pre><script>var s='</body>';</script></body>", "<body><pre>&lt;/body&gt;</pre><script>var s='</body>';</script>" + Tag + "</body>")]
    [InlineData("<body>a</bodyx><p>b</p>", "<body>a</bodyx><p>b</p>" + Tag)]
    public void Tag_GoesBeforeTheLastClosingBody_ElseHtml_ElseAtTheEnd(string page, string expected)
    {
        Assert.Equal(expected, Inject(page));
    }

    [Fact]
    public void Utf8ByteOrderMark_IsKept_AndTheTagStillFindsBody()
    {
        byte[] page = Encoding.UTF8.GetPreamble().Concat(Encoding.UTF8.GetBytes("<body>é</body>")).ToArray();
        byte[] injected = ScriptInjection.Inject(page, Encoding.ASCII.GetBytes(Tag))!;
        Assert.Equal(new byte[] { 0xEF, 0xBB, 0xBF }, injected[..3]);
        Assert.Equal("<body>é" + Tag + "</body>", Encoding.UTF8.GetString(injected, 3, injected.Length - 3));
        Assert.Equal(page.Length + Tag.Length, injected.Length);
    }

    [Fact]
    public void Utf16Page_IsNotInjected()
    {
        byte[] page = Encoding.Unicode.GetPreamble().Concat(Encoding.Unicode.GetBytes("<body>a</body>")).ToArray();
        Assert.Null(ScriptInjection.Inject(page, Encoding.ASCII.GetBytes(Tag)));
    }

    [Theory]
    [InlineData(true, "Sec-Fetch-Dest: document", "Sec-Fetch-Mode: navigate", "Accept: text/html,application/xhtml+xml,*/*;q=0.8")]
    [InlineData(false, "Sec-Fetch-Dest: empty", "Sec-Fetch-Mode: cors", "Accept: */*")]
    [InlineData(false, "Sec-Fetch-Dest: empty", "Sec-Fetch-Mode: same-origin", "Accept: text/html")] // fetch() asking for HTML
    [InlineData(false, "Sec-Fetch-Dest: iframe", "Sec-Fetch-Mode: navigate", "Accept: text/html")] // the page around it reloads
    [InlineData(true, "Sec-Fetch-Mode: navigate")]
    [InlineData(false, "Sec-Fetch-Mode: no-cors", "Accept: text/html")]
    [InlineData(true, "Accept: text/html,application/xhtml+xml")] // no Fetch Metadata: Accept decides
    [InlineData(false, "Accept: */*")]
    [InlineData(false)]
    public void Navigation_IsTold_FromFetchAndXhr(bool navigation, params string[] headers)
    {
        ParsedRequest parsed = ParsedRequest.Get(headers);
        var request = new HttpRequest(parsed.Head) { Bytes = parsed.Bytes };
        Assert.Equal(navigation, ScriptInjection.IsNavigation(request));
    }
}
