using System;
using System.Collections.Generic;
using System.Text;
using PSWebServer.Http;
using PSWebServer.Tests.Support;
using Xunit;

namespace PSWebServer.Tests;

public sealed class HttpRequestParserRejectionTests
{
    private static readonly ServerLimits Limits = new();

    public static IEnumerable<object[]> Rejections()
    {
        string longLine = "GET /" + new string('a', Limits.MaxRequestLineBytes) + " HTTP/1.1";
        var many = new StringBuilder("GET / HTTP/1.1\r\nHost: h\r\n");
        for (int i = 0; i < Limits.MaxHeaderCount; i++) many.Append("X-").Append(i).Append(": v\r\n");

        return new[]
        {
            // 414
            Row(longLine + "\r\nHost: h\r\n\r\n", RequestRejectionReason.RequestLineTooLong, 414),
            Row(HttpRequestParserValidRequestTests.RequestLineOfLength(Limits.MaxRequestLineBytes + 1) + "\r\nHost: h\r\n\r\n", RequestRejectionReason.RequestLineTooLong, 414),
            // 431
            Row("GET / HTTP/1.1\r\nHost: h\r\nX: " + new string('v', Limits.MaxHeaderBytes) + "\r\n\r\n", RequestRejectionReason.HeadersTooLarge, 431),
            Row("GET / HTTP/1.1\r\n" + HttpRequestParserValidRequestTests.FieldLinesOfLength(Limits.MaxHeaderBytes + 1) + "\r\n", RequestRejectionReason.HeadersTooLarge, 431),
            Row(many.Append("\r\n").ToString(), RequestRejectionReason.TooManyHeaders, 431),
            // 400: request line
            Row("GET\r\nHost: h\r\n\r\n", RequestRejectionReason.InvalidRequestLine, 400),
            Row("GET /\r\n\r\n", RequestRejectionReason.InvalidRequestLine, 400),
            Row(" GET / HTTP/1.1\r\nHost: h\r\n\r\n", RequestRejectionReason.InvalidRequestLine, 400),
            Row("G(T / HTTP/1.1\r\nHost: h\r\n\r\n", RequestRejectionReason.InvalidRequestLine, 400),
            Row("GET / HTTP/1\r\nHost: h\r\n\r\n", RequestRejectionReason.InvalidRequestLine, 400),
            Row("GET / http/1.1\r\nHost: h\r\n\r\n", RequestRejectionReason.InvalidRequestLine, 400),
            Row("GET / HTTP/1.1x\r\nHost: h\r\n\r\n", RequestRejectionReason.InvalidRequestLine, 400),
            Row("GET / HTTP/1.1 \r\nHost: h\r\n\r\n", RequestRejectionReason.InvalidRequestLine, 400),
            Row(string.Concat(System.Linq.Enumerable.Repeat("\r\n", 9)) + "GET / HTTP/1.1\r\nHost: h\r\n\r\n", RequestRejectionReason.InvalidRequestLine, 400),
            // 400: request target
            Row("GET a.txt HTTP/1.1\r\nHost: h\r\n\r\n", RequestRejectionReason.InvalidRequestTarget, 400),
            Row("GET * HTTP/1.1\r\nHost: h\r\n\r\n", RequestRejectionReason.InvalidRequestTarget, 400),
            Row("GET /a b HTTP/1.1\r\nHost: h\r\n\r\n", RequestRejectionReason.InvalidRequestTarget, 400),
            Row("GET /a\u0001b HTTP/1.1\r\nHost: h\r\n\r\n", RequestRejectionReason.InvalidRequestTarget, 400),
            Row("GET /a\u007Fb HTTP/1.1\r\nHost: h\r\n\r\n", RequestRejectionReason.InvalidRequestTarget, 400),
            Row("GET /caf\u00e9 HTTP/1.1\r\nHost: h\r\n\r\n", RequestRejectionReason.InvalidRequestTarget, 400),
            Row("GET /a\tb HTTP/1.1\r\nHost: h\r\n\r\n", RequestRejectionReason.InvalidRequestTarget, 400),
            // 400: header fields
            Row("GET / HTTP/1.1\r\nHost : h\r\n\r\n", RequestRejectionReason.InvalidHeader, 400),
            Row("GET / HTTP/1.1\r\nHost\t: h\r\n\r\n", RequestRejectionReason.InvalidHeader, 400),
            Row("GET / HTTP/1.1\r\nHost: h\r\nX-Folded: a\r\n b\r\n\r\n", RequestRejectionReason.InvalidHeader, 400),
            Row("GET / HTTP/1.1\r\nHost: h\r\nX-Folded: a\r\n\tb\r\n\r\n", RequestRejectionReason.InvalidHeader, 400),
            Row("GET / HTTP/1.1\r\nHost: h\r\nNoColon\r\n\r\n", RequestRejectionReason.InvalidHeader, 400),
            Row("GET / HTTP/1.1\r\nHost: h\r\n: empty-name\r\n\r\n", RequestRejectionReason.InvalidHeader, 400),
            Row("GET / HTTP/1.1\r\nHost: h\r\nX: a\0b\r\n\r\n", RequestRejectionReason.InvalidHeader, 400),
            Row("GET / HTTP/1.1\r\nHost: h\r\nX: a\rb\r\n\r\n", RequestRejectionReason.InvalidHeader, 400),
            Row("GET / HTTP/1.1\r\nHost: h\r\nX: a\u007Fb\r\n\r\n", RequestRejectionReason.InvalidHeader, 400),
            Row("GET / HTTP/1.1\r\nHost: h\r\nX\0: a\r\n\r\n", RequestRejectionReason.InvalidHeader, 400),
            Row("GET / HTTP/1.1\r\nHo\"st: h\r\n\r\n", RequestRejectionReason.InvalidHeader, 400),
            // 400: host
            Row("GET / HTTP/1.1\r\n\r\n", RequestRejectionReason.MissingHost, 400),
            Row("GET / HTTP/1.1\r\nAccept: */*\r\n\r\n", RequestRejectionReason.MissingHost, 400),
            Row("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", RequestRejectionReason.MultipleHost, 400),
            Row("GET / HTTP/1.1\r\nHost: a\r\nhost: a\r\n\r\n", RequestRejectionReason.MultipleHost, 400),
            // 505
            Row("GET / HTTP/2.0\r\nHost: h\r\n\r\n", RequestRejectionReason.UnsupportedVersion, 505),
            Row("GET / HTTP/3.0\r\nHost: h\r\n\r\n", RequestRejectionReason.UnsupportedVersion, 505),
            Row("GET / HTTP/3.1\r\nHost: h\r\n\r\n", RequestRejectionReason.UnsupportedVersion, 505),
            Row("GET / HTTP/0.9\r\nHost: h\r\n\r\n", RequestRejectionReason.UnsupportedVersion, 505),
            // 400: framing
            Row("GET / HTTP/1.1\r\nHost: h\r\nContent-Length: abc\r\n\r\n", RequestRejectionReason.InvalidContentLength, 400),
            Row("GET / HTTP/1.1\r\nHost: h\r\nContent-Length: -1\r\n\r\n", RequestRejectionReason.InvalidContentLength, 400),
            Row("GET / HTTP/1.1\r\nHost: h\r\nContent-Length: +5\r\n\r\n", RequestRejectionReason.InvalidContentLength, 400),
            Row("GET / HTTP/1.1\r\nHost: h\r\nContent-Length:\r\n\r\n", RequestRejectionReason.InvalidContentLength, 400),
            Row("GET / HTTP/1.1\r\nHost: h\r\nContent-Length: 1 2\r\n\r\n", RequestRejectionReason.InvalidContentLength, 400),
            Row("GET / HTTP/1.1\r\nHost: h\r\nContent-Length: 9999999999999999999\r\n\r\n", RequestRejectionReason.InvalidContentLength, 400),
            Row("GET / HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n", RequestRejectionReason.InvalidContentLength, 400),
            Row("GET / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n", RequestRejectionReason.ConflictingFraming, 400),
            Row("GET / HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n", RequestRejectionReason.ConflictingFraming, 400),
            Row("GET / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip, chunked\r\nContent-Length: 5\r\n\r\n", RequestRejectionReason.ConflictingFraming, 400),
            // 400: request line without a version (the HTTP/0.9 shape), refused when the line ends
            Row("GET /\r\n", RequestRejectionReason.InvalidRequestLine, 400),
            Row("GET /\n", RequestRejectionReason.InvalidRequestLine, 400),
            Row("GET /index.html\r\n", RequestRejectionReason.InvalidRequestLine, 400),
            // 400: fragment in the target
            Row("GET /a#b HTTP/1.1\r\nHost: h\r\n\r\n", RequestRejectionReason.InvalidRequestTarget, 400),
            Row("GET /# HTTP/1.1\r\nHost: h\r\n\r\n", RequestRejectionReason.InvalidRequestTarget, 400),
            Row("GET /a?q=1#frag HTTP/1.1\r\nHost: h\r\n\r\n", RequestRejectionReason.InvalidRequestTarget, 400),
            Row("GET http://h/a#b HTTP/1.1\r\nHost: h\r\n\r\n", RequestRejectionReason.InvalidRequestTarget, 400),
            // 400: absolute-form authority that is not host[:port]
            Row("GET http://user@h/ HTTP/1.1\r\nHost: h\r\n\r\n", RequestRejectionReason.InvalidRequestTarget, 400),
            Row("GET http:///a HTTP/1.1\r\nHost: h\r\n\r\n", RequestRejectionReason.InvalidRequestTarget, 400),
            Row("GET http://h:99999/ HTTP/1.1\r\nHost: h\r\n\r\n", RequestRejectionReason.InvalidRequestTarget, 400),
            Row("GET 1http://h/ HTTP/1.1\r\nHost: h\r\n\r\n", RequestRejectionReason.InvalidRequestTarget, 400),
            Row("GET h:80 HTTP/1.1\r\nHost: h\r\n\r\n", RequestRejectionReason.InvalidRequestTarget, 400),
            Row("connect h:443 HTTP/1.1\r\nHost: h\r\n\r\n", RequestRejectionReason.InvalidRequestTarget, 400), // methods are case-sensitive
            // 400: Host that is not host[:port]
            HostRow("user@h"),
            HostRow("u:p@h:80"),
            HostRow("@h"),
            HostRow("h/"),
            HostRow("h/path"),
            HostRow("h?q"),
            HostRow("h#f"),
            HostRow(""),
            HostRow("   "),
            HostRow("a, b"),
            HostRow("a,b"),
            HostRow("a b"),
            HostRow(":80"),
            HostRow("h:abc"),
            HostRow("h:-1"),
            HostRow("h:+80"),
            HostRow("h:99999"),
            HostRow("h:65536"),
            HostRow("h:000080"),
            HostRow("h:80:80"),
            HostRow("h: 80"),
            HostRow("%zz"),
            HostRow("h%4"),
            HostRow("caf\u00e9"),
            HostRow("h\\x"),
            HostRow("[::1"),
            HostRow("::1"),
            HostRow("[]"),
            HostRow("[::1]x"),
            HostRow("[::1]:abc"),
            HostRow("[zz::1]"),
            HostRow("[1:2:3:4:5:6:7:8:9]"),
            HostRow("[1:2:3:4:5:6:7]"),
            HostRow("[1::2::3]"),
            HostRow("[12345::1]"),
            HostRow("[1:]"),
            HostRow("[:1]"),
            HostRow("[::1%25eth0]"),
            HostRow("[::256.0.0.1]"),
            HostRow("[::1.2.3]"),
            HostRow("[::01.2.3.4]"),
            HostRow("[1.2.3.4]"),
            HostRow("[v.x]"),
            HostRow("[v1.]"),
            HostRow("[vg.x]"),
            Row("GET / HTTP/1.0\r\nHost: user@h\r\n\r\n", RequestRejectionReason.InvalidHost, 400),
            // Framing, judged before the method: unknown coding 501, chunked not last / twice / on HTTP/1.0 400
            TeRow("foo", RequestRejectionReason.UnknownTransferCoding, 501),
            TeRow("identity", RequestRejectionReason.UnknownTransferCoding, 501),
            TeRow("foo, chunked", RequestRejectionReason.UnknownTransferCoding, 501),
            TeRow("gzip\r\nTransfer-Encoding: br, chunked", RequestRejectionReason.UnknownTransferCoding, 501),
            TeRow("chunked, gzip", RequestRejectionReason.InvalidTransferEncoding, 400),
            TeRow("chunked, foo", RequestRejectionReason.InvalidTransferEncoding, 400),
            TeRow("gzip", RequestRejectionReason.InvalidTransferEncoding, 400),
            TeRow("chunked, chunked", RequestRejectionReason.InvalidTransferEncoding, 400),
            TeRow("chunked\r\nTransfer-Encoding: chunked", RequestRejectionReason.InvalidTransferEncoding, 400),
            TeRow("chunked\r\nTransfer-Encoding: gzip", RequestRejectionReason.InvalidTransferEncoding, 400),
            TeRow("", RequestRejectionReason.InvalidTransferEncoding, 400),
            TeRow(" , ,", RequestRejectionReason.InvalidTransferEncoding, 400),
            TeRow("chunked x", RequestRejectionReason.InvalidTransferEncoding, 400),
            TeRow("\"chunked\"", RequestRejectionReason.InvalidTransferEncoding, 400),
            TeRow("chunked;", RequestRejectionReason.InvalidTransferEncoding, 400),
            TeRow("gzip;q, chunked", RequestRejectionReason.InvalidTransferEncoding, 400),
            TeRow("gzip;q=\"open, chunked", RequestRejectionReason.InvalidTransferEncoding, 400),
            Row("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: foo\r\n\r\n", RequestRejectionReason.UnknownTransferCoding, 501),
            Row("GET / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n", RequestRejectionReason.TransferEncodingOnHttp10, 400),
            Row("POST / HTTP/1.0\r\nHost: h\r\nTransfer-Encoding: foo\r\nContent-Length: 3\r\n\r\n", RequestRejectionReason.TransferEncodingOnHttp10, 400),
            Row("GET / HTTP/1.1\r\nTransfer-Encoding: chunked, gzip\r\n\r\n", RequestRejectionReason.InvalidTransferEncoding, 400), // before the missing Host
            // 501: CONNECT, after the framing has been judged
            Row("CONNECT h:443 HTTP/1.1\r\nHost: h:443\r\n\r\n", RequestRejectionReason.MethodNotImplemented, 501),
            Row("CONNECT [::1]:443 HTTP/1.1\r\nHost: [::1]:443\r\n\r\n", RequestRejectionReason.MethodNotImplemented, 501),
            Row("CONNECT / HTTP/1.0\r\n\r\n", RequestRejectionReason.MethodNotImplemented, 501),
            Row("CONNECT h:443 HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked, gzip\r\n\r\n", RequestRejectionReason.InvalidTransferEncoding, 400),
            Row("CONNECT h:443 HTTP/1.1\r\nHost: h\r\nContent-Length: x\r\n\r\n", RequestRejectionReason.InvalidContentLength, 400),
            Row("CONNECT h:443#f HTTP/1.1\r\nHost: h\r\n\r\n", RequestRejectionReason.InvalidRequestTarget, 400),
        };
    }

    private static object[] Row(string raw, RequestRejectionReason reason, int status) => new object[] { raw, reason.ToString(), status };

    private static object[] HostRow(string host) =>
        Row("GET / HTTP/1.1\r\nHost: " + host + "\r\nAccept: */*\r\n\r\n", RequestRejectionReason.InvalidHost, 400);

    private static object[] TeRow(string codings, RequestRejectionReason reason, int status) =>
        Row("POST /upload HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: " + codings + "\r\n\r\n", reason, status);

    [Theory]
    [MemberData(nameof(Rejections))]
    public void Rejected_WithReasonAndStatus(string raw, string expectedReason, int expectedStatus)
    {
        ParsedRequest p = ParsedRequest.Parse(raw);

        Assert.Equal(ParseStatus.Rejected, p.Status);
        Assert.Equal(expectedReason, p.Reason.ToString());
        Assert.Equal(expectedStatus, RequestRejections.StatusCode(p.Reason));
    }

    [Theory]
    [MemberData(nameof(Rejections))]
    public void Rejected_AlsoWhenFedByteByByte(string raw, string expectedReason, int expectedStatus)
    {
        byte[] bytes = Encoding.Latin1.GetBytes(raw);
        var parser = new HttpRequestParser(Limits);
        var head = new HttpRequestHead();
        var cursor = default(HttpRequestParser.Cursor);
        ParseStatus status = ParseStatus.Incomplete;
        RequestRejectionReason reason = RequestRejectionReason.None;
        for (int length = 1; length <= bytes.Length && status == ParseStatus.Incomplete; length++)
        {
            status = parser.TryParse(bytes.AsSpan(0, length), ref cursor, head, out _, out reason);
        }

        Assert.Equal(ParseStatus.Rejected, status);
        Assert.Equal(expectedReason, reason.ToString());
        Assert.Equal(expectedStatus, RequestRejections.StatusCode(reason));
    }

    [Theory]
    [InlineData("GET /\r\n", "InvalidRequestLine")]
    [InlineData("GET /\n", "InvalidRequestLine")]
    [InlineData("GET / HTTP/2.0\r\n", "UnsupportedVersion")]
    [InlineData("GET /a#b HTTP/1.1\r\n", "InvalidRequestTarget")]
    [InlineData("\r\nGET\r\n", "InvalidRequestLine")]
    public void BadRequestLine_IsRejectedWhenItsLineEnds_WithoutWaitingForHeaders(string line, string expected)
    {
        // The HTTP/0.9 shape: a client that sent "GET /" and a newline waits for an answer, not for our header timeout.
        byte[] bytes = Encoding.ASCII.GetBytes(line);
        var parser = new HttpRequestParser(Limits);
        var head = new HttpRequestHead();
        for (int length = 0; length < bytes.Length; length++)
        {
            var fresh = default(HttpRequestParser.Cursor);
            Assert.Equal(ParseStatus.Incomplete, parser.TryParse(bytes.AsSpan(0, length), ref fresh, head, out _, out _));
        }

        var cursor = default(HttpRequestParser.Cursor);
        Assert.Equal(ParseStatus.Rejected, parser.TryParse(bytes, ref cursor, head, out int consumed, out RequestRejectionReason reason));
        Assert.Equal(expected, reason.ToString());
        Assert.Equal(0, consumed);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void RandomHostsTargetsAndCodings_GetAnAnswer_NeverAnException(int seed)
    {
        // The host, IP-literal and coding scanners index by hand: throw the characters they branch on at them.
        const string alphabet = "[]:.%@,;=\"\\/?#vV0129aAfFgx -\t";
        var random = new Random(seed);
        var parser = new HttpRequestParser(Limits);
        var head = new HttpRequestHead();
        for (int i = 0; i < 3000; i++)
        {
            string piece = RandomText(random, alphabet);
            string raw = (i % 3) switch
            {
                0 => "GET / HTTP/1.1\r\nHost: " + piece + "\r\n\r\n",
                1 => "GET http://" + piece.Replace(" ", "").Replace("\t", "") + "/ HTTP/1.1\r\nHost: h\r\n\r\n",
                _ => "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: " + piece + "\r\n\r\n",
            };
            byte[] bytes = Encoding.ASCII.GetBytes(raw);
            var cursor = default(HttpRequestParser.Cursor);
            ParseStatus status = parser.TryParse(bytes, ref cursor, head, out int consumed, out RequestRejectionReason reason);

            Assert.True(status == ParseStatus.Complete ? consumed == bytes.Length && reason == RequestRejectionReason.None
                : status == ParseStatus.Rejected && reason != RequestRejectionReason.None, raw);
        }
    }

    private static string RandomText(Random random, string alphabet)
    {
        var text = new StringBuilder();
        int length = random.Next(0, 24);
        for (int i = 0; i < length; i++) text.Append(alphabet[random.Next(alphabet.Length)]);
        return text.ToString();
    }

    [Fact]
    public void RequestLineOneByteOverTheLimit_WithBareLf_IsRejectedToo()
    {
        // The limit is on the line without its terminator; a bare LF must not buy one extra byte.
        string line = HttpRequestParserValidRequestTests.RequestLineOfLength(Limits.MaxRequestLineBytes + 1);
        ParsedRequest p = ParsedRequest.Parse(line + "\nHost: h\n\n");

        Assert.Equal(ParseStatus.Rejected, p.Status);
        Assert.Equal(RequestRejectionReason.RequestLineTooLong, p.Reason);
    }

    [Fact]
    public void StatusCode_CoversEveryReason()
    {
        foreach (RequestRejectionReason reason in Enum.GetValues<RequestRejectionReason>())
        {
            if (reason == RequestRejectionReason.None) continue;
            int expected = reason switch
            {
                RequestRejectionReason.RequestLineTooLong => 414,
                RequestRejectionReason.HeadersTooLarge or RequestRejectionReason.TooManyHeaders => 431,
                RequestRejectionReason.UnsupportedVersion => 505,
                RequestRejectionReason.UnknownTransferCoding or RequestRejectionReason.MethodNotImplemented => 501,
                RequestRejectionReason.BodyTooLarge => 413,
                RequestRejectionReason.UnsupportedExpectation => 417,
                RequestRejectionReason.BodyTimeout => 408,
                _ => 400,
            };
            Assert.Equal(expected, RequestRejections.StatusCode(reason));
        }
    }

    [Fact]
    public void SmallerLimits_AreHonoured()
    {
        var limits = new ServerLimits { MaxRequestLineBytes = 64, MaxHeaderBytes = 256, MaxHeaderCount = 2 };

        Assert.Equal(RequestRejectionReason.RequestLineTooLong,
            ParsedRequest.Parse(HttpRequestParserValidRequestTests.RequestLineOfLength(65) + "\r\nHost: h\r\n\r\n", limits).Reason);
        Assert.Equal(ParseStatus.Complete,
            ParsedRequest.Parse(HttpRequestParserValidRequestTests.RequestLineOfLength(64) + "\r\nHost: h\r\n\r\n", limits).Status);
        Assert.Equal(RequestRejectionReason.TooManyHeaders,
            ParsedRequest.Parse("GET / HTTP/1.1\r\nHost: h\r\nA: 1\r\nB: 2\r\n\r\n", limits).Reason);
        Assert.Equal(RequestRejectionReason.HeadersTooLarge,
            ParsedRequest.Parse("GET / HTTP/1.1\r\nHost: h\r\nA: " + new string('x', 300) + "\r\n\r\n", limits).Reason);
    }
}
