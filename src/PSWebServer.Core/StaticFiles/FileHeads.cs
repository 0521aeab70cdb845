using System;
using PSWebServer.Http;

namespace PSWebServer.StaticFiles;

/// <summary>
/// The header lines of a file response, up to (not including) Date and Connection, which change per response.
/// Cached files keep them prebuilt; large files write them per request.
/// </summary>
internal static class FileHeads
{
    public static void Write200(ResponseBuffer output, string contentType, long contentLength, ReadOnlySpan<byte> lastModified, ReadOnlySpan<byte> entityTag, string cacheControl)
    {
        output.Write(StatusLines.For(200));
        output.Write("Content-Type: "u8);
        output.WriteAscii(contentType);
        output.Write("\r\n"u8);
        ResponseWriter.ContentLength(output, contentLength);
        WriteValidators(output, lastModified, entityTag, cacheControl);
    }

    public static void Write304(ResponseBuffer output, ReadOnlySpan<byte> lastModified, ReadOnlySpan<byte> entityTag, string cacheControl)
    {
        output.Write(StatusLines.For(304));
        WriteValidators(output, lastModified, entityTag, cacheControl);
    }

    private static void WriteValidators(ResponseBuffer output, ReadOnlySpan<byte> lastModified, ReadOnlySpan<byte> entityTag, string cacheControl)
    {
        output.Write("Last-Modified: "u8);
        output.Write(lastModified);
        output.Write("\r\nETag: "u8);
        output.Write(entityTag);
        output.Write("\r\n"u8);
        if (cacheControl.Length > 0)
        {
            output.Write("Cache-Control: "u8);
            output.WriteAscii(cacheControl);
            output.Write("\r\n"u8);
        }
        output.Write(ResponseWriter.ServerLine);
    }
}
