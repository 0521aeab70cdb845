using System;
using System.Collections.Concurrent;
using System.Globalization;
using System.Text;

namespace PSWebServer.Http;

/// <summary>
/// The server's own answers (errors, redirects): a short HTML page saying what the status means, made once per
/// status. The page never echoes the request (no reflected markup).
/// </summary>
internal static class StatusPages
{
    private static readonly ConcurrentDictionary<int, byte[]> Pages = new();

    public static readonly HeaderBlock HtmlType = new HeaderBlockBuilder().Add("Content-Type"u8, "text/html; charset=utf-8").Build();

    public static byte[] For(int statusCode) => Pages.GetOrAdd(statusCode, static code =>
    {
        string title = code.ToString(CultureInfo.InvariantCulture) + " " + StatusLines.ReasonPhrase(code);
        return Encoding.UTF8.GetBytes(
            "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>" + title + "</title></head>\n<body><h1>" + title +
            "</h1><hr><p>PSWebServer</p></body></html>\n");
    });

    /// <summary>Makes <paramref name="response"/> the status page for <paramref name="statusCode"/>; other fields may be added after.</summary>
    public static void Fill(HttpResponse response, int statusCode)
    {
        response.StatusCode = statusCode;
        response.AddBlock(HtmlType);
        response.SetBytes(For(statusCode));
    }
}
