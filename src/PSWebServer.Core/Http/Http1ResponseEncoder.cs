using System;
using System.Text;

namespace PSWebServer.Http;

/// <summary>
/// Writes the HTTP/1.1 head of an <see cref="HttpResponse"/>: status line, framing (Content-Length, or
/// Transfer-Encoding: chunked), the response's header blocks (their prebuilt HTTP/1 lines) and fields, then what
/// the server owns on every response: Server, Date (formatted once a second), Connection, and the empty line.
/// The body is framed by <see cref="Http1Connection"/>, which owns the socket.
/// </summary>
internal static class Http1ResponseEncoder
{
    public static ReadOnlySpan<byte> ServerLine => "Server: PSWebServer\r\n"u8;

    /// <summary>RFC 9110 §8.6: no Content-Length on 1xx and 204 responses, whatever the handler said.</summary>
    public static bool MayHaveContentLength(int statusCode) => statusCode >= 200 && statusCode != 204;

    /// <summary>Whether the response carries body bytes on the wire (not for HEAD, 1xx, 204, 304).</summary>
    public static bool SendsBody(int statusCode, bool headRequest) =>
        !headRequest && statusCode >= 200 && statusCode != 204 && statusCode != 304;

    public static void WriteHead(ResponseBuffer output, HttpResponse response, ConnectionMode connection, bool chunked)
    {
        output.Write(StatusLines.For(response.StatusCode));
        if (chunked)
        {
            output.Write("Transfer-Encoding: chunked\r\n"u8);
        }
        else if (response.ContentLength >= 0 && MayHaveContentLength(response.StatusCode))
        {
            output.Write("Content-Length: "u8);
            output.WriteNumber(response.ContentLength);
            output.Write("\r\n"u8);
        }
        for (int i = 0; i < response.BlockCount; i++) output.Write(response.Block(i).Http1Lines);
        ResponseHeaders fields = response.Headers;
        for (int i = 0; i < fields.Count; i++)
        {
            output.Write(fields.Name(i));
            output.Write(": "u8);
            output.Write(fields.Value(i));
            output.Write("\r\n"u8);
        }
        output.Write(ServerLine);
        output.Write(DateHeaderCache.Line);
        if (connection == ConnectionMode.Close) output.Write("Connection: close\r\n"u8);
        else if (connection == ConnectionMode.KeepAliveHttp10) output.Write("Connection: keep-alive\r\n"u8);
        output.Write("\r\n"u8);
    }

    /// <summary>
    /// A whole plain-text answer that ends the connection (<c>Connection: close</c>), built once by whoever sends it to a
    /// client speaking the wrong protocol on a port (plain HTTP to HTTPS, HTTP/1.1 to an HTTP/2-only server).
    /// </summary>
    public static byte[] BuildClosingTextAnswer(string statusLine, string body)
    {
        string head = statusLine + "\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: "
            + Encoding.UTF8.GetByteCount(body).ToString(System.Globalization.CultureInfo.InvariantCulture)
            + "\r\nConnection: close\r\n\r\n";
        return Encoding.UTF8.GetBytes(head + body);
    }

    /// <summary>The size line of one chunk (RFC 9112 §7.1): hex length, CRLF.</summary>
    public static void WriteChunkHeader(ResponseBuffer output, int length)
    {
        Span<byte> hex = stackalloc byte[10];
        int at = hex.Length;
        hex[--at] = (byte)'\n';
        hex[--at] = (byte)'\r';
        uint value = (uint)length;
        do
        {
            int digit = (int)(value & 0xF);
            hex[--at] = (byte)(digit < 10 ? '0' + digit : 'a' + digit - 10);
            value >>= 4;
        } while (value != 0);
        output.Write(hex.Slice(at));
    }

    public static ReadOnlySpan<byte> LastChunk => "0\r\n\r\n"u8;
}
