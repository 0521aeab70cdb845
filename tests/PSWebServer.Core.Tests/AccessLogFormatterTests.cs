using System;
using System.Buffers;
using System.Text;
using System.Text.Json;
using PSWebServer.AccessLog;
using PSWebServer.Http;
using Xunit;

namespace PSWebServer.Tests;

public sealed class AccessLogFormatterTests
{
    private static readonly long Time = new DateTime(2026, 3, 4, 5, 6, 7, DateTimeKind.Utc).Ticks + 1234;

    private static string Format(AccessLogFormat format, string method = "GET", string target = "/a%20b.txt?x=1",
        HttpVersion version = HttpVersion.Http11, int status = 200, long bytes = 1234, string userAgent = "curl/8.0",
        string referer = "http://r.example/", string client = "127.0.0.1:5000", string range = "", string encoding = "")
    {
        var output = new ArrayBufferWriter<byte>();
        var record = new AccessLogRecord(42, Time, client, Encoding.Latin1.GetBytes(method), Encoding.Latin1.GetBytes(target),
            version, status, bytes, TimeSpan.FromMilliseconds(1.5).Ticks, Encoding.Latin1.GetBytes(userAgent),
            Encoding.Latin1.GetBytes(referer), Encoding.Latin1.GetBytes(range), encoding);
        new AccessLogFormatter(format, "site").Append(record, output);
        return Encoding.Latin1.GetString(output.WrittenSpan);
    }

    [Fact]
    public void Common_IsTheNcsaLine()
    {
        Assert.Equal("127.0.0.1 - - [04/Mar/2026:05:06:07 +0000] \"GET /a%20b.txt?x=1 HTTP/1.1\" 200 1234\n", Format(AccessLogFormat.Common));
    }

    [Fact]
    public void Combined_AddsRefererAndUserAgent_DashWhenMissing()
    {
        Assert.Equal("127.0.0.1 - - [04/Mar/2026:05:06:07 +0000] \"GET /a%20b.txt?x=1 HTTP/1.1\" 200 1234 \"http://r.example/\" \"curl/8.0\"\n",
            Format(AccessLogFormat.Combined));
        Assert.EndsWith(" 304 0 \"-\" \"-\"\n", Format(AccessLogFormat.Combined, status: 304, bytes: 0, userAgent: "", referer: ""));
    }

    [Fact]
    public void Text_HostIsTheAddressWithoutPort_Ipv6Too()
    {
        Assert.StartsWith("::1 - - [", Format(AccessLogFormat.Common, client: "[::1]:443"));
        Assert.StartsWith("10.1.2.3 - - [", Format(AccessLogFormat.Common, client: "10.1.2.3:80"));
    }

    [Fact]
    public void Text_RejectedRequestWithoutRequestLine_IsDash()
    {
        Assert.Equal("127.0.0.1 - - [04/Mar/2026:05:06:07 +0000] \"-\" 400 120\n",
            Format(AccessLogFormat.Common, method: "", target: "", version: HttpVersion.None, status: 400, bytes: 120));
    }

    [Theory]
    [InlineData(AccessLogFormat.Common)]
    [InlineData(AccessLogFormat.Combined)]
    public void Text_EscapesQuotesBackslashesControlAndHighBytes(AccessLogFormat format)
    {
        string line = Format(format, target: "/\"x\\y\r\n1.2.3.4 - - [forged]\u00e9\u007f", userAgent: "a\"b\tc");
        Assert.Contains("\"GET /\\\"x\\\\y\\x0D\\x0A1.2.3.4 - - [forged]\\xE9\\x7F HTTP/1.1\"", line);
        Assert.Single(line.Split('\n', StringSplitOptions.RemoveEmptyEntries)); // one line, whatever the client sent
        if (format == AccessLogFormat.Combined) Assert.EndsWith("\"a\\\"b\\x09c\"\n", line);
        foreach (char c in line.TrimEnd('\n')) Assert.InRange(c, ' ', '~');
    }

    [Fact]
    public void Json_CarriesTheServerRequestFields()
    {
        string line = Format(AccessLogFormat.Json, range: "bytes=0-9", encoding: "gzip", userAgent: "ua\"\n");
        Assert.EndsWith("}\n", line);
        Assert.Single(line.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        using JsonDocument doc = JsonDocument.Parse(Encoding.Latin1.GetBytes(line));
        JsonElement e = doc.RootElement;
        Assert.Equal(42, e.GetProperty("Id").GetInt64());
        Assert.Equal(new DateTime(Time, DateTimeKind.Utc), e.GetProperty("Timestamp").GetDateTime().ToUniversalTime());
        Assert.EndsWith("Z", e.GetProperty("Timestamp").GetString());
        Assert.Equal("site", e.GetProperty("ServerName").GetString());
        Assert.Equal("127.0.0.1:5000", e.GetProperty("ClientAddress").GetString());
        Assert.Equal("GET", e.GetProperty("Method").GetString());
        Assert.Equal("/a b.txt", e.GetProperty("Path").GetString()); // decoded, as Get-ServerRequest shows it
        Assert.Equal("x=1", e.GetProperty("Query").GetString());
        Assert.Equal("HTTP/1.1", e.GetProperty("Protocol").GetString());
        Assert.Equal(200, e.GetProperty("StatusCode").GetInt32());
        Assert.Equal(1234, e.GetProperty("BytesSent").GetInt64());
        Assert.Equal(1.5, e.GetProperty("DurationMs").GetDouble());
        Assert.Equal("ua\"\n", e.GetProperty("UserAgent").GetString());
        Assert.Equal("http://r.example/", e.GetProperty("Referer").GetString());
        Assert.Equal("bytes=0-9", e.GetProperty("Range").GetString());
        Assert.Equal("gzip", e.GetProperty("ContentEncoding").GetString());
    }

    [Fact]
    public void Json_ManyRecordsThroughOneFormatter_AreSeparateLines()
    {
        var formatter = new AccessLogFormatter(AccessLogFormat.Json, "s");
        var output = new ArrayBufferWriter<byte>();
        for (int i = 1; i <= 3; i++)
        {
            formatter.Append(new AccessLogRecord(i, Time, "1.2.3.4:5", "GET"u8, "/"u8, HttpVersion.Http10, 200, 1, 0,
                default, default, default, ""), output);
        }
        string[] lines = Encoding.UTF8.GetString(output.WrittenSpan).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(3, lines.Length);
        for (int i = 0; i < 3; i++)
        {
            using JsonDocument doc = JsonDocument.Parse(lines[i]);
            Assert.Equal(i + 1, doc.RootElement.GetProperty("Id").GetInt64());
            Assert.Equal("HTTP/1.0", doc.RootElement.GetProperty("Protocol").GetString());
        }
    }
}
