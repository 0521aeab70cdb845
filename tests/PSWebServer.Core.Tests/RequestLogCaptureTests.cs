using System;
using System.Linq;
using System.Text;
using System.Text.Json;
using PSWebServer.Http;
using Xunit;

namespace PSWebServer.Tests;

/// <summary>
/// What the journal keeps of a request's headers and body (<see cref="ServerRequest.Headers"/>, <see cref="ServerRequest.Body"/>,
/// BodyLength, BodyTruncated, AnsweredBy, Fault): built when read, cut to its caps, and bounded in all by the capture budget.
/// </summary>
public sealed class RequestLogCaptureTests
{
    private static void Record(RequestLog log, string headers, string body = "", string? answeredBy = null, ResponseFault fault = ResponseFault.None)
    {
        log.Record(new RequestRecord
        {
            TimestampUtcTicks = DateTime.UtcNow.Ticks,
            ClientAddress = "127.0.0.1:1",
            Method = "POST"u8,
            Target = "/api"u8,
            Version = HttpVersion.Http11,
            StatusCode = 201,
            ContentEncoding = "",
            HeaderFields = Encoding.Latin1.GetBytes(headers),
            Body = Encoding.UTF8.GetBytes(body),
            AnsweredBy = answeredBy,
            Fault = fault,
        });
    }

    [Fact]
    public void Headers_AreADictionaryIgnoringCase_WithRepeatsJoined()
    {
        var log = new RequestLog(4, "t");
        Record(log, "Host: h\r\nContent-Type:  application/json \r\nX-Tag: a\r\nx-tag: b\nAccept:\r\nX-Tag: c");

        ServerRequest r = Assert.Single(log.ReadAll());
        Assert.Equal("h", r.Headers["host"]);
        Assert.Equal("application/json", r.Headers["CONTENT-TYPE"]);
        Assert.Equal("a, b, c", r.Headers["X-Tag"]);
        Assert.Equal("", r.Headers["Accept"]);
        Assert.Equal(4, r.Headers.Count);
    }

    [Fact]
    public void TheBody_IsText_WithItsLength_AndWhoAnswered()
    {
        var log = new RequestLog(4, "t");
        Record(log, "Host: h", "{\"name\":\"caf\u00e9\"}", answeredBy: "POST /api", fault: ResponseFault.CloseMidBody);
        Record(log, "Host: h");

        ServerRequest[] r = log.ReadAll().ToArray();
        Assert.Equal(("{\"name\":\"caf\u00e9\"}", 16L, false), (r[0].Body, r[0].BodyLength, r[0].BodyTruncated));
        Assert.Equal(("POST /api", "CloseMidBody"), (r[0].AnsweredBy, r[0].Fault));
        Assert.Equal(("", 0L, false, "", ""), (r[1].Body, r[1].BodyLength, r[1].BodyTruncated, r[1].AnsweredBy, r[1].Fault));
    }

    [Fact]
    public void ABodyOverTheCap_IsCut_AndSaysSo()
    {
        var log = new RequestLog(4, "t", bodyCaptureBytes: 100);
        Record(log, "Host: h", new string('b', 1000));

        ServerRequest r = Assert.Single(log.ReadAll());
        Assert.Equal(new string('b', 100), r.Body);
        Assert.Equal(1000, r.BodyLength);
        Assert.True(r.BodyTruncated);
    }

    [Fact]
    public void HugeHeaders_AreCut_AtALineEnd()
    {
        var log = new RequestLog(4, "t");
        var headers = new StringBuilder();
        for (int i = 0; headers.Length < 20_000; i++) headers.Append("X-Field-").Append(i).Append(": ").Append('v', 100).Append("\r\n");
        Record(log, "Host: h\r\n" + headers.ToString().TrimEnd());

        ServerRequest r = Assert.Single(log.ReadAll());
        Assert.Equal("h", r.Headers["Host"]);
        Assert.InRange(r.Headers.Count, 60, RequestLog.MaxCapturedHeaderBytes / 100);
        Assert.All(r.Headers.Where(h => h.Key != "Host"), h => Assert.Equal(new string('v', 100), h.Value)); // whole lines only
    }

    [Fact]
    public void TheRing_HoldsNoMoreThanItsCaptureBudget_WhateverClientsSend()
    {
        const long budget = 1024 * 1024;
        var log = new RequestLog(1000, "t", bodyCaptureBytes: 64 * 1024, captureBudgetBytes: budget);
        string body = new string('x', 64 * 1024);

        for (int i = 0; i < 1000; i++) Record(log, "Host: h\r\nX-N: " + i, body);

        Assert.InRange(log.CaptureBytesHeld, 0, budget);
        ServerRequest[] all = log.ReadAll().ToArray();
        Assert.Equal(1000, all.Length);
        Assert.All(all, r => Assert.Equal(64 * 1024, r.BodyLength));
        Assert.True(all.Count(r => !r.BodyTruncated) >= 14, "the first ones fit the budget whole");
        Assert.True(all[^1].BodyTruncated);

        // Small records afterwards: arrays far larger than they need are given back.
        for (int i = 0; i < 1000; i++) Record(log, "Host: h");
        Assert.InRange(log.CaptureBytesHeld, 0, 1000 * 64);
        Record(log, "Host: h", body);
        Assert.False(log.ReadAll()[^1].BodyTruncated); // room again
    }

    [Fact]
    public void AReadRequest_SerialisesAsPlainData()
    {
        var log = new RequestLog(4, "t");
        Record(log, "Host: h\r\nX-A: 1", "body");

        string json = JsonSerializer.Serialize(Assert.Single(log.ReadAll()));

        using JsonDocument doc = JsonDocument.Parse(json);
        Assert.Equal("1", doc.RootElement.GetProperty("Headers").GetProperty("X-A").GetString());
        Assert.Equal("body", doc.RootElement.GetProperty("Body").GetString());
        Assert.Equal(4, doc.RootElement.GetProperty("BodyLength").GetInt64());
    }

    [Fact]
    public void RecordingOrdinaryRequests_AllocatesNothing_OnceTheSlotsHaveGrown()
    {
        var log = new RequestLog(8, "t");
        byte[] headers = Encoding.ASCII.GetBytes("Host: h\r\nUser-Agent: curl/8\r\nAccept: */*\r\nAccept-Encoding: gzip, br");
        byte[] body = Encoding.ASCII.GetBytes("{\"small\":true}");
        void Once(bool withBody) => log.Record(new RequestRecord
        {
            ClientAddress = "127.0.0.1:1",
            Method = "GET"u8,
            Target = "/a.txt"u8,
            Version = HttpVersion.Http11,
            StatusCode = 200,
            ContentEncoding = "",
            HeaderFields = headers,
            Body = withBody ? body : default,
        });
        for (int i = 0; i < 32; i++) Once(i % 2 == 0);

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 1000; i++) Once(i % 2 == 0);

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }
}
