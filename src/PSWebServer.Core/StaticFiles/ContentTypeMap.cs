using System;
using System.Collections.Generic;
using System.IO;

namespace PSWebServer.StaticFiles;

/// <summary>
/// Content-Type by file extension, from a built-in table: the OS registry or mime.types would make the same folder
/// serve differently on different machines. Text types carry "; charset=utf-8". Unknown → application/octet-stream.
/// </summary>
internal static class ContentTypeMap
{
    public const string Default = "application/octet-stream";

    private static readonly Dictionary<string, string> Types = new(StringComparer.OrdinalIgnoreCase)
    {
        [".html"] = "text/html; charset=utf-8",
        [".htm"] = "text/html; charset=utf-8",
        [".css"] = "text/css; charset=utf-8",
        [".js"] = "text/javascript; charset=utf-8",
        [".mjs"] = "text/javascript; charset=utf-8",
        [".json"] = "application/json; charset=utf-8",
        [".map"] = "application/json; charset=utf-8",
        [".webmanifest"] = "application/manifest+json; charset=utf-8",
        [".txt"] = "text/plain; charset=utf-8",
        [".text"] = "text/plain; charset=utf-8",
        [".log"] = "text/plain; charset=utf-8",
        [".md"] = "text/markdown; charset=utf-8",
        [".csv"] = "text/csv; charset=utf-8",
        [".tsv"] = "text/tab-separated-values; charset=utf-8",
        [".xml"] = "application/xml; charset=utf-8",
        [".xsl"] = "application/xml; charset=utf-8",
        [".rss"] = "application/rss+xml; charset=utf-8",
        [".atom"] = "application/atom+xml; charset=utf-8",
        [".svg"] = "image/svg+xml; charset=utf-8",
        [".ps1"] = "text/plain; charset=utf-8",
        [".psm1"] = "text/plain; charset=utf-8",
        [".psd1"] = "text/plain; charset=utf-8",
        [".yaml"] = "text/yaml; charset=utf-8",
        [".yml"] = "text/yaml; charset=utf-8",
        [".ics"] = "text/calendar; charset=utf-8",
        [".vtt"] = "text/vtt; charset=utf-8",
        [".png"] = "image/png",
        [".jpg"] = "image/jpeg",
        [".jpeg"] = "image/jpeg",
        [".gif"] = "image/gif",
        [".webp"] = "image/webp",
        [".avif"] = "image/avif",
        [".ico"] = "image/x-icon",
        [".bmp"] = "image/bmp",
        [".tif"] = "image/tiff",
        [".tiff"] = "image/tiff",
        [".woff"] = "font/woff",
        [".woff2"] = "font/woff2",
        [".ttf"] = "font/ttf",
        [".otf"] = "font/otf",
        [".wasm"] = "application/wasm",
        [".pdf"] = "application/pdf",
        [".zip"] = "application/zip",
        [".gz"] = "application/gzip",
        [".tgz"] = "application/gzip",
        [".br"] = "application/octet-stream",
        [".tar"] = "application/x-tar",
        [".7z"] = "application/x-7z-compressed",
        [".mp4"] = "video/mp4",
        [".m4v"] = "video/mp4",
        [".webm"] = "video/webm",
        [".ogv"] = "video/ogg",
        [".mov"] = "video/quicktime",
        [".mp3"] = "audio/mpeg",
        [".m4a"] = "audio/mp4",
        [".ogg"] = "audio/ogg",
        [".oga"] = "audio/ogg",
        [".opus"] = "audio/ogg",
        [".wav"] = "audio/wav",
        [".flac"] = "audio/flac",
        [".exe"] = "application/octet-stream",
        [".dll"] = "application/octet-stream",
        [".bin"] = "application/octet-stream",
    };

    public static string For(string path) =>
        Types.TryGetValue(Path.GetExtension(path), out string? type) ? type : Default;

    /// <summary>Whether a Content-Type is text-like and worth compressing.</summary>
    public static bool IsCompressible(string contentType) =>
        contentType.StartsWith("text/", StringComparison.Ordinal)
        || contentType.StartsWith("application/json", StringComparison.Ordinal)
        || contentType.StartsWith("application/manifest+json", StringComparison.Ordinal)
        || contentType.StartsWith("application/xml", StringComparison.Ordinal)
        || contentType.StartsWith("application/rss+xml", StringComparison.Ordinal)
        || contentType.StartsWith("application/atom+xml", StringComparison.Ordinal)
        || contentType.StartsWith("image/svg+xml", StringComparison.Ordinal)
        || contentType.StartsWith("application/wasm", StringComparison.Ordinal)
        || contentType.StartsWith("image/x-icon", StringComparison.Ordinal)
        || contentType.StartsWith("image/bmp", StringComparison.Ordinal);
}
