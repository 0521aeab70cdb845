using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using PSWebServer.Http;

namespace PSWebServer.StaticFiles;

/// <summary>
/// GET and HEAD of files under the root, in the order the data path reads: resolve the path → select the
/// representation (content coding) → evaluate validators → select ranges → describe the response (status, header
/// blocks, body: memory for cached files, a file to sendfile for the rest). OPTIONS answers 200 with Allow (and
/// CORS preflight); every other method gets 405. It decides; the protocol encoder writes.
/// On a loop thread (<see cref="TryHandle"/>) it answers only from memory: fresh cache hits, paths known missing,
/// 405 and OPTIONS. Everything that touches the disk or computes long — resolving and opening, the symlink walk,
/// first compression, listings, freshness checks — happens in <see cref="HandleAsync"/>, off the loop.
/// </summary>
internal sealed class StaticFileHandler : IRequestHandler
{
    private static readonly string Boundary = "PSWebServer-" + Guid.NewGuid().ToString("N").Substring(0, 16);
    private static readonly HeaderBlock AllowBlock = new HeaderBlockBuilder().Add("Allow"u8, "GET, HEAD, OPTIONS").Build();
    private static readonly HeaderBlock MultipartBlock = new HeaderBlockBuilder()
        .Add("Content-Type"u8, "multipart/byteranges; boundary=" + Boundary).Add("Accept-Ranges"u8, "bytes").Build();
    private static readonly HeaderBlock HtmlListingBlock = ListingBlock("text/html; charset=utf-8");
    private static readonly HeaderBlock JsonListingBlock = ListingBlock("application/json; charset=utf-8");
    private static readonly byte[] LiveReloadNotFoundPage = ScriptInjection.Inject(StatusPages.For(404), LiveReload.LiveReloadPaths.ScriptTag)!;
    private static readonly HeaderBlock LiveReloadNotFoundBlock = new HeaderBlockBuilder().Add("Content-Type"u8, "text/html; charset=utf-8")
        .Add("Cache-Control"u8, "no-cache").Add("Vary"u8, ScriptInjection.VaryFields).Build();
    private static readonly HeaderBlock LiveReloadListingBlock = new HeaderBlockBuilder().Add("Content-Type"u8, "text/html; charset=utf-8")
        .Add("Cache-Control"u8, "no-cache").Add("Vary"u8, "Accept, Sec-Fetch-Dest, Sec-Fetch-Mode").Build();

    private readonly PathResolver _resolver;
    private readonly FileCache _cache;
    private readonly CompressedVariants _variants;
    private readonly FileHeadSettings _settings;
    private readonly CorsPolicy _cors;
    private readonly SpecialFile? _notFoundPage;
    private readonly SpecialFile? _fallback;
    private readonly TimeProvider _time;
    private readonly int _maxCachedFileBytes;
    private readonly int _maxRanges;
    private readonly bool _browse;
    private readonly bool _serveHidden;
    private readonly byte[]? _scriptTag; // live reload's <script> for pages answered to navigations; null: off

    /// <param name="time">The clock for cache freshness; tests pass their own.</param>
    public StaticFileHandler(string root, StaticServerOptions options, TimeProvider? time = null)
    {
        _time = time ?? TimeProvider.System;
        _settings = new FileHeadSettings(options);
        _resolver = new PathResolver(root, options.DefaultDocuments, options.ServeHiddenFiles);
        _cache = new FileCache(options.FileCacheBytes);
        _variants = new CompressedVariants(options.CompressedCacheBytes, options.MaxCompressedFileBytes, _settings, _resolver.IsInsideRoot);
        _cors = new CorsPolicy(options.CorsOrigins);
        _maxCachedFileBytes = options.MaxCachedFileBytes;
        _maxRanges = Math.Max(1, options.MaxRanges);
        _browse = options.Browse;
        _serveHidden = options.ServeHiddenFiles;
        _scriptTag = _settings.LiveReloadTag;
        if (!string.IsNullOrEmpty(options.NotFoundPage)) _notFoundPage = new SpecialFile(Path.GetFullPath(options.NotFoundPage), _settings);
        if (!string.IsNullOrEmpty(options.Fallback)) _fallback = new SpecialFile(Path.GetFullPath(options.Fallback), _settings);
    }

    internal FileCache Cache => _cache;

    internal CompressedVariants Variants => _variants;

    /// <summary>
    /// Live reload saw files change (or a script said so): forget what is held in memory, so the reload that follows
    /// in milliseconds gets the new files, not copies confirmed within the last second.
    /// </summary>
    internal void ForgetCached()
    {
        _cache.Clear();
        _notFoundPage?.Invalidate();
        _fallback?.Invalidate();
    }

    /// <summary>Milliseconds on the handler's clock (monotonic).</summary>
    private long Now => (long)(_time.GetTimestamp() * (1000.0 / _time.TimestampFrequency));

    public bool TryHandle(HttpRequest request, HttpResponse response)
    {
        switch (request.Method)
        {
            case HttpMethod.Get or HttpMethod.Head:
                break;
            case HttpMethod.Options:
                Options(request, response);
                return true;
            default:
                Status(405, request, response, AllowBlock);
                return true;
        }

        ReadOnlySpan<byte> path = request.Value(request.Head.Path);
        long now = Now;
        return _cache.TryGet(path, now, out CachedFile? cached) switch
        {
            CacheLookup.Hit => TryServe(cached!.Identity, cached, null, request, response, 200, mayBlock: false),
            CacheLookup.Missing => TryNotFound(request, response, now, mayBlock: false),
            _ => false,
        };
    }

    public ValueTask HandleAsync(HttpRequest request, HttpResponse response, CancellationToken cancel)
    {
        try
        {
            HandleFile(request, response);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // A file vanished or changed between looking and opening (a build rewriting the site): drop whatever
            // of this response was decided, so the client never sees a head followed by a different answer.
            response.Reset();
            int status = ex is FileNotFoundException or DirectoryNotFoundException ? 404 : ex is UnauthorizedAccessException ? 403 : 500;
            Status(status, request, response);
        }
        return default;
    }

    private void HandleFile(HttpRequest request, HttpResponse response)
    {
        ReadOnlySpan<byte> path = request.Value(request.Head.Path);
        long now = Now;
        if (_cache.GetRevalidated(path, now) is CachedFile cached)
        {
            TryServe(cached.Identity, cached, null, request, response, 200, mayBlock: true);
            return;
        }

        ResolvedPath resolved = _resolver.Resolve(path);
        switch (resolved.Kind)
        {
            case ResolutionKind.File:
                ServeFile(resolved.FullPath, path, request, response, now);
                return;
            case ResolutionKind.RedirectToFolder:
                Redirect(resolved.Location, request, response);
                return;
            case ResolutionKind.Folder when _browse:
                List(resolved.FullPath, path, request, response);
                return;
            case ResolutionKind.BadRequest:
                Status(400, request, response);
                return;
            default:
                _cache.AddMissing(path, now);
                TryNotFound(request, response, now, mayBlock: true);
                return;
        }
    }

    private void ServeFile(string fullPath, ReadOnlySpan<byte> path, HttpRequest request, HttpResponse response, long now)
    {
        FileStream? stream = RegularFile.Open(fullPath, out long length, out DateTime lastWrite);
        if (stream is null)
        {
            // Gone since it was resolved, or not a regular file (a FIFO, a socket, a device): nothing to serve.
            _cache.AddMissing(path, now);
            TryNotFound(request, response, now, mayBlock: true);
            return;
        }
        try
        {
            if (length <= _maxCachedFileBytes && FileCache.IsCacheableSpelling(path) && _cache.HasRoomFor(length))
            {
                CachedFile file = _cache.Add(path, CachedFile.Load(fullPath, stream, length, lastWrite, _settings, now));
                TryServe(file.Identity, file, null, request, response, 200, mayBlock: true);
                return;
            }
            if (_scriptTag != null && length <= _maxCachedFileBytes && Representation.IsHtmlType(ContentTypeMap.For(fullPath))
                && ScriptInjection.IsNavigation(request))
            {
                // A page the cache does not keep (an escaped spelling, a full cache) still gets the script: loaded for
                // this response only, off the loop.
                CachedFile page = CachedFile.Load(fullPath, stream, length, lastWrite, _settings, now);
                TryServe(page.Identity, page, null, request, response, 200, mayBlock: true);
                return;
            }
            Representation identity = Representation.Identity(fullPath, lastWrite, length, body: null, _settings);
            TryServe(identity, null, stream, request, response, 200, mayBlock: true);
            if (ReferenceEquals(response.File, stream)) stream = null; // the connection sends and disposes it
        }
        finally
        {
            stream?.Dispose();
        }
    }

    /// <summary>
    /// Describes one file response: representation, validators, ranges, body. With <paramref name="mayBlock"/> false
    /// (on a loop) it returns false, having touched nothing, when the form asked for is not made yet.
    /// </summary>
    /// <param name="open">The identity file, already open, for files not in the cache.</param>
    private bool TryServe(Representation identity, CachedFile? cached, FileStream? open, HttpRequest request, HttpResponse response,
        int status, bool mayBlock)
    {
        HttpRequestHead head = request.Head;
        if (_scriptTag != null && cached != null && identity.IsHtml && ScriptInjection.IsNavigation(request))
        {
            // The injected page is a representation of its own (length, ETag, compressed forms): everything below
            // (codings, validators, ranges) works on it as on any cached file.
            if (!cached.TryGetInjected(out CachedFile? injected))
            {
                if (!mayBlock) return false; // made once per file version, off the loop
                injected = cached.Injected(_scriptTag, _settings);
            }
            if (injected != null)
            {
                cached = injected;
                identity = injected.Identity;
            }
        }
        bool wantsRange = status == 200 && head.Range.IsPresent && head.Method == HttpMethod.Get;

        Representation representation = identity;
        if (_settings.Compression && !wantsRange && identity.Length >= CompressedVariants.MinimumLength && identity.Compressible)
        {
            ContentCoding coding = ContentNegotiation.ChooseCoding(request.Value(head.AcceptEncoding));
            if (coding != ContentCoding.Identity)
            {
                Representation? form;
                if (cached != null)
                {
                    if (!cached.TryGetCompressed(coding, out form))
                    {
                        if (!mayBlock) return false; // first compression: off the loop
                        form = cached.Compressed(coding, _variants);
                    }
                }
                else
                {
                    form = _variants.ForDiskFile(identity.FilePath!, identity, coding);
                }
                representation = form ?? identity;
            }
        }

        if (status == 200)
        {
            switch (ConditionalRequest.Evaluate(request.Span, head, representation.EntityTag, representation.LastWriteUtc))
            {
                case Precondition.NotModified:
                    response.StatusCode = 304;
                    response.AddBlock(representation.Validators);
                    response.ContentEncoding = ContentNegotiation.Token(representation.Coding);
                    AddCommon(request, response);
                    return true;
                case Precondition.Failed:
                    Status(412, request, response);
                    return true;
            }
        }

        if (wantsRange && IfRangeAllows(request, identity))
        {
            switch (ByteRange.Parse(request.Value(head.Range), identity.Length, _maxRanges, out List<ByteRange> ranges))
            {
                case RangeOutcome.Unsatisfiable:
                    Status(416, request, response);
                    response.Headers.Add("Content-Range"u8, "bytes */" + identity.Length.ToString(CultureInfo.InvariantCulture));
                    return true;
                case RangeOutcome.Satisfiable when ranges.Count == 1:
                    ServeRange(identity, open, ranges[0], request, response);
                    return true;
                case RangeOutcome.Satisfiable:
                    ServeMultipart(identity, open, ranges, request, response);
                    return true;
            }
        }

        response.StatusCode = status;
        response.AddBlock(representation.EntityHeaders);
        response.ContentLength = representation.Length;
        response.ContentEncoding = ContentNegotiation.Token(representation.Coding);
        AddCommon(request, response);
        if (head.Method == HttpMethod.Head || representation.Length == 0) return true;

        if (representation.Body != null)
        {
            response.SetBytes(representation.Body);
        }
        else
        {
            FileStream file = ReferenceEquals(representation, identity) && open != null ? open : OpenForm(representation);
            response.SetFile(file, 0, representation.Length);
        }
        return true;
    }

    private void ServeRange(Representation identity, FileStream? open, ByteRange range, HttpRequest request, HttpResponse response)
    {
        response.StatusCode = 206;
        response.AddBlock(identity.EntityHeaders);
        response.Headers.Add("Content-Range"u8, ContentRange(range, identity.Length));
        AddCommon(request, response);
        if (identity.Body != null) response.SetBytes(identity.Body.AsMemory((int)range.Start, (int)range.Length));
        else response.SetFile(open ?? OpenForm(identity), range.Start, range.Length);
    }

    /// <summary>Several ranges: 206 multipart/byteranges (RFC 9110 §14.6), each part with its own Content-Range.</summary>
    private void ServeMultipart(Representation identity, FileStream? open, List<ByteRange> ranges, HttpRequest request, HttpResponse response)
    {
        var parts = new List<BodyPart>(ranges.Count * 2 + 1);
        long contentLength = 0;
        foreach (ByteRange range in ranges)
        {
            byte[] partHead = Encoding.ASCII.GetBytes("\r\n--" + Boundary + "\r\nContent-Type: " + identity.ContentType
                + "\r\nContent-Range: " + ContentRange(range, identity.Length) + "\r\n\r\n");
            parts.Add(new BodyPart(partHead, 0, partHead.Length));
            parts.Add(new BodyPart(null, range.Start, range.Length));
            contentLength += partHead.Length + range.Length;
        }
        byte[] end = Encoding.ASCII.GetBytes("\r\n--" + Boundary + "--\r\n");
        parts.Add(new BodyPart(end, 0, end.Length));
        contentLength += end.Length;

        response.StatusCode = 206;
        response.AddBlock(MultipartBlock);
        response.AddBlock(identity.Validators);
        AddCommon(request, response);
        response.Body = BodyKind.Multipart;
        response.Parts = parts;
        response.ContentLength = contentLength;
        if (identity.Body != null) response.BodyBytes = identity.Body;
        else response.File = open ?? OpenForm(identity);
    }

    private static string ContentRange(ByteRange range, long length) =>
        string.Create(CultureInfo.InvariantCulture, $"bytes {range.Start}-{range.End}/{length}");

    /// <summary>If-Range (RFC 9110 §13.1.5): ranges only if the client's copy is the current one — strong ETag match or exact date.</summary>
    private static bool IfRangeAllows(HttpRequest request, Representation identity)
    {
        if (!request.Head.IfRange.IsPresent) return true;
        ReadOnlySpan<byte> value = request.Value(request.Head.IfRange);
        if (value.Length > 0 && (value[0] == (byte)'"' || value.StartsWith("W/"u8)))
        {
            return value.SequenceEqual(identity.EntityTag);
        }
        return HttpDate.TryParse(value, out DateTime date) && date == HttpDate.TruncateToSeconds(identity.LastWriteUtc);
    }

    /// <summary>Opens a form kept on disk (a large file, a sidecar); it changed into something unservable → as if gone.</summary>
    private static FileStream OpenForm(Representation representation) =>
        RegularFile.Open(representation.FilePath!, out _, out _) ?? throw new FileNotFoundException("No longer a regular file.", representation.FilePath);

    /// <summary>The fallback page, the custom 404 page or the built-in one; false (nothing touched) when finding out needs the disk.</summary>
    private bool TryNotFound(HttpRequest request, HttpResponse response, long now, bool mayBlock)
    {
        if (_fallback != null && ContentNegotiation.NamesHtml(request.Value(request.Head.Accept)))
        {
            if (!_fallback.TryGet(now, mayBlock, out CachedFile? app)) return false;
            if (app != null) return TryServe(app.Identity, app, null, request, response, 200, mayBlock);
        }
        if (_notFoundPage != null)
        {
            if (!_notFoundPage.TryGet(now, mayBlock, out CachedFile? page)) return false;
            if (page != null) return TryServe(page.Identity, page, null, request, response, 404, mayBlock);
        }
        if (_scriptTag != null && ScriptInjection.IsNavigation(request))
        {
            // With live reload, the page for a missing path listens too: creating the file reloads it.
            response.StatusCode = 404;
            response.AddBlock(LiveReloadNotFoundBlock);
            response.SetBytes(LiveReloadNotFoundPage);
            AddCommon(request, response);
            return true;
        }
        Status(404, request, response);
        return true;
    }

    private void List(string folder, ReadOnlySpan<byte> path, HttpRequest request, HttpResponse response)
    {
        string display = PercentDecoding.DecodeForDisplay(path.IsEmpty ? "/"u8 : path);
        bool json = ContentNegotiation.PrefersJson(request.Value(request.Head.Accept));
        byte[] body;
        try
        {
            body = HeavyWork.Run(() => json
                ? DirectoryListing.Json(folder, display, _serveHidden, _resolver.IsInsideRoot)
                : DirectoryListing.Html(folder, display, display == "/", _serveHidden, _resolver.IsInsideRoot));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            Status(403, request, response);
            return;
        }
        if (!json && _scriptTag != null && ScriptInjection.IsNavigation(request))
        {
            body = ScriptInjection.Inject(body, _scriptTag) ?? body; // a listing reloads too when a file appears in it
        }
        response.StatusCode = 200;
        response.AddBlock(json ? JsonListingBlock : _scriptTag != null ? LiveReloadListingBlock : HtmlListingBlock);
        AddCommon(request, response);
        response.ContentLength = body.Length;
        if (request.Method != HttpMethod.Head) response.SetBytes(body);
    }

    private static HeaderBlock ListingBlock(string contentType) => new HeaderBlockBuilder()
        .Add("Content-Type"u8, contentType).Add("Cache-Control"u8, "no-cache").Add("Vary"u8, "Accept").Build();

    private void Redirect(string location, HttpRequest request, HttpResponse response)
    {
        ReadOnlySpan<byte> target = request.Value(request.Head.Target);
        int query = target.IndexOf((byte)'?');
        string value = query >= 0 ? location + Encoding.ASCII.GetString(target.Slice(query)) : location;
        Status(301, request, response);
        response.Headers.Add("Location"u8, value);
    }

    /// <summary>
    /// OPTIONS: 200 with Allow and Content-Length: 0 (as lighttpd answers). A bodiless 204 made clients that read to the
    /// close wait for their timeout, and RFC 9110 §8.6 forbids Content-Length on a 204, so 200 it is.
    /// </summary>
    private void Options(HttpRequest request, HttpResponse response)
    {
        response.StatusCode = 200;
        response.ContentLength = 0;
        response.AddBlock(AllowBlock);
        _cors.AddPreflight(request, response);
        AddCommon(request, response);
    }

    /// <summary>One of the server's own answers: a short HTML page, plus the fields every response carries.</summary>
    private void Status(int statusCode, HttpRequest request, HttpResponse response, HeaderBlock? extra = null)
    {
        StatusPages.Fill(response, statusCode);
        if (extra != null) response.AddBlock(extra);
        AddCommon(request, response);
    }

    /// <summary>The fields every response gets: the user's -Header fields, CORS.</summary>
    private void AddCommon(HttpRequest request, HttpResponse response)
    {
        response.AddBlock(_settings.ExtraHeaders);
        _cors.AddAllowOrigin(request, response);
    }
}
