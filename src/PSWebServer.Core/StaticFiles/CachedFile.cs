using System;
using System.IO;
using PSWebServer.Http;

namespace PSWebServer.StaticFiles;

/// <summary>
/// A small file held in memory with its response heads prebuilt, so serving it is a few copies.
/// Immutable but for its freshness bookkeeping; replaced, never edited, when the file changes.
/// </summary>
internal sealed class CachedFile
{
    private long _nextCheckMilliseconds;
    private volatile bool _stale;

    private CachedFile(string fullPath, DateTime lastWriteUtc, byte[] body, byte[] entityTag, byte[] head200, byte[] head304)
    {
        FullPath = fullPath;
        LastWriteUtc = lastWriteUtc;
        Body = body;
        EntityTag = entityTag;
        Head200 = head200;
        Head304 = head304;
        _nextCheckMilliseconds = Environment.TickCount64 + FileCache.RecheckMilliseconds;
    }

    public string FullPath { get; }
    public DateTime LastWriteUtc { get; }
    public byte[] Body { get; }
    public byte[] EntityTag { get; }
    /// <summary>Status line and headers of a 200, without Date, Connection and the final CRLF.</summary>
    public byte[] Head200 { get; }
    public byte[] Head304 { get; }
    public bool IsStale => _stale;

    public static CachedFile Load(string fullPath, string cacheControl)
    {
        byte[] body;
        DateTime lastWrite;
        using (var stream = new FileStream(fullPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, bufferSize: 1))
        {
            lastWrite = File.GetLastWriteTimeUtc(fullPath);
            body = new byte[stream.Length];
            stream.ReadExactly(body);
        }

        byte[] tag = StaticFiles.EntityTag.ForFile(lastWrite, body.Length);
        byte[] lastModified = HttpDate.Format(lastWrite);
        string contentType = ContentTypeMap.For(fullPath);
        using var buffer = new ResponseBuffer();
        FileHeads.Write200(buffer, contentType, body.Length, lastModified, tag, cacheControl);
        byte[] head200 = buffer.WrittenSpan.ToArray();
        buffer.Clear();
        FileHeads.Write304(buffer, lastModified, tag, cacheControl);
        byte[] head304 = buffer.WrittenSpan.ToArray();
        return new CachedFile(fullPath, lastWrite, body, tag, head200, head304);
    }

    /// <summary>
    /// Whether the copy still matches the file. Looks at the file system at most once a second per file: edits
    /// show within a second, and a hot file costs one stat a second, not one per request.
    /// </summary>
    public bool IsFresh(long nowMilliseconds)
    {
        if (_stale) return false;
        if (nowMilliseconds < System.Threading.Volatile.Read(ref _nextCheckMilliseconds)) return true;
        var info = new FileInfo(FullPath);
        if (!info.Exists || info.Length != Body.Length || info.LastWriteTimeUtc != LastWriteUtc)
        {
            _stale = true;
            return false;
        }
        System.Threading.Volatile.Write(ref _nextCheckMilliseconds, nowMilliseconds + FileCache.RecheckMilliseconds);
        return true;
    }

    public void MarkStale() => _stale = true;
}
