using System;
using System.Text;
using PSWebServer.Http;
using PSWebServer.Tests.Support;
using Xunit;

namespace PSWebServer.Tests;

/// <summary>Every header field line is kept in the parsed head, in order, and can be looked up by name.</summary>
public sealed class HttpRequestParserFieldTests
{
    private const string Mixed =
        "GET /f HTTP/1.1\r\nHost: h\r\nAuthorization: Bearer abc.def\r\nCookie: a=1; b=2\r\nUpgrade: websocket\r\n" +
        "X-Request-Id:  42 \t\r\nRange: bytes=0-1\r\ncookie: c=3\r\nEmpty:\r\n\r\n";

    [Fact]
    public void EveryField_IsKeptInOrder_WithItsNameAsSent_AndItsValueTrimmed()
    {
        ParsedRequest p = ParsedRequest.Parse(Mixed);

        Assert.Equal(ParseStatus.Complete, p.Status);
        string[] expected =
        {
            "Host=h", "Authorization=Bearer abc.def", "Cookie=a=1; b=2", "Upgrade=websocket", "X-Request-Id=42",
            "Range=bytes=0-1", "cookie=c=3", "Empty=",
        };
        Assert.Equal(expected.Length, p.Head.HeaderCount);
        Assert.Equal(expected.Length, p.Head.Fields.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.Equal(expected[i], p.Text(p.Head[i].Name) + "=" + p.Text(p.Head[i].Value));
            Assert.Equal(p.Head[i].Name.Start, p.Head.Fields[i].Name.Start);
            Assert.Equal(p.Head[i].Value.Start, p.Head.Fields[i].Value.Start);
        }
        Assert.True(p.Head[7].Value.IsPresent); // an empty value is still a field
        Assert.Equal(0, p.Head[7].Value.Length);
    }

    [Theory]
    [InlineData("Authorization", "Bearer abc.def")]
    [InlineData("authorization", "Bearer abc.def")]
    [InlineData("UPGRADE", "websocket")]
    [InlineData("x-request-id", "42")]
    [InlineData("COOKIE", "a=1; b=2")] // the first of two lines
    [InlineData("empty", "")]
    [InlineData("Host", "h")]
    public void TryGetHeader_IgnoresCase_AndReturnsTheFirstMatch(string name, string value)
    {
        ParsedRequest p = ParsedRequest.Parse(Mixed);

        Assert.True(p.Head.TryGetHeader(p.Bytes, Encoding.ASCII.GetBytes(name), out HeaderSegment found));
        Assert.Equal(value, p.Text(found));
    }

    [Theory]
    [InlineData("X-Request")]
    [InlineData("X-Request-Id2")]
    [InlineData("Cookies")]
    [InlineData("Accept")]
    [InlineData("")]
    public void TryGetHeader_ForANameNotSent_IsFalseAndAbsent(string name)
    {
        ParsedRequest p = ParsedRequest.Parse(Mixed);

        Assert.False(p.Head.TryGetHeader(p.Bytes, Encoding.ASCII.GetBytes(name), out HeaderSegment found));
        Assert.False(found.IsPresent);
    }

    [Fact]
    public void FastFields_AgreeWithTheStoredFields()
    {
        ParsedRequest p = ParsedRequest.Parse(Mixed);

        Assert.True(p.Head.TryGetHeader(p.Bytes, "range"u8, out HeaderSegment range));
        Assert.Equal(p.Head.Range.Start, range.Start);
        Assert.Equal(p.Head.Range.Length, range.Length);
        Assert.True(p.Head.TryGetHeader(p.Bytes, "host"u8, out HeaderSegment host));
        Assert.Equal(p.Head.Host.Start, host.Start);
    }

    [Fact]
    public void ManyXHeaders_UpToTheCountLimit_AreAllKept()
    {
        var limits = new ServerLimits();
        var text = new StringBuilder("GET / HTTP/1.1\r\nHost: h\r\n");
        for (int i = 1; i < limits.MaxHeaderCount; i++) text.Append("X-Custom-").Append(i).Append(": value ").Append(i).Append("\r\n");
        ParsedRequest p = ParsedRequest.Parse(text.Append("\r\n").ToString(), limits);

        Assert.Equal(ParseStatus.Complete, p.Status);
        Assert.Equal(limits.MaxHeaderCount, p.Head.HeaderCount);
        for (int i = 1; i < limits.MaxHeaderCount; i++)
        {
            Assert.Equal("X-Custom-" + i, p.Text(p.Head[i].Name));
            Assert.True(p.Head.TryGetHeader(p.Bytes, Encoding.ASCII.GetBytes("x-custom-" + i), out HeaderSegment value));
            Assert.Equal("value " + i, p.Text(value));
        }
    }

    [Fact]
    public void FieldStorage_IsSizedToTheCountLimit_AndOneMoreLineIsRefused()
    {
        var limits = new ServerLimits { MaxHeaderCount = 3 };
        ParsedRequest ok = ParsedRequest.Parse("GET / HTTP/1.1\r\nHost: h\r\nX-A: 1\r\nX-B: 2\r\n\r\n", limits);
        ParsedRequest over = ParsedRequest.Parse("GET / HTTP/1.1\r\nHost: h\r\nX-A: 1\r\nX-B: 2\r\nX-C: 3\r\n\r\n", limits);

        Assert.Equal(ParseStatus.Complete, ok.Status);
        Assert.Equal(3, ok.Head.HeaderCount);
        Assert.Equal(3, ok.Head.FieldCapacity);
        Assert.Equal("2", ok.Text(ok.Head[2].Value));
        Assert.Equal(RequestRejectionReason.TooManyHeaders, over.Reason);
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(8)]
    [InlineData(100)]
    public void Indexer_OutsideTheFieldsSent_Throws(int index)
    {
        ParsedRequest p = ParsedRequest.Parse(Mixed);

        Assert.Throws<ArgumentOutOfRangeException>(() => p.Head[index]);
    }

    [Fact]
    public void ReusedHead_ForgetsThePreviousRequestsFields()
    {
        var parser = new HttpRequestParser(new ServerLimits());
        var head = new HttpRequestHead();
        byte[] first = Encoding.ASCII.GetBytes(Mixed);
        byte[] second = Encoding.ASCII.GetBytes("GET /2 HTTP/1.1\r\nHost: second\r\n\r\n");

        var cursor = default(HttpRequestParser.Cursor);
        Assert.Equal(ParseStatus.Complete, parser.TryParse(first, ref cursor, head, out _, out _));
        cursor = default;
        Assert.Equal(ParseStatus.Complete, parser.TryParse(second, ref cursor, head, out _, out _));

        Assert.Equal(1, head.HeaderCount);
        Assert.Equal(1, head.Fields.Length);
        Assert.False(head.TryGetHeader(second, "Cookie"u8, out _));
        Assert.True(head.TryGetHeader(second, "HOST"u8, out HeaderSegment host));
        Assert.Equal("second", Encoding.ASCII.GetString(host.Of(second)));
    }

    [Fact]
    public void NewHead_AllocatesSmallStorage_AtTheFirstRequest_AndGrowsOnlyForHeadsThatNeedIt()
    {
        var limits = new ServerLimits();
        var parser = new HttpRequestParser(limits);
        var head = new HttpRequestHead();
        Assert.Equal(0, head.FieldCapacity);
        Assert.Equal(0, head.Fields.Length);

        var cursor = default(HttpRequestParser.Cursor);
        parser.TryParse(Encoding.ASCII.GetBytes(Mixed), ref cursor, head, out _, out _);
        Assert.Equal(HttpRequestHead.InitialFieldCapacity, head.FieldCapacity);

        var many = new StringBuilder("GET / HTTP/1.1\r\nHost: t\r\n");
        for (int i = 0; i < 40; i++) many.Append("X-").Append(i).Append(": v\r\n");
        cursor = default;
        Assert.Equal(ParseStatus.Complete, parser.TryParse(Encoding.ASCII.GetBytes(many.Append("\r\n").ToString()), ref cursor, head, out _, out _));
        Assert.Equal(41, head.HeaderCount);
        Assert.InRange(head.FieldCapacity, 41, limits.MaxHeaderCount);
        Assert.Equal("39", Encoding.ASCII.GetString(head.Fields[40].Name.Of(Encoding.ASCII.GetBytes(many.ToString())).Slice(2)));

        var preallocated = new HttpRequestHead(limits.MaxHeaderCount * 2);
        cursor = default;
        parser.TryParse(Encoding.ASCII.GetBytes(Mixed), ref cursor, preallocated, out _, out _);
        Assert.Equal(limits.MaxHeaderCount * 2, preallocated.FieldCapacity); // never shrunk or replaced
    }

    [Fact]
    public void ParsingAndLookingUp_AfterTheFirstRequest_AllocatesNothing()
    {
        var limits = new ServerLimits();
        var parser = new HttpRequestParser(limits);
        var head = new HttpRequestHead();
        var text = new StringBuilder(Mixed.Substring(0, Mixed.Length - 2));
        for (int i = 0; i < 40; i++) text.Append("X-").Append(i).Append(": v\r\n");
        text.Append("Transfer-Encoding: gzip, chunked\r\n\r\n");
        byte[] bytes = Encoding.ASCII.GetBytes(text.ToString());

        ParseStatus status = ParseStatus.Incomplete;
        long before = 0;
        for (int round = 0; round < 2; round++) // the first round warms up (storage, JIT); the second is measured
        {
            before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < 100; i++)
            {
                var cursor = default(HttpRequestParser.Cursor);
                status = parser.TryParse(bytes, ref cursor, head, out _, out _);
                head.TryGetHeader(bytes, "x-39"u8, out _);
                head.TryGetHeader(bytes, "Authorization"u8, out _);
            }
        }
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(ParseStatus.Complete, status);
        Assert.Equal(0, allocated);
    }
}
