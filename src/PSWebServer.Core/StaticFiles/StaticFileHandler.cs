using System;
using System.IO;
using System.Text;
using PSWebServer.Http;

namespace PSWebServer.StaticFiles;

/// <summary>
/// GET and HEAD of files under the root: resolve the path, check the validators, pick the body (memory for
/// small cached files, sendfile for the rest). OPTIONS answers with Allow; every other method gets 405.
/// </summary>
internal sealed class StaticFileHandler : IRequestHandler, IDisposable
{
    private readonly PathResolver _resolver;
    private readonly FileCache _cache;
    private readonly int _maxCachedFileBytes;
    private readonly string _cacheControl;

    public StaticFileHandler(string root, StaticServerOptions options)
    {
        _resolver = new PathResolver(root, options.DefaultDocuments, options.ServeHiddenFiles);
        _cache = new FileCache(options.FileCacheBytes);
        _maxCachedFileBytes = options.MaxCachedFileBytes;
        _cacheControl = options.CacheControl ?? "";
    }

    public void Handle(ReadOnlySpan<byte> head, HttpRequestHead request, ResponseBuffer output, ResponseState response)
    {
        switch (request.Method)
        {
            case HttpMethod.Options:
                WriteOptions(output, response);
                return;
            case HttpMethod.Other:
                Status(405, output, response, headOnly: false, ResponseWriter.AllowLine);
                return;
        }

        bool headOnly = request.Method == HttpMethod.Head;
        ReadOnlySpan<byte> path = request.Path.Of(head);
        CachedFile? cached = _cache.TryGet(path, Environment.TickCount64);
        if (cached != null)
        {
            ServeCached(cached, head, request, output, response, headOnly);
            return;
        }

        ResolvedPath resolved = _resolver.Resolve(path);
        switch (resolved.Kind)
        {
            case ResolutionKind.File:
                ServeFile(resolved.FullPath, path, head, request, output, response, headOnly);
                return;
            case ResolutionKind.RedirectToFolder:
                Redirect(resolved.Location, request.Target.Of(head), output, response, headOnly);
                return;
            case ResolutionKind.BadRequest:
                Status(400, output, response, headOnly);
                return;
            default:
                Status(404, output, response, headOnly);
                return;
        }
    }

    private void ServeFile(string fullPath, ReadOnlySpan<byte> path, ReadOnlySpan<byte> head, HttpRequestHead request,
        ResponseBuffer output, ResponseState response, bool headOnly)
    {
        try
        {
            var info = new FileInfo(fullPath);
            if (info.Length <= _maxCachedFileBytes && _cache.HasRoomFor(info.Length))
            {
                CachedFile file = _cache.Add(path, CachedFile.Load(fullPath, _cacheControl));
                ServeCached(file, head, request, output, response, headOnly);
                return;
            }
            ServeFromDisk(fullPath, head, request, output, response, headOnly);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            Status(404, output, response, headOnly); // removed between the lookup and the open
        }
        catch (UnauthorizedAccessException)
        {
            Status(403, output, response, headOnly);
        }
        catch (IOException)
        {
            Status(500, output, response, headOnly);
        }
    }

    private static void ServeCached(CachedFile file, ReadOnlySpan<byte> head, HttpRequestHead request, ResponseBuffer output,
        ResponseState response, bool headOnly)
    {
        switch (ConditionalRequest.Evaluate(head, request, file.EntityTag, file.LastWriteUtc))
        {
            case Precondition.NotModified:
                output.Write(file.Head304);
                ResponseWriter.EndHead(output, response.Connection);
                response.StatusCode = 304;
                return;
            case Precondition.Failed:
                Status(412, output, response, headOnly);
                return;
        }
        output.Write(file.Head200);
        ResponseWriter.EndHead(output, response.Connection);
        if (!headOnly) output.Write(file.Body);
        response.StatusCode = 200;
    }

    /// <summary>Files too large for the cache: the head is written now, the body is left for the connection to sendfile.</summary>
    private void ServeFromDisk(string fullPath, ReadOnlySpan<byte> head, HttpRequestHead request, ResponseBuffer output,
        ResponseState response, bool headOnly)
    {
        // Asynchronous: SendPacketsElement insists on it, though the bytes go by sendfile and never through the stream.
        var stream = new FileStream(fullPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, bufferSize: 1, FileOptions.Asynchronous);
        try
        {
            long length = stream.Length;
            DateTime lastWrite = File.GetLastWriteTimeUtc(fullPath);
            byte[] tag = EntityTag.ForFile(lastWrite, length);
            byte[] lastModified = HttpDate.Format(lastWrite);
            switch (ConditionalRequest.Evaluate(head, request, tag, lastWrite))
            {
                case Precondition.NotModified:
                    FileHeads.Write304(output, lastModified, tag, _cacheControl);
                    ResponseWriter.EndHead(output, response.Connection);
                    response.StatusCode = 304;
                    return;
                case Precondition.Failed:
                    Status(412, output, response, headOnly);
                    return;
            }
            FileHeads.Write200(output, ContentTypeMap.For(fullPath), length, lastModified, tag, _cacheControl);
            ResponseWriter.EndHead(output, response.Connection);
            response.StatusCode = 200;
            if (!headOnly && length > 0)
            {
                response.File = stream;
                response.FileOffset = 0;
                response.FileLength = length;
                stream = null;
            }
        }
        finally
        {
            stream?.Dispose();
        }
    }

    private static void Redirect(string location, ReadOnlySpan<byte> target, ResponseBuffer output, ResponseState response, bool headOnly)
    {
        int query = target.IndexOf((byte)'?');
        var header = new StringBuilder("Location: ").Append(location);
        if (query >= 0) header.Append(Encoding.ASCII.GetString(target.Slice(query)));
        header.Append("\r\n");
        Status(301, output, response, headOnly, Encoding.ASCII.GetBytes(header.ToString()));
    }

    private static void WriteOptions(ResponseBuffer output, ResponseState response)
    {
        output.Write(StatusLines.For(204));
        output.Write(ResponseWriter.ServerLine);
        output.Write(ResponseWriter.AllowLine);
        ResponseWriter.EndHead(output, response.Connection);
        response.StatusCode = 204;
    }

    private static void Status(int statusCode, ResponseBuffer output, ResponseState response, bool headOnly, ReadOnlySpan<byte> extraHeaders = default)
    {
        ResponseWriter.WriteStatusPage(output, statusCode, response.Connection, headOnly, extraHeaders);
        response.StatusCode = statusCode;
    }

    public void Dispose()
    {
        // The cache holds only managed memory; nothing to release beyond letting it go.
    }
}
