using System;
using System.Collections.Generic;
using System.Text;

namespace PSWebServer.Http;

/// <summary>Status lines ("HTTP/1.1 404 Not Found\r\n") encoded once. Responses always say HTTP/1.1, the server's version (RFC 9110 §6.2).</summary>
internal static class StatusLines
{
    private static readonly Dictionary<int, byte[]> Lines = Build();

    public static ReadOnlySpan<byte> For(int statusCode) =>
        Lines.TryGetValue(statusCode, out byte[]? line) ? line : Encoding.ASCII.GetBytes("HTTP/1.1 " + statusCode + " Status\r\n");

    public static string ReasonPhrase(int statusCode) => statusCode switch
    {
        200 => "OK",
        201 => "Created",
        202 => "Accepted",
        204 => "No Content",
        206 => "Partial Content",
        301 => "Moved Permanently",
        302 => "Found",
        303 => "See Other",
        304 => "Not Modified",
        307 => "Temporary Redirect",
        308 => "Permanent Redirect",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        408 => "Request Timeout",
        409 => "Conflict",
        410 => "Gone",
        412 => "Precondition Failed",
        413 => "Content Too Large",
        414 => "URI Too Long",
        416 => "Range Not Satisfiable",
        417 => "Expectation Failed",
        422 => "Unprocessable Content",
        429 => "Too Many Requests",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        501 => "Not Implemented",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        505 => "HTTP Version Not Supported",
        _ => "Status",
    };

    private static Dictionary<int, byte[]> Build()
    {
        var lines = new Dictionary<int, byte[]>();
        foreach (int code in new[] { 200, 204, 206, 301, 304, 400, 403, 404, 405, 408, 412, 413, 414, 416, 417, 431, 500, 501, 503, 505 })
        {
            lines[code] = Encoding.ASCII.GetBytes("HTTP/1.1 " + code + " " + ReasonPhrase(code) + "\r\n");
        }
        // The statuses canned test responses answer with most; any other code still works, with a line made per response.
        foreach (int code in new[] { 201, 202, 302, 303, 307, 308, 401, 409, 410, 422, 429, 502, 504 })
        {
            lines[code] = Encoding.ASCII.GetBytes("HTTP/1.1 " + code + " " + ReasonPhrase(code) + "\r\n");
        }
        return lines;
    }
}
