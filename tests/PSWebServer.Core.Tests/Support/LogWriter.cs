using System;
using System.Text;
using PSWebServer.Http;

namespace PSWebServer.Tests.Support;

/// <summary>Writes test records into a <see cref="RequestLog"/> the way a connection does.</summary>
internal static class LogWriter
{
    public static void Record(RequestLog log, string target, int status = 200, long bytes = 10, string method = "GET", string userAgent = "ua", string referer = "", string range = "")
    {
        log.Record(new RequestRecord
        {
            TimestampUtcTicks = DateTime.UtcNow.Ticks,
            ClientAddress = "127.0.0.1:5000",
            Method = Encoding.ASCII.GetBytes(method),
            Target = Encoding.ASCII.GetBytes(target),
            Version = HttpVersion.Http11,
            StatusCode = status,
            BytesSent = bytes,
            DurationTicks = TimeSpan.FromMilliseconds(1).Ticks,
            UserAgent = Encoding.ASCII.GetBytes(userAgent),
            Referer = Encoding.ASCII.GetBytes(referer),
            Range = Encoding.ASCII.GetBytes(range),
            ContentEncoding = "",
        });
    }
}
