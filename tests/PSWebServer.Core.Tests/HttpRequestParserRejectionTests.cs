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
        };
    }

    private static object[] Row(string raw, RequestRejectionReason reason, int status) => new object[] { raw, reason.ToString(), status };

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
