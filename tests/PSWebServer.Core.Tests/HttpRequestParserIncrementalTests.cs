using System;
using System.Collections.Generic;
using System.Text;
using PSWebServer.Http;
using Xunit;

namespace PSWebServer.Tests;

public sealed class HttpRequestParserIncrementalTests
{
    public static IEnumerable<object[]> ValidRequests() => new[]
    {
        new object[] { "GET / HTTP/1.1\r\nHost: h\r\n\r\n" },
        new object[] { "GET /a/b.txt?x=1 HTTP/1.1\r\nHost: example.com\r\nUser-Agent: t\r\nAccept: */*\r\nConnection: close\r\n\r\n" },
        new object[] { "HEAD /x HTTP/1.0\r\n\r\n" },
        new object[] { "OPTIONS * HTTP/1.1\r\nHost: h\r\n\r\n" },
        new object[] { "GET http://example.com/abs HTTP/1.1\r\nHost: example.com\r\n\r\n" },
        new object[] { "GET /lf HTTP/1.1\nHost: h\nX: y\n\n" },
        new object[] { "\r\n\r\nGET /lead HTTP/1.1\r\nHost: h\r\n\r\n" },
        new object[] { "\n\nGET /lead-lf HTTP/1.1\nHost: h\n\n" },
        new object[] { "GET /cl HTTP/1.1\r\nHost: h\r\nContent-Length: 10\r\nEmpty:\r\n\r\n" },
        new object[] { "POST /te HTTP/1.1\r\nHost: [::1]:8080\r\nTransfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n" },
        new object[] { "GET /x HTTP/1.1\r\nHost: h\r\nAuthorization: Basic YTpi\r\nCookie: a=1\r\nUpgrade: websocket\r\nX-A: 1\r\nX-B: 2\r\nx-a: 3\r\n\r\n" },
    };

    [Theory]
    [MemberData(nameof(ValidRequests))]
    public void EveryProperPrefix_IsIncomplete_AndTheWholeIsComplete(string raw)
    {
        byte[] bytes = Encoding.ASCII.GetBytes(raw);
        var parser = new HttpRequestParser(new ServerLimits());
        var head = new HttpRequestHead();

        for (int length = 0; length < bytes.Length; length++)
        {
            var cursor = default(HttpRequestParser.Cursor);
            ParseStatus status = parser.TryParse(bytes.AsSpan(0, length), ref cursor, head, out int consumed, out RequestRejectionReason reason);
            Assert.True(status == ParseStatus.Incomplete, $"prefix of {length} bytes gave {status} ({reason})");
            Assert.Equal(0, consumed);
            Assert.Equal(RequestRejectionReason.None, reason);
        }

        var fresh = default(HttpRequestParser.Cursor);
        Assert.Equal(ParseStatus.Complete, parser.TryParse(bytes, ref fresh, head, out int all, out _));
        Assert.Equal(bytes.Length, all);
    }

    [Theory]
    [MemberData(nameof(ValidRequests))]
    public void FedByteByByte_WithOneCursor_CompletesOnTheLastByte(string raw)
    {
        byte[] bytes = Encoding.ASCII.GetBytes(raw);
        var parser = new HttpRequestParser(new ServerLimits());
        var head = new HttpRequestHead();
        var cursor = default(HttpRequestParser.Cursor);

        for (int length = 1; length < bytes.Length; length++)
        {
            ParseStatus status = parser.TryParse(bytes.AsSpan(0, length), ref cursor, head, out _, out RequestRejectionReason reason);
            Assert.True(status == ParseStatus.Incomplete, $"after {length} bytes: {status} ({reason})");
        }
        Assert.Equal(ParseStatus.Complete, parser.TryParse(bytes, ref cursor, head, out int consumed, out _));
        Assert.Equal(bytes.Length, consumed);

        // The head is the same as when parsed in one go.
        var whole = new HttpRequestHead();
        var other = default(HttpRequestParser.Cursor);
        parser.TryParse(bytes, ref other, whole, out _, out _);
        Assert.Equal(whole.Target.Start, head.Target.Start);
        Assert.Equal(whole.Target.Length, head.Target.Length);
        Assert.Equal(whole.Host.Start, head.Host.Start);
        Assert.Equal(whole.HeaderCount, head.HeaderCount);
        Assert.Equal(whole.KeepAlive, head.KeepAlive);
        for (int i = 0; i < whole.HeaderCount; i++)
        {
            Assert.Equal(whole[i].Name.Start, head[i].Name.Start);
            Assert.Equal(whole[i].Name.Length, head[i].Name.Length);
            Assert.Equal(whole[i].Value.Start, head[i].Value.Start);
            Assert.Equal(whole[i].Value.Length, head[i].Value.Length);
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void FedInRandomChunks_WithOneCursor_CompletesExactlyAtTheEnd(int seed)
    {
        var random = new Random(seed);
        foreach (object[] row in ValidRequests())
        {
            byte[] bytes = Encoding.ASCII.GetBytes((string)row[0]);
            var parser = new HttpRequestParser(new ServerLimits());
            var head = new HttpRequestHead();
            var cursor = default(HttpRequestParser.Cursor);
            int length = 0;
            ParseStatus status = ParseStatus.Incomplete;
            int consumed = 0;
            while (length < bytes.Length)
            {
                length = Math.Min(bytes.Length, length + random.Next(1, 8));
                status = parser.TryParse(bytes.AsSpan(0, length), ref cursor, head, out consumed, out _);
                if (length < bytes.Length) Assert.Equal(ParseStatus.Incomplete, status);
            }
            Assert.Equal(ParseStatus.Complete, status);
            Assert.Equal(bytes.Length, consumed);
        }
    }

    [Fact]
    public void FirstRequestComplete_WhileSecondIsStillArriving_ConsumesOnlyTheFirst()
    {
        const string first = "GET /one HTTP/1.1\r\nHost: h\r\n\r\n";
        const string second = "GET /two HTTP/1.1\r\nHo";
        byte[] bytes = Encoding.ASCII.GetBytes(first + second);
        var parser = new HttpRequestParser(new ServerLimits());
        var head = new HttpRequestHead();

        var cursor = default(HttpRequestParser.Cursor);
        Assert.Equal(ParseStatus.Complete, parser.TryParse(bytes, ref cursor, head, out int consumed, out _));
        Assert.Equal(first.Length, consumed);

        cursor = default;
        Assert.Equal(ParseStatus.Incomplete, parser.TryParse(bytes.AsSpan(consumed), ref cursor, head, out _, out _));
    }

    [Fact]
    public void LongRequestLineWithoutNewline_IsRejectedBeforeItEnds()
    {
        // A client that never sends a newline must not make the server buffer without bound.
        var limits = new ServerLimits();
        byte[] bytes = Encoding.ASCII.GetBytes("GET /" + new string('a', limits.MaxRequestLineBytes + 10));
        var parser = new HttpRequestParser(limits);
        var cursor = default(HttpRequestParser.Cursor);

        Assert.Equal(ParseStatus.Rejected, parser.TryParse(bytes, ref cursor, new HttpRequestHead(), out _, out RequestRejectionReason reason));
        Assert.Equal(RequestRejectionReason.RequestLineTooLong, reason);
    }

    [Fact]
    public void EndlessHeaderWithoutEnd_IsRejectedBeforeItEnds()
    {
        var limits = new ServerLimits();
        byte[] bytes = Encoding.ASCII.GetBytes("GET / HTTP/1.1\r\nHost: h\r\nX: " + new string('v', limits.MaxHeaderBytes + 10));
        var parser = new HttpRequestParser(limits);
        var cursor = default(HttpRequestParser.Cursor);

        Assert.Equal(ParseStatus.Rejected, parser.TryParse(bytes, ref cursor, new HttpRequestHead(), out _, out RequestRejectionReason reason));
        Assert.Equal(RequestRejectionReason.HeadersTooLarge, reason);
    }

    [Fact]
    public void MaxHeadBytes_CoversTheLargestAcceptedHead()
    {
        var limits = new ServerLimits();
        var parser = new HttpRequestParser(limits);
        string head = HttpRequestParserValidRequestTests.RequestLineOfLength(limits.MaxRequestLineBytes) + "\r\n"
            + HttpRequestParserValidRequestTests.FieldLinesOfLength(limits.MaxHeaderBytes) + "\r\n";
        var cursor = default(HttpRequestParser.Cursor);

        Assert.Equal(ParseStatus.Complete, parser.TryParse(Encoding.ASCII.GetBytes(head), ref cursor, new HttpRequestHead(), out int consumed, out _));
        Assert.True(consumed <= parser.MaxHeadBytes, $"{consumed} > {parser.MaxHeadBytes}");
    }
}
