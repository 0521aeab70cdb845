using System;
using System.Text;
using PSWebServer.Http;
using PSWebServer.Tests.Support;
using Xunit;

namespace PSWebServer.Tests;

/// <summary>Each field of a request-log record is capped, so huge headers cannot make the log hold megabytes.</summary>
public sealed class RequestLogFieldLimitTests
{
    [Fact]
    public void RequestLog_HugeUserAgent_IsKeptTo512Bytes()
    {
        var log = new RequestLog(4, "s");
        string userAgent = new string('u', 10 * 1024);

        LogWriter.Record(log, "/a.txt", userAgent: userAgent);

        ServerRequest r = Assert.Single(log.ReadAll());
        Assert.Equal(512, r.UserAgent.Length);
        Assert.Equal(userAgent.Substring(0, 512), r.UserAgent);
        Assert.Equal("/a.txt", r.Path); // the other fields are untouched
    }

    [Fact]
    public void RequestLog_HugeRefererAndRange_AreKeptTo512BytesEach()
    {
        var log = new RequestLog(4, "s");

        LogWriter.Record(log, "/a.txt", referer: "http://r/" + new string('r', 6000), range: "bytes=" + new string('1', 6000));

        ServerRequest r = Assert.Single(log.ReadAll());
        Assert.Equal(512, r.Referer.Length);
        Assert.StartsWith("http://r/rrr", r.Referer);
        Assert.Equal(512, r.Range.Length);
        Assert.StartsWith("bytes=111", r.Range);
    }

    [Fact]
    public void RequestLog_HugeMethod_IsKeptTo32Bytes()
    {
        var log = new RequestLog(4, "s");

        LogWriter.Record(log, "/a.txt", method: new string('M', 500));

        Assert.Equal(new string('M', 32), Assert.Single(log.ReadAll()).Method);
    }

    [Fact]
    public void RequestLog_5KBTarget_IsCutTo2048Bytes()
    {
        var log = new RequestLog(4, "s");
        string target = "/" + new string('x', 5 * 1024);

        LogWriter.Record(log, target);

        ServerRequest r = Assert.Single(log.ReadAll());
        Assert.Equal(2048, r.Path.Length);
        Assert.Equal(target.Substring(0, 2048), r.Path);
        Assert.Equal("", r.Query);
    }

    [Fact]
    public void RequestLog_LongQuery_IsCutWithTheTarget()
    {
        var log = new RequestLog(4, "s");

        LogWriter.Record(log, "/p?" + new string('q', 5 * 1024));

        ServerRequest r = Assert.Single(log.ReadAll());
        Assert.Equal("/p", r.Path);
        Assert.Equal(2048 - "/p?".Length, r.Query.Length);
    }

    [Fact]
    public void RequestLog_TargetCutInsideAnEscape_StillReadsBack()
    {
        // 2048 bytes of "/%C3%A9…" end in the middle of an escape: the record must still read, as some prefix.
        var log = new RequestLog(4, "s");
        var target = new StringBuilder("/");
        while (target.Length < 5000) target.Append("%C3%A9");

        LogWriter.Record(log, target.ToString());

        ServerRequest r = Assert.Single(log.ReadAll());
        Assert.False(string.IsNullOrEmpty(r.Path));
        Assert.True(r.Path.Length <= 2048, $"path of {r.Path.Length} chars");
    }

    [Fact]
    public void RequestLog_ShortFields_AreKeptWhole_AfterAHugeRecordInTheSameSlot()
    {
        // A ring of one slot: the second record reuses the slot the huge one grew; lengths must not leak across.
        var log = new RequestLog(1, "s");
        LogWriter.Record(log, "/" + new string('x', 5000), userAgent: new string('u', 10_000));
        LogWriter.Record(log, "/b.txt", userAgent: "curl/8");

        ServerRequest r = Assert.Single(log.ReadAll());
        Assert.Equal("/b.txt", r.Path);
        Assert.Equal("curl/8", r.UserAgent);
    }
}
