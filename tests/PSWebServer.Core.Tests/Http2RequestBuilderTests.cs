using System;
using System.Text;
using PSWebServer.Http;
using PSWebServer.Http2;
using Xunit;

namespace PSWebServer.Tests;

/// <summary>
/// The request builder driven directly, one decoded field at a time, as <see cref="HpackDecoder"/> would call it:
/// RFC 9113 §8.2 and §8.3 (what makes a request malformed), and the HTTP/1-shaped head it leaves for the handlers.
/// </summary>
public sealed class Http2RequestBuilderTests
{
    private static readonly (string, string)[] Get = { (":method", "GET"), (":scheme", "https"), (":authority", "example.test"), (":path", "/a/b.txt?x=1&y") };

    private readonly Http2RequestBuilder _builder = new(maxFields: 100);
    private readonly Http2Stream _stream = new() { Id = 1 };

    private bool Build(params (string Name, string Value)[] fields) => Build(_builder, _stream, trailers: false, fields);

    private static bool Build(Http2RequestBuilder builder, Http2Stream stream, bool trailers, params (string Name, string Value)[] fields)
    {
        builder.Begin(stream, trailers);
        foreach ((string name, string value) in fields) builder.OnHeader(Encoding.Latin1.GetBytes(name), Encoding.Latin1.GetBytes(value));
        return builder.Complete();
    }

    private static (string, string)[] With(params (string, string)[] more)
    {
        var all = new (string, string)[Get.Length + more.Length];
        Get.CopyTo(all, 0);
        more.CopyTo(all, Get.Length);
        return all;
    }

    private string Text(HeaderSegment segment) => segment.IsPresent ? Encoding.Latin1.GetString(segment.Of(_stream.HeadSpan)) : "<absent>";

    private void AssertMalformed(params (string, string)[] fields)
    {
        Assert.False(Build(fields), "accepted as well formed");
        Assert.NotNull(_builder.Malformed);
    }

    private void AssertWellFormed(params (string, string)[] fields)
    {
        Assert.True(Build(fields), "malformed: " + _builder.Malformed);
        Assert.Null(_builder.Malformed);
    }

    [Fact]
    public void AGet_BecomesAnHttp1ShapedHead_HostFirstFromAuthority()
    {
        AssertWellFormed(With(("user-agent", "xunit"), ("accept-encoding", "gzip, br")));

        HttpRequestHead head = _stream.Head;
        Assert.Equal(0, _builder.RefusalStatus);
        Assert.Equal(HttpMethod.Get, head.Method);
        Assert.Equal(HttpVersion.Http2, head.Version);
        Assert.True(head.KeepAlive);
        Assert.Equal("GET", Text(head.MethodText));
        Assert.Equal("/a/b.txt?x=1&y", Text(head.Target));
        Assert.Equal("/a/b.txt", Text(head.Path));
        Assert.Equal("example.test", Text(head.Host));
        Assert.Equal("xunit", Text(head.UserAgent));
        Assert.Equal("gzip, br", Text(head.AcceptEncoding));
        Assert.Equal(3, head.HeaderCount);
        Assert.Equal("host", Text(head.Fields[0].Name));
        Assert.Equal("example.test", Text(head.Fields[0].Value));
        Assert.Equal("host: example.test\r\nuser-agent: xunit\r\naccept-encoding: gzip, br",
            Encoding.Latin1.GetString(head.FieldSection(_stream.HeadSpan)));
        Assert.Equal(-1, head.ContentLength); // none sent
        Assert.False(head.HasBody);
    }

    [Fact]
    public void AuthorityAlone_WithNoRegularField_IsStillTheHostLine()
    {
        AssertWellFormed(Get);

        Assert.Equal(1, _stream.Head.HeaderCount);
        Assert.Equal("example.test", Text(_stream.Head.Host));
        Assert.Equal("host: example.test", Encoding.Latin1.GetString(_stream.Head.FieldSection(_stream.HeadSpan)));
    }

    [Fact]
    public void APathWithoutQuery_IsBothPathAndTarget()
    {
        AssertWellFormed((":method", "HEAD"), (":scheme", "http"), (":authority", "h"), (":path", "/x/"));

        Assert.Equal(HttpMethod.Head, _stream.Head.Method);
        Assert.Equal("/x/", Text(_stream.Head.Path));
        Assert.Equal("/x/", Text(_stream.Head.Target));
    }

    [Fact]
    public void HostWithoutAuthority_StandsInForIt()
    {
        AssertWellFormed((":method", "GET"), (":scheme", "http"), (":path", "/"), ("host", "h.test:8080"));

        Assert.Equal("h.test:8080", Text(_stream.Head.Host));
        Assert.Equal(1, _stream.Head.HeaderCount);
    }

    [Fact]
    public void HostEqualToAuthority_IsOneHostLine()
    {
        AssertWellFormed(With(("host", "example.test")));

        Assert.Equal(1, _stream.Head.HeaderCount);
        Assert.Equal(1, _stream.Head.HostCount);
    }

    [Fact]
    public void HostDifferingFromAuthority_IsMalformed() => AssertMalformed(With(("host", "other.test")));

    [Theory]
    [InlineData(":method")]
    [InlineData(":scheme")]
    [InlineData(":path")]
    public void AMissingPseudoHeader_IsMalformed(string missing) =>
        AssertMalformed(Array.FindAll(Get, f => f.Item1 != missing));

    [Theory]
    [InlineData(":method", "GET")]
    [InlineData(":scheme", "https")]
    [InlineData(":authority", "example.test")]
    [InlineData(":path", "/a")]
    public void ARepeatedPseudoHeader_IsMalformed(string name, string value) => AssertMalformed(With((name, value)));

    [Theory]
    [InlineData(":foo")]
    [InlineData(":status")] // a response pseudo-header in a request (§8.3.1)
    [InlineData(":protocol")] // RFC 8441 is not enabled (we send no SETTINGS_ENABLE_CONNECT_PROTOCOL)
    public void AnUnknownOrResponsePseudoHeader_IsMalformed(string name)
    {
        (string, string)[] fields = { (":method", "GET"), (name, "200"), (":scheme", "https"), (":path", "/") };
        AssertMalformed(fields);
    }

    [Fact]
    public void APseudoHeaderAfterARegularField_IsMalformed() =>
        AssertMalformed((":method", "GET"), (":scheme", "https"), ("accept", "*/*"), (":path", "/"));

    [Theory]
    [InlineData("Accept")]
    [InlineData("user-Agent")]
    [InlineData("X-FOO")]
    public void AnUppercaseFieldName_IsMalformed(string name) => AssertMalformed(With((name, "v")));

    [Theory]
    [InlineData("bad name")]
    [InlineData("bad:name")]
    [InlineData("b\u00e9")]
    [InlineData("")]
    public void AFieldNameThatIsNotAToken_IsMalformed(string name) => AssertMalformed(With((name, "v")));

    [Theory]
    [InlineData("connection", "keep-alive")]
    [InlineData("keep-alive", "timeout=5")]
    [InlineData("proxy-connection", "keep-alive")]
    [InlineData("transfer-encoding", "chunked")]
    [InlineData("upgrade", "h2c")]
    public void AConnectionSpecificField_IsMalformed(string name, string value) => AssertMalformed(With((name, value)));

    [Theory]
    [InlineData("gzip")]
    [InlineData("trailers, gzip")]
    [InlineData("")]
    public void TeOtherThanTrailers_IsMalformed(string value) => AssertMalformed(With(("te", value)));

    [Fact]
    public void TeTrailers_IsAllowed() => AssertWellFormed(With(("te", "trailers")));

    [Theory]
    [InlineData("a\rb")]
    [InlineData("a\nb")]
    [InlineData("a\0b")]
    [InlineData(" leading")]
    [InlineData("trailing ")]
    [InlineData("\tleading-tab")]
    [InlineData("trailing-tab\t")]
    public void AValueWithCrLfNulOrSurroundingWhitespace_IsMalformed(string value) => AssertMalformed(With(("x-test", value)));

    [Theory]
    [InlineData(":path", "/a\r\nb")]
    [InlineData(":authority", " example.test")]
    [InlineData(":method", "GET ")]
    public void APseudoHeaderValueWithCrLfOrWhitespace_IsMalformed(string name, string value)
    {
        (string, string)[] fields = Array.ConvertAll(Get, f => f.Item1 == name ? (name, value) : f);
        AssertMalformed(fields);
    }

    [Fact]
    public void InnerSpacesInAValue_AreFine() => AssertWellFormed(With(("x-test", "a b\tc")));

    [Fact]
    public void AnEmptyPath_IsMalformed()
    {
        (string, string)[] fields = Array.ConvertAll(Get, f => f.Item1 == ":path" ? (":path", "") : f);
        AssertMalformed(fields);
    }

    [Fact]
    public void AnEmptyMethod_IsMalformed()
    {
        (string, string)[] fields = Array.ConvertAll(Get, f => f.Item1 == ":method" ? (":method", "") : f);
        AssertMalformed(fields);
    }

    [Fact]
    public void AsteriskWithOptions_IsWellFormedAndNotRefused()
    {
        AssertWellFormed((":method", "OPTIONS"), (":scheme", "https"), (":authority", "h"), (":path", "*"));

        Assert.Equal(0, _builder.RefusalStatus);
        Assert.Equal(HttpMethod.Options, _stream.Head.Method);
        Assert.Equal("*", Text(_stream.Head.Path));
    }

    [Theory]
    [InlineData("GET")]
    [InlineData("HEAD")]
    public void AsteriskWithAnotherMethod_IsRefusedWith400(string method)
    {
        Assert.True(Build((":method", method), (":scheme", "https"), (":authority", "h"), (":path", "*")));

        Assert.Equal(400, _builder.RefusalStatus);
    }

    [Theory]
    [InlineData("a/b")]
    [InlineData("http://h/a")]
    [InlineData("/a b")]
    [InlineData("/a#frag")]
    public void APathThatIsNotOriginForm_IsRefusedWith400(string path)
    {
        (string, string)[] fields = Array.ConvertAll(Get, f => f.Item1 == ":path" ? (":path", path) : f);

        Assert.True(Build(fields), "malformed: " + _builder.Malformed);
        Assert.Equal(400, _builder.RefusalStatus);
    }

    [Fact]
    public void Connect_WithAuthorityOnly_IsRefusedWith501()
    {
        Assert.True(Build((":method", "CONNECT"), (":authority", "example.test:443")), "malformed: " + _builder.Malformed);

        Assert.Equal(501, _builder.RefusalStatus);
        Assert.Equal("example.test:443", Text(_stream.Head.Target));
    }

    [Theory]
    [InlineData(":path")]
    [InlineData(":scheme")]
    public void Connect_WithPathOrScheme_IsMalformed(string extra) =>
        AssertMalformed((":method", "CONNECT"), (":authority", "example.test:443"), (extra, extra == ":path" ? "/" : "https"));

    [Fact]
    public void Connect_WithoutAuthority_IsMalformed() => AssertMalformed((":method", "CONNECT"));

    [Fact]
    public void MoreFieldsThanTheLimit_AreRefusedWith431()
    {
        var builder = new Http2RequestBuilder(maxFields: 4);
        var stream = new Http2Stream { Id = 3 };
        // host (from :authority) + 3 = 4 fields: fine; one more is over.
        Assert.True(Build(builder, stream, false, With(("a", "1"), ("b", "2"), ("c", "3"))));
        Assert.Equal(0, builder.RefusalStatus);

        Assert.True(Build(builder, stream, false, With(("a", "1"), ("b", "2"), ("c", "3"), ("d", "4"))), "malformed: " + builder.Malformed);
        Assert.Equal(431, builder.RefusalStatus);
    }

    [Fact]
    public void SplitCookieFields_AreJoinedIntoOneCookieLine_AfterTheOtherFields()
    {
        // §8.2.3: clients may split Cookie into one field per crumb; the server joins them with "; " for HTTP/1.1 semantics.
        AssertWellFormed(With(("cookie", "a=1"), ("user-agent", "x"), ("cookie", "b=2"), ("cookie", ""), ("cookie", "c=3")));

        Assert.Equal(3, _stream.Head.HeaderCount);
        Assert.Equal("host: example.test\r\nuser-agent: x\r\ncookie: a=1; b=2; c=3",
            Encoding.Latin1.GetString(_stream.Head.FieldSection(_stream.HeadSpan)));

        // the builder is the connection's: the next block starts with no cookie
        AssertWellFormed(With(("user-agent", "y")));
        Assert.Equal("host: example.test\r\nuser-agent: y", Encoding.Latin1.GetString(_stream.Head.FieldSection(_stream.HeadSpan)));
    }

    [Fact]
    public void JoinedCookies_CountAsOneFieldAgainstTheLimit()
    {
        var builder = new Http2RequestBuilder(maxFields: 4);
        var stream = new Http2Stream { Id = 5 };
        // host + a + b + one joined cookie = 4: fine
        Assert.True(Build(builder, stream, false, With(("a", "1"), ("cookie", "x=1"), ("b", "2"), ("cookie", "y=2"))));
        Assert.Equal(0, builder.RefusalStatus);
        // host + a + b + c, and the cookie is a fifth
        Assert.True(Build(builder, stream, false, With(("a", "1"), ("b", "2"), ("c", "3"), ("cookie", "x=1"))));
        Assert.Equal(431, builder.RefusalStatus);
    }

    [Fact]
    public void ContentLength_IsParsedIntoTheHead()
    {
        AssertWellFormed((":method", "POST"), (":scheme", "https"), (":authority", "h"), (":path", "/upload"), ("content-length", "12345"));

        Assert.Equal(HttpMethod.Other, _stream.Head.Method);
        Assert.Equal("POST", Text(_stream.Head.MethodText));
        Assert.Equal(12345, _stream.Head.ContentLength);
        Assert.True(_stream.Head.HasBody);
    }

    [Theory]
    [InlineData("abc")]
    [InlineData("-1")]
    [InlineData("1 2")]
    [InlineData("99999999999999999999999")]
    public void ABadContentLength_IsMalformed(string value) =>
        AssertMalformed((":method", "POST"), (":scheme", "https"), (":authority", "h"), (":path", "/"), ("content-length", value));

    [Fact]
    public void TwoDifferentContentLengths_AreMalformed() =>
        AssertMalformed((":method", "POST"), (":scheme", "https"), (":authority", "h"), (":path", "/"), ("content-length", "1"), ("content-length", "2"));

    [Fact]
    public void Trailers_AreCheckedAndDropped_TheHeadIsKept()
    {
        AssertWellFormed(With(("content-length", "3")));
        int fields = _stream.Head.HeaderCount;
        int bytes = _stream.HeadLength;

        Assert.True(Build(_builder, _stream, trailers: true, ("x-checksum", "abc"), ("x-other", "1")), "malformed: " + _builder.Malformed);

        Assert.Equal(fields, _stream.Head.HeaderCount);
        Assert.Equal(bytes, _stream.HeadLength);
        Assert.Equal("/a/b.txt", Text(_stream.Head.Path));
        Assert.Equal(3, _stream.Head.ContentLength);
    }

    [Theory]
    [InlineData(":path")]
    [InlineData(":method")]
    [InlineData(":status")]
    public void APseudoHeaderInTrailers_IsMalformed(string name)
    {
        AssertWellFormed(Get);

        Assert.False(Build(_builder, _stream, trailers: true, ("x-checksum", "abc"), (name, "x")));
        Assert.NotNull(_builder.Malformed);
    }

    [Theory]
    [InlineData("Uppercase", "v")]
    [InlineData("connection", "close")]
    [InlineData("x-test", "bad\r\nvalue")]
    public void ABadTrailerField_IsMalformed(string name, string value)
    {
        AssertWellFormed(Get);

        Assert.False(Build(_builder, _stream, trailers: true, (name, value)));
    }

    [Fact]
    public void TheBuilderIsReusable_AMalformedBlockLeavesNothingForTheNext()
    {
        AssertMalformed((":method", "GET"), ("Bad", "x"));
        var next = new Http2Stream { Id = 5 };

        Assert.True(Build(_builder, next, false, Get), "malformed: " + _builder.Malformed);

        Assert.Null(_builder.Malformed);
        Assert.Equal(0, _builder.RefusalStatus);
        Assert.Equal("/a/b.txt", Encoding.Latin1.GetString(next.Head.Path.Of(next.HeadSpan)));
        Assert.Equal(1, next.Head.HeaderCount);
    }

    [Fact]
    public void AReusedStream_StartsFromAnEmptyHead()
    {
        AssertWellFormed(With(("content-length", "5"), ("range", "bytes=0-1")));
        _stream.Recycle();
        _stream.Id = 7;

        AssertWellFormed(Get);

        Assert.Equal(-1, _stream.Head.ContentLength);
        Assert.False(_stream.Head.Range.IsPresent);
        Assert.Equal(1, _stream.Head.HeaderCount);
    }

    [Fact]
    public void ManyLargeFields_GrowTheStreamsBufferAndStayIntact()
    {
        var fields = new (string, string)[Get.Length + 40];
        Get.CopyTo(fields, 0);
        for (int i = 0; i < 40; i++) fields[Get.Length + i] = ("x-field-" + i, new string((char)('a' + i % 26), 300));

        AssertWellFormed(fields);

        Assert.Equal(41, _stream.Head.HeaderCount);
        Assert.Equal("example.test", Text(_stream.Head.Host));
        for (int i = 0; i < 40; i++)
        {
            Assert.True(_stream.Head.TryGetHeader(_stream.HeadSpan, Encoding.ASCII.GetBytes("x-field-" + i), out HeaderSegment value));
            Assert.Equal(new string((char)('a' + i % 26), 300), Text(value));
        }
        Assert.Equal("/a/b.txt", Text(_stream.Head.Path));
    }
}
