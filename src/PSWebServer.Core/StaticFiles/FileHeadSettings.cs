using System;
using System.Collections.Generic;
using System.Text;

namespace PSWebServer.StaticFiles;

/// <summary>The server-wide parts of file response heads, fixed at start: Cache-Control, the user's headers, CORS for any origin.</summary>
internal sealed class FileHeadSettings
{
    public FileHeadSettings(StaticServerOptions options)
    {
        CacheControl = options.CacheControl ?? "";
        Compression = options.Compression;
        var extra = new StringBuilder();
        foreach (KeyValuePair<string, string> header in options.Headers)
        {
            extra.Append(header.Key).Append(": ").Append(header.Value).Append("\r\n");
        }
        ExtraHeaders = Encoding.Latin1.GetBytes(extra.ToString());
    }

    public string CacheControl { get; }
    public bool Compression { get; }
    /// <summary>The user's -Header lines, each ending in CRLF, written on every response.</summary>
    public byte[] ExtraHeaders { get; }
}
