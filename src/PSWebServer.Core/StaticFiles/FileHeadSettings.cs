using PSWebServer.Http;

namespace PSWebServer.StaticFiles;

/// <summary>The server-wide parts of response heads, fixed at start: Cache-Control, compression, the user's headers.</summary>
internal sealed class FileHeadSettings
{
    public FileHeadSettings(StaticServerOptions options)
    {
        CacheControl = options.CacheControl ?? "";
        Compression = options.Compression;
        ExtraHeaders = HeaderBlock.From(options.Headers);
        LiveReloadTag = options.LiveReload ? LiveReload.LiveReloadPaths.ScriptTag : null;
    }

    public string CacheControl { get; }
    public bool Compression { get; }
    /// <summary>The user's -Header fields, added to every response.</summary>
    public HeaderBlock ExtraHeaders { get; }
    /// <summary>With live reload: the script tag injected into pages answered to navigations; null without.</summary>
    public byte[]? LiveReloadTag { get; }
}
