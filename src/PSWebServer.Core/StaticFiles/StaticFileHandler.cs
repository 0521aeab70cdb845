using System;
using System.Collections.Generic;
using System.IO;
using System.Text;
using PSWebServer.Http;

namespace PSWebServer.StaticFiles;

/// <summary>
/// GET and HEAD of files under the root, in the order the data path reads: resolve the path → select the
/// representation (content coding) → evaluate validators → select ranges → write the head and pick the body
/// (memory for cached files, sendfile for the rest). OPTIONS answers with Allow (and CORS preflight); every other
/// method gets 405.
/// </summary>
internal sealed class StaticFileHandler : IRequestHandler, IDisposable
{
    private static readonly string Boundary = "PSWebServer-" + Guid.NewGuid().ToString("N").Substring(0, 16);

    private readonly PathResolver _resolver;
    private readonly FileCache _cache;
    private readonly CompressedVariants _variants;
    private readonly FileHeadSettings _settings;
    private readonly CorsPolicy _cors;
    private readonly SpecialFile? _notFoundPage;
    private readonly SpecialFile? _fallback;
    private readonly int _maxCachedFileBytes;
    private readonly int _maxRanges;
    private readonly bool _browse;
    private readonly bool _serveHidden;

    public StaticFileHandler(string root, StaticServerOptions options)
    {
        _settings = new FileHeadSettings(options);
        _resolver = new PathResolver(root, options.DefaultDocuments, options.ServeHiddenFiles);
        _cache = new FileCache(options.FileCacheBytes);
        _variants = new CompressedVariants(options.CompressedCacheBytes, options.MaxCompressedFileBytes, _settings, _resolver.IsInsideRoot);
        _cors = new CorsPolicy(options.CorsOrigins);
        _maxCachedFileBytes = options.MaxCachedFileBytes;
        _maxRanges = Math.Max(1, options.MaxRanges);
        _browse = options.Browse;
        _serveHidden = options.ServeHiddenFiles;
        if (!string.IsNullOrEmpty(options.NotFoundPage)) _notFoundPage = new SpecialFile(Path.GetFullPath(options.NotFoundPage), _settings);
        if (!string.IsNullOrEmpty(options.Fallback)) _fallback = new SpecialFile(Path.GetFullPath(options.Fallback), _settings);
    }

    public void Handle(ReadOnlySpan<byte> head, HttpRequestHead request, ResponseBuffer output, ResponseState response)
    {
        switch (request.Method)
        {
            case HttpMethod.Options:
                WriteOptions(head, request, output, response);
                return;
            case HttpMethod.Other:
                Status(405, head, request, output, response, ResponseWriter.AllowLine);
                return;
        }

        int start = output.Length;
        try
        {
            HandleFile(head, request, output, response);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // A file vanished or changed between looking and opening (a build rewriting the site): drop whatever
            // of this response was written, so the client never sees a head followed by a different answer.
            output.Truncate(start);
            response.File?.Dispose();
            response.File = null;
            response.Parts = null;
            int status = ex is FileNotFoundException or DirectoryNotFoundException ? 404 : ex is UnauthorizedAccessException ? 403 : 500;
            Status(status, head, request, output, response);
        }
    }

    private void HandleFile(ReadOnlySpan<byte> head, HttpRequestHead request, ResponseBuffer output, ResponseState response)
    {
        ReadOnlySpan<byte> path = request.Path.Of(head);
        CachedFile? cached = _cache.TryGet(path, Environment.TickCount64);
        if (cached != null)
        {
            Serve(cached.Identity, cached, null, head, request, output, response, 200);
            return;
        }

        ResolvedPath resolved = _resolver.Resolve(path);
        switch (resolved.Kind)
        {
            case ResolutionKind.File:
                ServeFile(resolved.FullPath, path, head, request, output, response);
                return;
            case ResolutionKind.RedirectToFolder:
                Redirect(resolved.Location, head, request, output, response);
                return;
            case ResolutionKind.Folder when _browse:
                List(resolved.FullPath, path, head, request, output, response);
                return;
            case ResolutionKind.BadRequest:
                Status(400, head, request, output, response);
                return;
            default:
                NotFound(head, request, output, response);
                return;
        }
    }

    private void ServeFile(string fullPath, ReadOnlySpan<byte> path, ReadOnlySpan<byte> head, HttpRequestHead request,
        ResponseBuffer output, ResponseState response)
    {
        FileStream? stream = null;
        try
        {
            var info = new FileInfo(fullPath);
            if (info.Length <= _maxCachedFileBytes && FileCache.IsCacheableSpelling(path) && _cache.HasRoomFor(info.Length))
            {
                CachedFile file = _cache.Add(path, CachedFile.Load(fullPath, _settings));
                Serve(file.Identity, file, null, head, request, output, response, 200);
                return;
            }
            stream = OpenForSending(fullPath);
            DateTime lastWrite = File.GetLastWriteTimeUtc(fullPath);
            long length = stream.Length;
            Representation identity = Representation.Identity(fullPath, lastWrite, length, body: null);
            Serve(identity, null, stream, head, request, output, response, 200);
            if (ReferenceEquals(response.File, stream)) stream = null; // the connection sends and disposes it
        }
        finally
        {
            stream?.Dispose();
        }
    }

    /// <summary>Sends one file: representation, validators, ranges, head, body.</summary>
    /// <param name="open">The identity file, already open, for files not in the cache.</param>
    private void Serve(Representation identity, CachedFile? cached, FileStream? open, ReadOnlySpan<byte> head, HttpRequestHead request,
        ResponseBuffer output, ResponseState response, int status)
    {
        bool headOnly = request.Method == HttpMethod.Head;
        bool wantsRange = status == 200 && request.Range.IsPresent && request.Method == HttpMethod.Get;

        Representation representation = identity;
        if (_settings.Compression && !wantsRange && identity.Length >= CompressedVariants.MinimumLength && identity.Compressible)
        {
            ContentCoding coding = ContentNegotiation.ChooseCoding(request.AcceptEncoding.Of(head));
            if (coding != ContentCoding.Identity)
            {
                representation = (cached != null
                    ? cached.Compressed(coding, _variants, _settings)
                    : _variants.ForDiskFile(identity.FilePath!, identity, coding)) ?? identity;
            }
        }

        if (status == 200)
        {
            switch (ConditionalRequest.Evaluate(head, request, representation.EntityTag, representation.LastWriteUtc))
            {
                case Precondition.NotModified:
                    if (representation.Head304 != null) output.Write(representation.Head304);
                    else FileHeads.Write304(output, representation, _settings);
                    FinishHead(head, request, output, response);
                    response.StatusCode = 304;
                    response.ContentEncoding = ContentNegotiation.Token(representation.Coding);
                    return;
                case Precondition.Failed:
                    Status(412, head, request, output, response);
                    return;
            }
        }

        if (wantsRange && IfRangeAllows(head, request, identity))
        {
            switch (ByteRange.Parse(request.Range.Of(head), identity.Length, _maxRanges, out List<ByteRange> ranges))
            {
                case RangeOutcome.Unsatisfiable:
                    byte[] line = Encoding.ASCII.GetBytes("Content-Range: bytes */" + identity.Length.ToString(System.Globalization.CultureInfo.InvariantCulture) + "\r\n");
                    Status(416, head, request, output, response, line);
                    return;
                case RangeOutcome.Satisfiable when ranges.Count == 1:
                    ServeRange(identity, open, ranges[0], head, request, output, response);
                    return;
                case RangeOutcome.Satisfiable:
                    ServeMultipart(identity, open, ranges, head, request, output, response);
                    return;
            }
        }

        if (status == 200 && representation.Head200 != null) output.Write(representation.Head200);
        else FileHeads.Write(output, status, representation, representation.Length, default, _settings);
        FinishHead(head, request, output, response);
        response.StatusCode = status;
        response.ContentEncoding = ContentNegotiation.Token(representation.Coding);
        if (headOnly || representation.Length == 0) return;

        if (representation.Body != null)
        {
            output.Write(representation.Body);
        }
        else
        {
            response.File = ReferenceEquals(representation, identity) && open != null ? open : OpenForSending(representation.FilePath!);
            response.FileOffset = 0;
            response.FileLength = representation.Length;
        }
    }

    private void ServeRange(Representation identity, FileStream? open, ByteRange range, ReadOnlySpan<byte> head, HttpRequestHead request,
        ResponseBuffer output, ResponseState response)
    {
        byte[] contentRange = Encoding.ASCII.GetBytes(ContentRange(range, identity.Length));
        FileHeads.Write(output, 206, identity, range.Length, contentRange, _settings);
        FinishHead(head, request, output, response);
        response.StatusCode = 206;
        if (identity.Body != null)
        {
            output.Write(identity.Body.AsSpan((int)range.Start, (int)range.Length));
            return;
        }
        response.File = open ?? OpenForSending(identity.FilePath!);
        response.FileOffset = range.Start;
        response.FileLength = range.Length;
    }

    /// <summary>Several ranges: 206 multipart/byteranges (RFC 9110 §14.6), each part with its own Content-Range.</summary>
    private void ServeMultipart(Representation identity, FileStream? open, List<ByteRange> ranges, ReadOnlySpan<byte> head,
        HttpRequestHead request, ResponseBuffer output, ResponseState response)
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

        FileHeads.Write(output, 206, identity, contentLength, default, _settings, "multipart/byteranges; boundary=" + Boundary);
        FinishHead(head, request, output, response);
        response.StatusCode = 206;
        if (identity.Body != null)
        {
            foreach (BodyPart part in parts)
            {
                output.Write(part.Bytes ?? identity.Body.AsSpan((int)part.Offset, (int)part.Length));
            }
            return;
        }
        response.File = open ?? OpenForSending(identity.FilePath!);
        response.Parts = parts;
    }

    private static string ContentRange(ByteRange range, long length) =>
        string.Create(System.Globalization.CultureInfo.InvariantCulture, $"bytes {range.Start}-{range.End}/{length}");

    /// <summary>If-Range (RFC 9110 §13.1.5): ranges only if the client's copy is the current one — strong ETag match or exact date.</summary>
    private static bool IfRangeAllows(ReadOnlySpan<byte> head, HttpRequestHead request, Representation identity)
    {
        if (!request.IfRange.IsPresent) return true;
        ReadOnlySpan<byte> value = request.IfRange.Of(head);
        if (value.Length > 0 && (value[0] == (byte)'"' || value.StartsWith("W/"u8)))
        {
            return value.SequenceEqual(identity.EntityTag);
        }
        return HttpDate.TryParse(value, out DateTime date) && date == HttpDate.TruncateToSeconds(identity.LastWriteUtc);
    }

    /// <summary>Asynchronous: SendPacketsElement insists on it, though the bytes go by sendfile and never through the stream.</summary>
    private static FileStream OpenForSending(string path) =>
        new(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, bufferSize: 1, FileOptions.Asynchronous);

    private void NotFound(ReadOnlySpan<byte> head, HttpRequestHead request, ResponseBuffer output, ResponseState response)
    {
        if (_fallback != null && ContentNegotiation.NamesHtml(request.Accept.Of(head)) && _fallback.Get() is { } app)
        {
            Serve(app.Identity, app, null, head, request, output, response, 200);
            return;
        }
        if (_notFoundPage != null && _notFoundPage.Get() is { } page)
        {
            Serve(page.Identity, page, null, head, request, output, response, 404);
            return;
        }
        Status(404, head, request, output, response);
    }

    private void List(string folder, ReadOnlySpan<byte> path, ReadOnlySpan<byte> head, HttpRequestHead request, ResponseBuffer output, ResponseState response)
    {
        string display = PercentDecoding.DecodeForDisplay(path.IsEmpty ? "/"u8 : path);
        bool json = ContentNegotiation.PrefersJson(request.Accept.Of(head));
        byte[] body;
        try
        {
            body = json
                ? DirectoryListing.Json(folder, display, _serveHidden, _resolver.IsInsideRoot)
                : DirectoryListing.Html(folder, display, display == "/", _serveHidden, _resolver.IsInsideRoot);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            Status(403, head, request, output, response);
            return;
        }
        output.Write(StatusLines.For(200));
        output.Write(json ? "Content-Type: application/json; charset=utf-8\r\n"u8 : "Content-Type: text/html; charset=utf-8\r\n"u8);
        ResponseWriter.ContentLength(output, body.Length);
        output.Write("Cache-Control: no-cache\r\nVary: Accept\r\n"u8);
        output.Write(ResponseWriter.ServerLine);
        FinishHead(head, request, output, response);
        if (request.Method != HttpMethod.Head) output.Write(body);
        response.StatusCode = 200;
    }

    private void Redirect(string location, ReadOnlySpan<byte> head, HttpRequestHead request, ResponseBuffer output, ResponseState response)
    {
        ReadOnlySpan<byte> target = request.Target.Of(head);
        int query = target.IndexOf((byte)'?');
        var line = new StringBuilder("Location: ").Append(location);
        if (query >= 0) line.Append(Encoding.ASCII.GetString(target.Slice(query)));
        line.Append("\r\n");
        Status(301, head, request, output, response, Encoding.ASCII.GetBytes(line.ToString()));
    }

    private void WriteOptions(ReadOnlySpan<byte> head, HttpRequestHead request, ResponseBuffer output, ResponseState response)
    {
        output.Write(StatusLines.For(204));
        output.Write(ResponseWriter.ServerLine);
        output.Write(ResponseWriter.AllowLine);
        _cors.WritePreflight(head, request, output);
        FinishHead(head, request, output, response);
        response.StatusCode = 204;
    }

    /// <summary>One of the server's own answers: a short HTML page, plus the headers every response carries.</summary>
    private void Status(int statusCode, ReadOnlySpan<byte> head, HttpRequestHead request, ResponseBuffer output, ResponseState response,
        ReadOnlySpan<byte> extraHeaderLines = default)
    {
        byte[] body = ResponseWriter.StartStatusPage(output, statusCode, extraHeaderLines);
        FinishHead(head, request, output, response);
        if (request.Method != HttpMethod.Head) output.Write(body);
        response.StatusCode = statusCode;
    }

    /// <summary>The lines every response gets last: the user's -Header lines, CORS, Date, Connection.</summary>
    private void FinishHead(ReadOnlySpan<byte> head, HttpRequestHead request, ResponseBuffer output, ResponseState response)
    {
        output.Write(_settings.ExtraHeaders);
        _cors.WriteAllowOrigin(head, request, output);
        ResponseWriter.EndHead(output, response.Connection);
    }

    public void Dispose()
    {
        // Caches hold only managed memory; nothing to release beyond letting them go.
    }
}
