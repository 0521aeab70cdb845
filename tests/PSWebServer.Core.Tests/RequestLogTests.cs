using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using PSWebServer.Http;
using PSWebServer.Tests.Support;
using Xunit;

namespace PSWebServer.Tests;

public sealed class RequestLogTests
{
    [Fact]
    public void Empty_ReadsNothing()
    {
        var log = new RequestLog(4, "s");

        Assert.Empty(log.ReadAll());
        Assert.Equal(0, log.LastId);
        Assert.Equal(0, log.Count);
        Assert.Equal(4, log.Capacity);
    }

    [Fact]
    public void Record_CarriesEveryField()
    {
        var log = new RequestLog(4, "site");
        var when = new DateTime(2024, 5, 1, 12, 0, 0, DateTimeKind.Utc);
        log.Record(new RequestRecord
        {
            TimestampUtcTicks = when.Ticks,
            ClientAddress = "127.0.0.1:5555",
            Method = "HEAD"u8,
            Target = "/caf%C3%A9/x.txt?a=1&b=%20"u8,
            Version = HttpVersion.Http10,
            StatusCode = 304,
            BytesSent = 123,
            DurationTicks = TimeSpan.FromMilliseconds(7).Ticks,
            UserAgent = "agent/1"u8,
            Referer = "http://ref/"u8,
            Range = "bytes=0-9"u8,
            ContentEncoding = "gzip",
        });

        ServerRequest r = Assert.Single(log.ReadAll());
        Assert.Equal(1, r.Id);
        Assert.Equal(when.ToLocalTime(), r.Timestamp);
        Assert.Equal("site", r.ServerName);
        Assert.Equal("127.0.0.1:5555", r.ClientAddress);
        Assert.Equal("HEAD", r.Method);
        Assert.Equal("/caf\u00e9/x.txt", r.Path);
        Assert.Equal("a=1&b=%20", r.Query);
        Assert.Equal("HTTP/1.0", r.Protocol);
        Assert.Equal(304, r.StatusCode);
        Assert.Equal(123, r.BytesSent);
        Assert.Equal(TimeSpan.FromMilliseconds(7), r.Duration);
        Assert.Equal("agent/1", r.UserAgent);
        Assert.Equal("http://ref/", r.Referer);
        Assert.Equal("bytes=0-9", r.Range);
        Assert.Equal("gzip", r.ContentEncoding);
        Assert.Equal("HEAD /caf\u00e9/x.txt 304", r.ToString());
    }

    [Fact]
    public void Record_WithALongTarget_GrowsTheSlot_UpToTheFieldCaps()
    {
        var log = new RequestLog(2, "s");
        string target = "/" + new string('x', 1500);
        LogWriter.Record(log, target, userAgent: new string('u', 3000));

        ServerRequest r = Assert.Single(log.ReadAll());
        Assert.Equal(target, r.Path);              // under the 2 KiB cap: kept whole, the slot grew to fit
        Assert.Equal(512, r.UserAgent.Length);     // over the 512-byte cap: cut
    }

    [Fact]
    public void RejectedRequest_WithNoRequestLine_ReadsAsEmptyFields()
    {
        var log = new RequestLog(2, "s");
        log.Record(new RequestRecord { TimestampUtcTicks = DateTime.UtcNow.Ticks, ClientAddress = "127.0.0.1:1", StatusCode = 400, BytesSent = 50, ContentEncoding = "" });

        ServerRequest r = Assert.Single(log.ReadAll());
        Assert.Equal("", r.Method);
        Assert.Equal("", r.Path);
        Assert.Equal("", r.Protocol);
        Assert.Equal(400, r.StatusCode);
    }

    [Fact]
    public void Ring_DropsTheOldest()
    {
        var log = new RequestLog(3, "s");
        for (int i = 1; i <= 5; i++) LogWriter.Record(log, "/" + i);

        IReadOnlyList<ServerRequest> all = log.ReadAll();
        Assert.Equal(new long[] { 3, 4, 5 }, all.Select(r => r.Id));
        Assert.Equal(new[] { "/3", "/4", "/5" }, all.Select(r => r.Path));
        Assert.Equal(3, log.Count);
        Assert.Equal(5, log.LastId);
    }

    [Fact]
    public void ReadAfter_ReturnsNewerOnes_OldestFirst()
    {
        var log = new RequestLog(10, "s");
        for (int i = 1; i <= 6; i++) LogWriter.Record(log, "/" + i);

        Assert.Equal(new long[] { 4, 5, 6 }, log.ReadAfter(3).Select(r => r.Id));
        Assert.Empty(log.ReadAfter(6));
        Assert.Empty(log.ReadAfter(100));
        Assert.Equal(6, log.ReadAfter(0).Count);
        Assert.Equal(6, log.ReadAfter(-5).Count);
    }

    [Fact]
    public void ReadAfter_AnIdAlreadyDropped_StartsAtTheOldestRetained()
    {
        var log = new RequestLog(3, "s");
        for (int i = 1; i <= 10; i++) LogWriter.Record(log, "/" + i);

        Assert.Equal(new long[] { 8, 9, 10 }, log.ReadAfter(2).Select(r => r.Id));
    }

    [Fact]
    public void Clear_ForgetsAll_AndIdsKeepCounting()
    {
        var log = new RequestLog(5, "s");
        for (int i = 1; i <= 3; i++) LogWriter.Record(log, "/" + i);

        log.Clear();

        Assert.Empty(log.ReadAll());
        Assert.Equal(0, log.Count);
        Assert.Equal(3, log.LastId);

        LogWriter.Record(log, "/after");
        ServerRequest r = Assert.Single(log.ReadAll());
        Assert.Equal(4, r.Id);
        Assert.Equal("/after", r.Path);
        Assert.Equal(1, log.Count);
    }

    [Fact]
    public void CapacityOne_KeepsOnlyTheNewest()
    {
        var log = new RequestLog(1, "s");
        LogWriter.Record(log, "/a");
        LogWriter.Record(log, "/b");

        Assert.Equal("/b", Assert.Single(log.ReadAll()).Path);
    }

    [Fact]
    public void ZeroCapacity_IsRefused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new RequestLog(0, "s"));
    }

    [Fact]
    public void WaitForNew_TimesOut_WhenNothingComes()
    {
        var log = new RequestLog(5, "s");
        var clock = Stopwatch.StartNew();

        bool got = log.WaitForNew(0, TimeSpan.FromMilliseconds(300), CancellationToken.None);

        Assert.False(got);
        Assert.InRange(clock.Elapsed, TimeSpan.FromMilliseconds(250), TimeSpan.FromSeconds(3));
    }

    [Fact]
    public void WaitForNew_ReturnsAtOnce_WhenAlreadyNewer()
    {
        var log = new RequestLog(5, "s");
        LogWriter.Record(log, "/x");
        var clock = Stopwatch.StartNew();

        Assert.True(log.WaitForNew(0, TimeSpan.FromSeconds(5), CancellationToken.None));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(1));
        Assert.False(log.WaitForNew(1, TimeSpan.FromMilliseconds(50), CancellationToken.None));
    }

    [Fact]
    public async Task WaitForNew_WakesWhenARecordArrives()
    {
        var log = new RequestLog(5, "s");
        var clock = Stopwatch.StartNew();
        Task<bool> waiter = Task.Run(() => log.WaitForNew(0, TimeSpan.FromSeconds(10), CancellationToken.None));

        await Task.Delay(200);
        Assert.False(waiter.IsCompleted);
        LogWriter.Record(log, "/wake");

        Assert.True(await waiter.WaitAsync(TimeSpan.FromSeconds(5)));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), clock.Elapsed.ToString());
    }

    [Fact]
    public async Task WaitForNew_EndsOnCancellation()
    {
        var log = new RequestLog(5, "s");
        using var cts = new CancellationTokenSource();
        Task<bool> waiter = Task.Run(() => log.WaitForNew(0, Timeout.InfiniteTimeSpan, cts.Token));

        await Task.Delay(150);
        var clock = Stopwatch.StartNew();
        cts.Cancel();

        Assert.False(await waiter.WaitAsync(TimeSpan.FromSeconds(5)));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(2), clock.Elapsed.ToString());
    }
}
