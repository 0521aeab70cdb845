using System.Text;
using PSWebServer.Http;
using PSWebServer.Tests.Support;
using Xunit;

namespace PSWebServer.Tests;

public sealed class HttpRequestParserValidRequestTests
{
    [Fact]
    public void Get_IsParsedWithMethodTargetVersionAndHost()
    {
        const string raw = "GET /index.html HTTP/1.1\r\nHost: example.com\r\nUser-Agent: curl/8\r\n\r\n";
        ParsedRequest p = ParsedRequest.Parse(raw);

        Assert.Equal(ParseStatus.Complete, p.Status);
        Assert.Equal(raw.Length, p.Consumed);
        Assert.Equal(HttpMethod.Get, p.Head.Method);
        Assert.Equal("GET", p.Text(p.Head.MethodText));
        Assert.Equal("/index.html", p.Text(p.Head.Target));
        Assert.Equal("/index.html", p.Text(p.Head.Path));
        Assert.Equal(HttpVersion.Http11, p.Head.Version);
        Assert.Equal("example.com", p.Text(p.Head.Host));
        Assert.Equal("curl/8", p.Text(p.Head.UserAgent));
        Assert.Equal(-1, p.Head.ContentLength);
        Assert.True(p.Head.KeepAlive);
        Assert.Equal(2, p.Head.HeaderCount);
    }

    [Theory]
    [InlineData("HEAD", HttpMethodName.Head)]
    [InlineData("OPTIONS", HttpMethodName.Options)]
    [InlineData("GET", HttpMethodName.Get)]
    [InlineData("POST", HttpMethodName.Other)]
    [InlineData("DELETE", HttpMethodName.Other)]
    [InlineData("get", HttpMethodName.Other)]
    public void Method_IsRecognisedCaseSensitively(string method, HttpMethodName expected)
    {
        ParsedRequest p = ParsedRequest.Parse(method + " /a HTTP/1.1\r\nHost: h\r\n\r\n");

        Assert.Equal(ParseStatus.Complete, p.Status);
        Assert.Equal((int)expected, (int)p.Head.Method);
        Assert.Equal(method, p.Text(p.Head.MethodText));
    }

    /// <summary>Mirror of the internal HttpMethod so theory rows can name it.</summary>
    public enum HttpMethodName
    {
        Other = 0,
        Get,
        Head,
        Options,
    }

    [Fact]
    public void OptionsAsterisk_IsAccepted()
    {
        ParsedRequest p = ParsedRequest.Parse("OPTIONS * HTTP/1.1\r\nHost: h\r\n\r\n");

        Assert.Equal(ParseStatus.Complete, p.Status);
        Assert.Equal(HttpMethod.Options, p.Head.Method);
        Assert.Equal("*", p.Text(p.Head.Target));
    }

    [Theory]
    [InlineData("/a/b?x=1&y=2", "/a/b")]
    [InlineData("/?", "/")]
    [InlineData("/a??b", "/a")]
    [InlineData("/%2e%2e/x?y=/z", "/%2e%2e/x")]
    public void Query_IsSplitFromPathButKeptInTarget(string target, string path)
    {
        ParsedRequest p = ParsedRequest.Parse("GET " + target + " HTTP/1.1\r\nHost: h\r\n\r\n");

        Assert.Equal(ParseStatus.Complete, p.Status);
        Assert.Equal(target, p.Text(p.Head.Target));
        Assert.Equal(path, p.Text(p.Head.Path));
    }

    [Theory]
    [InlineData("http://example.com/a/b?q=1", "/a/b")]
    [InlineData("http://example.com:8080/", "/")]
    [InlineData("https://example.com/x", "/x")]
    [InlineData("http://example.com", "")]
    [InlineData("http://example.com?q", "")]
    public void AbsoluteForm_PathIsTheAuthoritysPath(string target, string path)
    {
        ParsedRequest p = ParsedRequest.Parse("GET " + target + " HTTP/1.1\r\nHost: example.com\r\n\r\n");

        Assert.Equal(ParseStatus.Complete, p.Status);
        Assert.Equal(target, p.Text(p.Head.Target));
        Assert.Equal(path, p.Text(p.Head.Path));
    }

    [Fact]
    public void LfOnlyLines_AreAccepted()
    {
        const string raw = "GET /lf HTTP/1.1\nHost: lf.example\nAccept: */*\n\n";
        ParsedRequest p = ParsedRequest.Parse(raw);

        Assert.Equal(ParseStatus.Complete, p.Status);
        Assert.Equal(raw.Length, p.Consumed);
        Assert.Equal("/lf", p.Text(p.Head.Path));
        Assert.Equal("lf.example", p.Text(p.Head.Host));
        Assert.Equal("*/*", p.Text(p.Head.Accept));
    }

    [Fact]
    public void MixedLineEndings_AreAccepted()
    {
        const string raw = "GET /m HTTP/1.1\r\nHost: m\nAccept: x\r\n\n";
        ParsedRequest p = ParsedRequest.Parse(raw);

        Assert.Equal(ParseStatus.Complete, p.Status);
        Assert.Equal(raw.Length, p.Consumed);
        Assert.Equal("m", p.Text(p.Head.Host));
        Assert.Equal("x", p.Text(p.Head.Accept));
    }

    [Theory]
    [InlineData("\r\n")]
    [InlineData("\n")]
    [InlineData("\r\n\r\n")]
    [InlineData("\r\n\n\r\n")]
    public void LeadingEmptyLines_AreSkippedAndConsumed(string prefix)
    {
        string raw = prefix + "GET /after-empty HTTP/1.1\r\nHost: h\r\n\r\n";
        ParsedRequest p = ParsedRequest.Parse(raw);

        Assert.Equal(ParseStatus.Complete, p.Status);
        Assert.Equal(raw.Length, p.Consumed);
        Assert.Equal("GET", p.Text(p.Head.MethodText));
        Assert.Equal("/after-empty", p.Text(p.Head.Path));
    }

    [Fact]
    public void HeaderNames_AreCaseInsensitive_AndValuesTrimmed()
    {
        ParsedRequest p = ParsedRequest.Parse("GET / HTTP/1.1\r\nhOsT: \t spaced.example \t\r\nIF-NONE-MATCH:\"abc\"\r\nrange:bytes=0-1\r\n\r\n");

        Assert.Equal(ParseStatus.Complete, p.Status);
        Assert.Equal("spaced.example", p.Text(p.Head.Host));
        Assert.Equal("\"abc\"", p.Text(p.Head.IfNoneMatch));
        Assert.Equal("bytes=0-1", p.Text(p.Head.Range));
    }

    [Fact]
    public void KnownHeaders_AreAllCaptured()
    {
        ParsedRequest p = ParsedRequest.Parse(
            "GET / HTTP/1.1\r\nHost: h\r\nReferer: http://r/\r\nIf-Modified-Since: Sun, 06 Nov 1994 08:49:37 GMT\r\n" +
            "If-Match: \"m\"\r\nIf-Unmodified-Since: Sun, 06 Nov 1994 08:49:37 GMT\r\nIf-Range: \"r\"\r\n" +
            "Accept-Encoding: gzip\r\nOrigin: http://o\r\nX-Unknown: ignored\r\nEmpty:\r\n\r\n");

        Assert.Equal(ParseStatus.Complete, p.Status);
        Assert.Equal("http://r/", p.Text(p.Head.Referer));
        Assert.Equal("Sun, 06 Nov 1994 08:49:37 GMT", p.Text(p.Head.IfModifiedSince));
        Assert.Equal("\"m\"", p.Text(p.Head.IfMatch));
        Assert.Equal("Sun, 06 Nov 1994 08:49:37 GMT", p.Text(p.Head.IfUnmodifiedSince));
        Assert.Equal("\"r\"", p.Text(p.Head.IfRange));
        Assert.Equal("gzip", p.Text(p.Head.AcceptEncoding));
        Assert.Equal("http://o", p.Text(p.Head.Origin));
        Assert.Equal(10, p.Head.HeaderCount);
        Assert.False(p.Head.TransferEncoding.IsPresent);
    }

    [Theory]
    [InlineData("HTTP/1.1", "", true)]
    [InlineData("HTTP/1.1", "Connection: close\r\n", false)]
    [InlineData("HTTP/1.1", "Connection: Upgrade, CLOSE\r\n", false)]
    [InlineData("HTTP/1.1", "Connection: keep-alive\r\n", true)]
    [InlineData("HTTP/1.0", "", false)]
    [InlineData("HTTP/1.0", "Connection: keep-alive\r\n", true)]
    [InlineData("HTTP/1.0", "Connection: Keep-Alive, Upgrade\r\n", true)]
    [InlineData("HTTP/1.0", "Connection: keep-alive, close\r\n", false)]
    public void KeepAlive_FollowsVersionAndConnectionHeader(string version, string connection, bool keepAlive)
    {
        ParsedRequest p = ParsedRequest.Parse("GET / " + version + "\r\nHost: h\r\n" + connection + "\r\n");

        Assert.Equal(ParseStatus.Complete, p.Status);
        Assert.Equal(keepAlive, p.Head.KeepAlive);
    }

    [Fact]
    public void Http10_WithoutHost_IsAccepted()
    {
        ParsedRequest p = ParsedRequest.Parse("GET /old HTTP/1.0\r\n\r\n");

        Assert.Equal(ParseStatus.Complete, p.Status);
        Assert.Equal(HttpVersion.Http10, p.Head.Version);
        Assert.False(p.Head.Host.IsPresent);
    }

    [Theory]
    [InlineData("Content-Length: 0\r\n", 0)]
    [InlineData("Content-Length: 5\r\n", 5)]
    [InlineData("Content-Length: 12\r\nContent-Length: 12\r\n", 12)]
    [InlineData("content-length:   7  \r\n", 7)]
    public void ContentLength_IsParsed(string header, long expected)
    {
        ParsedRequest p = ParsedRequest.Parse("GET / HTTP/1.1\r\nHost: h\r\n" + header + "\r\n");

        Assert.Equal(ParseStatus.Complete, p.Status);
        Assert.Equal(expected, p.Head.ContentLength);
    }

    [Theory]
    [InlineData("h")]
    [InlineData("example.com")]
    [InlineData("Example.COM:8080")]
    [InlineData("h:")]
    [InlineData("h:0")]
    [InlineData("h:65535")]
    [InlineData("127.0.0.1")]
    [InlineData("127.0.0.1:80")]
    [InlineData("999.1.1.1")]
    [InlineData("xn--caf-dma.example")]
    [InlineData("under_score.example")]
    [InlineData("a%20b")]
    [InlineData("a-b.c~d!$&'()*+;=")]
    [InlineData("[::1]")]
    [InlineData("[::1]:8080")]
    [InlineData("[::]")]
    [InlineData("[1::]")]
    [InlineData("[2001:DB8::1]")]
    [InlineData("[1:2:3:4:5:6:7:8]")]
    [InlineData("[1:2:3:4:5:6:7::]")]
    [InlineData("[::ffff:192.0.2.1]")]
    [InlineData("[1:2:3:4:5:6:1.2.3.4]")]
    [InlineData("[v1.fe:80]")]
    public void Host_InEveryFormOfHostAndPort_IsAccepted(string host)
    {
        ParsedRequest p = ParsedRequest.Parse("GET / HTTP/1.1\r\nHost: " + host + "\r\n\r\n");

        Assert.True(p.Status == ParseStatus.Complete, $"{host}: {p.Status} ({p.Reason})");
        Assert.Equal(host, p.Text(p.Head.Host));
    }

    [Theory]
    [InlineData("http://[::1]:8080/a", "/a")]
    [InlineData("http://127.0.0.1/b?q", "/b")]
    [InlineData("svn+ssh.x-1://h/c", "/c")]
    [InlineData("http://h:/d", "/d")]
    public void AbsoluteForm_WithEveryFormOfAuthority_IsAccepted(string target, string path)
    {
        ParsedRequest p = ParsedRequest.Parse("GET " + target + " HTTP/1.1\r\nHost: h\r\n\r\n");

        Assert.True(p.Status == ParseStatus.Complete, $"{target}: {p.Status} ({p.Reason})");
        Assert.Equal(path, p.Text(p.Head.Path));
    }

    [Theory]
    [InlineData("chunked")]
    [InlineData("CHUNKED")]
    [InlineData("gzip, chunked")]
    [InlineData("x-gzip,deflate,compress , x-compress ,chunked")]
    [InlineData(", gzip ,, chunked ,")]
    [InlineData("gzip;level=9 ; note=\"a, b\\\" c\", chunked")]
    [InlineData("gzip\r\nTransfer-Encoding: chunked")]
    public void TransferEncoding_EndingInChunked_IsAccepted_AndMarksABody(string codings)
    {
        ParsedRequest p = ParsedRequest.Parse("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: " + codings + "\r\n\r\n");

        Assert.True(p.Status == ParseStatus.Complete, $"{codings}: {p.Status} ({p.Reason})");
        Assert.True(p.Head.TransferEncoding.IsPresent);
        Assert.True(p.Head.HasBody);
        Assert.Equal(-1, p.Head.ContentLength);
    }

    [Fact]
    public void TransferEncoding_OnTwoLines_FastFieldIsTheLastLine()
    {
        ParsedRequest p = ParsedRequest.Parse("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n");

        Assert.Equal(ParseStatus.Complete, p.Status);
        Assert.Equal("chunked", p.Text(p.Head.TransferEncoding));
    }

    [Fact]
    public void TwoPipelinedRequests_InOneBuffer_ParseOneAfterTheOther()
    {
        const string first = "GET /first HTTP/1.1\r\nHost: a\r\n\r\n";
        const string second = "HEAD /second?x HTTP/1.1\r\nHost: b\r\nConnection: close\r\n\r\n";
        byte[] buffer = Encoding.ASCII.GetBytes(first + second);
        var parser = new HttpRequestParser(new ServerLimits());
        var head = new HttpRequestHead();

        var cursor = default(HttpRequestParser.Cursor);
        Assert.Equal(ParseStatus.Complete, parser.TryParse(buffer, ref cursor, head, out int consumed, out _));
        Assert.Equal(first.Length, consumed);
        Assert.Equal("/first", Encoding.ASCII.GetString(head.Path.Of(buffer)));
        Assert.Equal("a", Encoding.ASCII.GetString(head.Host.Of(buffer)));
        Assert.True(head.KeepAlive);

        byte[] rest = buffer[consumed..];
        cursor = default;
        Assert.Equal(ParseStatus.Complete, parser.TryParse(rest, ref cursor, head, out int consumed2, out _));
        Assert.Equal(second.Length, consumed2);
        Assert.Equal(HttpMethod.Head, head.Method);
        Assert.Equal("/second", Encoding.ASCII.GetString(head.Path.Of(rest)));
        Assert.Equal("b", Encoding.ASCII.GetString(head.Host.Of(rest)));
        Assert.False(head.KeepAlive);
    }

    [Fact]
    public void Head_ReusedForASecondRequest_ForgetsTheFirstsHeaders()
    {
        var parser = new HttpRequestParser(new ServerLimits());
        var head = new HttpRequestHead();
        byte[] a = Encoding.ASCII.GetBytes("GET /a HTTP/1.1\r\nHost: a\r\nRange: bytes=1-2\r\nContent-Length: 3\r\n\r\n");
        byte[] b = Encoding.ASCII.GetBytes("GET /b HTTP/1.1\r\nHost: b\r\n\r\n");

        var cursor = default(HttpRequestParser.Cursor);
        Assert.Equal(ParseStatus.Complete, parser.TryParse(a, ref cursor, head, out _, out _));
        cursor = default;
        Assert.Equal(ParseStatus.Complete, parser.TryParse(b, ref cursor, head, out _, out _));

        Assert.False(head.Range.IsPresent);
        Assert.Equal(-1, head.ContentLength);
        Assert.Equal(1, head.HeaderCount);
    }

    [Fact]
    public void RequestLine_ExactlyAtTheLimit_IsAccepted()
    {
        var limits = new ServerLimits();
        string line = RequestLineOfLength(limits.MaxRequestLineBytes);
        ParsedRequest p = ParsedRequest.Parse(line + "\r\nHost: h\r\n\r\n", limits);

        Assert.Equal(ParseStatus.Complete, p.Status);
    }

    [Fact]
    public void HeaderSection_ExactlyAtTheLimit_IsAccepted()
    {
        var limits = new ServerLimits();
        ParsedRequest p = ParsedRequest.Parse("GET / HTTP/1.1\r\n" + FieldLinesOfLength(limits.MaxHeaderBytes) + "\r\n", limits);

        Assert.Equal(ParseStatus.Complete, p.Status);
    }

    [Fact]
    public void HeaderCount_ExactlyAtTheLimit_IsAccepted()
    {
        var limits = new ServerLimits();
        var text = new StringBuilder("GET / HTTP/1.1\r\nHost: h\r\n");
        for (int i = 1; i < limits.MaxHeaderCount; i++) text.Append("X-").Append(i).Append(": v\r\n");
        ParsedRequest p = ParsedRequest.Parse(text.Append("\r\n").ToString(), limits);

        Assert.Equal(ParseStatus.Complete, p.Status);
        Assert.Equal(limits.MaxHeaderCount, p.Head.HeaderCount);
    }

    /// <summary>"GET /aaa… HTTP/1.1" of exactly <paramref name="length"/> bytes.</summary>
    internal static string RequestLineOfLength(int length) => "GET /" + new string('a', length - "GET / HTTP/1.1".Length) + " HTTP/1.1";

    /// <summary>Field lines (Host first), CRLFs included, of exactly <paramref name="length"/> bytes.</summary>
    internal static string FieldLinesOfLength(int length)
    {
        const string host = "Host: h\r\n";
        return host + "X: " + new string('v', length - host.Length - "X: \r\n".Length) + "\r\n";
    }
}
