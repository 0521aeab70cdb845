using System;
using System.Collections.Generic;
using System.IO;
using PSWebServer.Http;

namespace PSWebServer;

/// <summary>
/// Checks the options that end up on the wire or on disk, so no caller of the engine (not only the cmdlet) can
/// split a response with a CR/LF in a header or point the server at a page that is not there.
/// </summary>
internal static class OptionsValidation
{
    public static void Check(StaticServerOptions options)
    {
        if (!IsFieldValue(options.CacheControl ?? ""))
            throw new ArgumentException("CacheControl must be a single line of visible characters.", nameof(options));
        foreach (KeyValuePair<string, string> header in options.Headers)
        {
            if (header.Key.Length == 0 || !IsToken(header.Key))
                throw new ArgumentException($"'{header.Key}' is not a valid HTTP header name.", nameof(options));
            if (ServerOwnedHeaders.Contains(header.Key))
                throw new ArgumentException($"'{header.Key}' is set by the server itself (it frames or describes each response) and cannot be added.", nameof(options));
            if (!IsFieldValue(header.Value ?? ""))
                throw new ArgumentException($"The value of header '{header.Key}' must be a single line of visible characters.", nameof(options));
        }
        foreach (string origin in options.CorsOrigins)
        {
            if (origin != "*" && (!Uri.TryCreate(origin, UriKind.Absolute, out Uri? uri) || (uri.Scheme != "http" && uri.Scheme != "https")))
                throw new ArgumentException($"'{origin}' is not a CORS origin: use '*' or scheme://host[:port].", nameof(options));
        }
        foreach (string document in options.DefaultDocuments)
        {
            if (document.Length == 0 || document.IndexOfAny(new[] { '/', '\\' }) >= 0 || document is "." or "..")
                throw new ArgumentException($"'{document}' is not a file name: default documents are names of files inside a folder.", nameof(options));
        }
        CheckAccessLog(options);
        CheckFile(options.NotFoundPage, nameof(options.NotFoundPage));
        CheckFile(options.Fallback, nameof(options.Fallback));
    }

    /// <summary>Headers whose value the server computes per response; a fixed copy would break framing or lie.</summary>
    private static readonly HashSet<string> ServerOwnedHeaders = new(StringComparer.OrdinalIgnoreCase)
    {
        "Content-Length", "Transfer-Encoding", "Connection", "Keep-Alive", "Upgrade", "Trailer", "TE", "Date",
        "Content-Type", "Content-Range", "Content-Encoding", "ETag", "Last-Modified", "Accept-Ranges", "Location",
    };

    private static void CheckAccessLog(StaticServerOptions options)
    {
        if (!Enum.IsDefined(options.AccessLogFormat))
            throw new ArgumentException("AccessLogFormat must be Common, Combined or Json.", nameof(options.AccessLogFormat));
        string? path = options.AccessLogPath;
        if (path is null) return;
        if (!Path.IsPathFullyQualified(path))
            throw new ArgumentException($"AccessLogPath must be a full path; '{path}' is not.", nameof(options.AccessLogPath));
        if (Directory.Exists(path))
            throw new ArgumentException($"AccessLogPath must name a file; '{path}' is a folder.", nameof(options.AccessLogPath));
        string? folder = Path.GetDirectoryName(path);
        if (string.IsNullOrEmpty(folder) || !Directory.Exists(folder))
            throw new ArgumentException($"The folder of AccessLogPath '{path}' does not exist.", nameof(options.AccessLogPath));
    }

    private static void CheckFile(string? path, string name)
    {
        if (string.IsNullOrEmpty(path)) return;
        if (!Path.IsPathFullyQualified(path) || !File.Exists(path))
            throw new ArgumentException($"{name} must be the full path of an existing file; '{path}' is not.", name);
    }

    private static bool IsToken(string text)
    {
        foreach (char c in text)
        {
            if (c > 127 || !HttpCharacters.IsTokenChar((byte)c)) return false;
        }
        return true;
    }

    private static bool IsFieldValue(string text)
    {
        foreach (char c in text)
        {
            if (c > 255 || (c < 0x20 && c != '\t') || c == 0x7F) return false;
        }
        return true;
    }
}
