using System;
using System.Text;

namespace PSWebServer.Http;

/// <summary>
/// Writes response heads, and the server's own small HTML bodies (errors, redirects), into a <see cref="ResponseBuffer"/>.
/// Every head ends with the Date line from <see cref="DateHeaderCache"/> and the Connection line.
/// </summary>
internal static class ResponseWriter
{
    public static ReadOnlySpan<byte> ServerLine => "Server: PSWebServer\r\n"u8;
    public static ReadOnlySpan<byte> AllowLine => "Allow: GET, HEAD, OPTIONS\r\n"u8;
    public static ReadOnlySpan<byte> HtmlType => "text/html; charset=utf-8"u8;

    /// <summary>The end of every head: Date, Connection (when it must be said), and the empty line.</summary>
    public static void EndHead(ResponseBuffer output, ConnectionMode connection)
    {
        output.Write(DateHeaderCache.Line);
        if (connection == ConnectionMode.Close) output.Write("Connection: close\r\n"u8);
        else if (connection == ConnectionMode.KeepAliveHttp10) output.Write("Connection: keep-alive\r\n"u8);
        output.Write("\r\n"u8);
    }

    public static void ContentLength(ResponseBuffer output, long length)
    {
        output.Write("Content-Length: "u8);
        output.WriteNumber(length);
        output.Write("\r\n"u8);
    }

    /// <summary>
    /// A complete response with a short HTML page saying what the status means. The page never echoes the
    /// request (no reflected markup). <paramref name="extraHeaders"/> are whole lines, each ending in CRLF.
    /// Returns the number of bytes written.
    /// </summary>
    public static int WriteStatusPage(ResponseBuffer output, int statusCode, ConnectionMode connection, bool headOnly, ReadOnlySpan<byte> extraHeaders = default)
    {
        int start = output.Length;
        byte[] body = StartStatusPage(output, statusCode, extraHeaders);
        EndHead(output, connection);
        if (!headOnly) output.Write(body);
        return output.Length - start;
    }

    /// <summary>The head of a status page up to (not including) the closing lines; returns the body to send after them.</summary>
    public static byte[] StartStatusPage(ResponseBuffer output, int statusCode, ReadOnlySpan<byte> extraHeaders)
    {
        byte[] body = StatusPages.For(statusCode);
        output.Write(StatusLines.For(statusCode));
        output.Write(ServerLine);
        output.Write("Content-Type: "u8);
        output.Write(HtmlType);
        output.Write("\r\n"u8);
        ContentLength(output, body.Length);
        output.Write(extraHeaders);
        return body;
    }

    /// <summary>The small HTML pages of the server's own answers, built once per status.</summary>
    private static class StatusPages
    {
        private static readonly System.Collections.Concurrent.ConcurrentDictionary<int, byte[]> Pages = new();

        public static byte[] For(int statusCode) => Pages.GetOrAdd(statusCode, static code =>
        {
            string title = code.ToString(System.Globalization.CultureInfo.InvariantCulture) + " " + StatusLines.ReasonPhrase(code);
            return Encoding.UTF8.GetBytes(
                "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>" + title + "</title></head>\n<body><h1>" + title +
                "</h1><hr><p>PSWebServer</p></body></html>\n");
        });
    }
}
