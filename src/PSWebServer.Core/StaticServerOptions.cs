using System;
using System.Collections.Generic;
using PSWebServer.Tls;

namespace PSWebServer;

/// <summary>What to serve and how. Filled by the caller (the cmdlet), checked by <see cref="StaticServer.Start"/>.</summary>
public sealed class StaticServerOptions
{
    /// <summary>The folder served, as a full file-system path. Required.</summary>
    public string Root { get; init; } = "";

    /// <summary>
    /// Where to listen: an IP literal, <c>localhost</c>, <c>*</c> or <c>0.0.0.0</c> (all IPv4 interfaces),
    /// or <c>::</c> (all interfaces, IPv4 and IPv6). Loopback by default: serving a folder to the network is opt-in.
    /// </summary>
    public string Address { get; init; } = "127.0.0.1";

    /// <summary>TCP port; 0 asks the OS for a free one and <see cref="StaticServer.Port"/> reports it.</summary>
    public int Port { get; init; } = 8080;

    /// <summary>Session identity, chosen by the caller (the module's registry); the engine only carries it.</summary>
    public int Id { get; init; }

    /// <summary>Session identity, chosen by the caller; written into every <see cref="ServerRequest"/>.</summary>
    public string Name { get; init; } = "server";

    /// <summary>File names tried, in order, when a folder is asked for.</summary>
    public IReadOnlyList<string> DefaultDocuments { get; init; } = new[] { "index.html", "index.htm" };

    /// <summary>How many completed requests the in-memory log keeps; the oldest are dropped.</summary>
    public int RequestLogSize { get; init; } = 10_000;

    /// <summary>
    /// How many bytes of each request body the in-memory log keeps as <see cref="ServerRequest.Body"/> (64 KiB; 0 keeps
    /// none; <see cref="ServerRequest.BodyLength"/> is always the whole length). The log holds at most 64 MiB of captured
    /// headers and bodies in all, whatever clients send.
    /// </summary>
    public int RequestLogBodyBytes { get; init; } = RequestLog.DefaultCapturedBodyBytes;

    /// <summary>
    /// A file every completed request is appended to, as a full path whose folder exists; null (the default): none.
    /// Unlike the in-memory log it keeps every request: written off the serving threads, in order, flushed on stop,
    /// and opened again when it is moved away (rotated) or deleted.
    /// </summary>
    public string? AccessLogPath { get; init; }

    /// <summary>How <see cref="AccessLogPath"/> lines are written: Common, Combined (the default) or Json (one object a line).</summary>
    public AccessLogFormat AccessLogFormat { get; init; } = AccessLogFormat.Combined;

    /// <summary>Serve files and folders whose name starts with a dot. Off: they answer 404.</summary>
    public bool ServeHiddenFiles { get; init; }

    /// <summary>Value of the Cache-Control header on file responses. Default: always revalidate.</summary>
    public string CacheControl { get; init; } = "no-cache";

    /// <summary>Time an in-flight response may take to finish once Stop is called, unless Stop is given its own.</summary>
    public TimeSpan StopTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Files up to this size are kept in memory with their response head prebuilt.</summary>
    public int MaxCachedFileBytes { get; init; } = 256 * 1024;

    /// <summary>Total bytes of file bodies the in-memory cache may hold.</summary>
    public long FileCacheBytes { get; init; } = 64L * 1024 * 1024;

    /// <summary>List a folder that has no default document (HTML, or JSON when the client prefers it). Off: 404.</summary>
    public bool Browse { get; init; }

    /// <summary>A file whose content answers every 404 (its own Content-Type, status 404). Null: the built-in page.</summary>
    public string? NotFoundPage { get; init; }

    /// <summary>
    /// For single-page apps: a file served with 200 for a missing path when the request accepts text/html
    /// (a page navigation). Requests for assets still get 404.
    /// </summary>
    public string? Fallback { get; init; }

    /// <summary>Compress text-like responses with br or gzip when the client accepts it.</summary>
    public bool Compression { get; init; } = true;

    /// <summary>Header lines added to every response: name and value, as given.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Headers { get; init; } = Array.Empty<KeyValuePair<string, string>>();

    /// <summary>Origins allowed by CORS: "*" for any, or exact origins ("https://app.example"). Empty: no CORS headers.</summary>
    public IReadOnlyList<string> CorsOrigins { get; init; } = Array.Empty<string>();

    /// <summary>Most ranges one request may ask for; more (before merging) and the whole file is sent instead.</summary>
    public int MaxRanges { get; init; } = 16;

    /// <summary>Total bytes of compressed variants kept in memory.</summary>
    public long CompressedCacheBytes { get; init; } = 32L * 1024 * 1024;

    /// <summary>Largest file compressed on the fly; larger ones go out as they are unless a .br/.gz sidecar exists.</summary>
    public long MaxCompressedFileBytes { get; init; } = 8L * 1024 * 1024;

    /// <summary>
    /// The connection engine. Auto (the default) runs epoll where it can and .NET's sockets elsewhere; an explicit
    /// Epoll makes Start fail where epoll cannot run rather than quietly serve on another engine.
    /// </summary>
    public ServerEngine Engine { get; init; } = ServerEngine.Auto;

    /// <summary>
    /// The HTTP versions spoken: Auto (the default) speaks HTTP/2 to clients that ask for it (ALPN h2 over HTTPS, the
    /// h2c preface in cleartext) and HTTP/1.1 to the rest; Http1 or Http2 restricts the server to one of them.
    /// </summary>
    public ServerProtocol Protocol { get; init; } = ServerProtocol.Auto;

    /// <summary>
    /// Live reload, for someone editing the site: pages answered to navigations get a small script (injected before
    /// <c>&lt;/body&gt;</c>, else <c>&lt;/html&gt;</c>, else at the end) that subscribes to an event stream on the reserved
    /// path <c>/__pswebserver/</c>; a changed stylesheet is swapped in place, any other change reloads the page. Off by
    /// default; when off nothing of it runs.
    /// </summary>
    public bool LiveReload { get; init; }

    /// <summary>
    /// With <see cref="LiveReload"/>: watch the root for changes (the default). False: pages reload only when told
    /// (<see cref="StaticServer.Reload"/>, Invoke-ServerReload), for a build that writes many files and then says so once.
    /// </summary>
    public bool LiveReloadWatch { get; init; } = true;

    /// <summary>How often a quiet event stream gets a comment line (15 s when null); tests make it short.</summary>
    internal TimeSpan? LiveReloadHeartbeat { get; init; }

    public ServerLimits Limits { get; init; } = new();

    /// <summary>Tests only: front handlers tried before all the server's own (engine tests of request bodies and faults).</summary>
    internal Http.IFrontHandler[]? TestFrontHandlers { get; init; }
    /// <summary>
    /// HTTPS: where the server's certificate comes from (<see cref="CertificateSource.FromCertificate"/>,
    /// <see cref="CertificateSource.FromFile"/>, <see cref="CertificateSource.SelfSigned"/>). Null (the default): plain
    /// HTTP. With one, the port speaks TLS 1.2 and 1.3 only, ALPN http/1.1; a plain-HTTP request to it is answered 400
    /// and closed. The certificate is loaded and checked before the port is bound.
    /// </summary>
    public CertificateSource? Certificate { get; init; }
}
