using System;
using System.Text;
using PSWebServer.Http;

namespace PSWebServer.Tests.Support;

/// <summary>Writes test records into a <see cref="RequestLog"/> the way a connection does.</summary>
internal static class LogWriter
{
    public static void Record(RequestLog log, string target, int status = 200, long bytes = 10, string method = "GET", string userAgent = "ua", string referer = "", string range = "")
    {
        log.Record(DateTime.UtcNow.Ticks, "127.0.0.1:5000", Encoding.ASCII.GetBytes(method), Encoding.ASCII.GetBytes(target),
            HttpVersion.Http11, status, bytes, TimeSpan.FromMilliseconds(1).Ticks,
            Encoding.ASCII.GetBytes(userAgent), Encoding.ASCII.GetBytes(referer), Encoding.ASCII.GetBytes(range), "");
    }
}
