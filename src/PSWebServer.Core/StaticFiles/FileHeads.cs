using System;
using PSWebServer.Http;

namespace PSWebServer.StaticFiles;

/// <summary>
/// The header lines of a file response, up to (not including) Date and Connection, which change per response.
/// Cached forms keep them prebuilt; other responses write them per request.
/// </summary>
internal static class FileHeads
{
    /// <param name="contentRange">For a single-range 206: "bytes a-b/len". Empty otherwise.</param>
    /// <param name="contentTypeOverride">For multipart/byteranges.</param>
    public static void Write(ResponseBuffer output, int status, Representation representation, long contentLength,
        ReadOnlySpan<byte> contentRange, FileHeadSettings settings, string? contentTypeOverride = null)
    {
        output.Write(StatusLines.For(status));
        output.Write("Content-Type: "u8);
        output.WriteAscii(contentTypeOverride ?? representation.ContentType);
        output.Write("\r\n"u8);
        ResponseWriter.ContentLength(output, contentLength);
        if (!contentRange.IsEmpty)
        {
            output.Write("Content-Range: "u8);
            output.Write(contentRange);
            output.Write("\r\n"u8);
        }
        if (representation.Coding == ContentCoding.Identity) output.Write("Accept-Ranges: bytes\r\n"u8);
        else
        {
            output.Write("Content-Encoding: "u8);
            output.WriteAscii(ContentNegotiation.Token(representation.Coding));
            output.Write("\r\n"u8);
        }
        WriteValidators(output, representation, settings);
    }

    public static void Write304(ResponseBuffer output, Representation representation, FileHeadSettings settings)
    {
        output.Write(StatusLines.For(304));
        WriteValidators(output, representation, settings);
    }

    private static void WriteValidators(ResponseBuffer output, Representation representation, FileHeadSettings settings)
    {
        output.Write("Last-Modified: "u8);
        output.Write(representation.LastModified);
        output.Write("\r\nETag: "u8);
        output.Write(representation.EntityTag);
        output.Write("\r\n"u8);
        if (settings.Compression && representation.Compressible)
        {
            output.Write("Vary: Accept-Encoding\r\n"u8); // caches must key on it, even for the identity form
        }
        if (settings.CacheControl.Length > 0)
        {
            output.Write("Cache-Control: "u8);
            output.WriteAscii(settings.CacheControl);
            output.Write("\r\n"u8);
        }
        output.Write(ResponseWriter.ServerLine);
    }
}
