using System;
using System.IO;
using System.Threading;

namespace PSWebServer.StaticFiles;

/// <summary>
/// A small file held in memory: its identity form with heads prebuilt, and its compressed forms once asked for.
/// Replaced, never edited, when the file changes; only freshness bookkeeping and the lazily made forms change.
/// </summary>
internal sealed class CachedFile
{
    private long _nextCheckMilliseconds;
    private volatile bool _stale;
    private Representation? _gzip, _brotli;
    private bool _gzipTried, _brotliTried;

    private CachedFile(string fullPath, Representation identity)
    {
        FullPath = fullPath;
        Identity = identity;
        _nextCheckMilliseconds = Environment.TickCount64 + FileCache.RecheckMilliseconds;
    }

    public string FullPath { get; }
    public Representation Identity { get; }
    public DateTime LastWriteUtc => Identity.LastWriteUtc;
    public long Length => Identity.Length;
    public bool IsStale => _stale;

    public static CachedFile Load(string fullPath, FileHeadSettings settings)
    {
        byte[] body;
        DateTime lastWrite;
        using (var stream = new FileStream(fullPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, bufferSize: 1))
        {
            lastWrite = File.GetLastWriteTimeUtc(fullPath);
            body = new byte[stream.Length];
            stream.ReadExactly(body);
        }
        Representation identity = Representation.Identity(fullPath, lastWrite, body.Length, body);
        return new CachedFile(fullPath, identity.WithPrebuiltHeads(settings));
    }

    /// <summary>The compressed form for <paramref name="coding"/>, made once (from a sidecar or by compressing); null when not worth it.</summary>
    public Representation? Compressed(ContentCoding coding, CompressedVariants variants, FileHeadSettings settings)
    {
        if (coding == ContentCoding.Brotli)
        {
            if (!Volatile.Read(ref _brotliTried)) Make(ref _brotli, ref _brotliTried, coding, variants, settings);
            return _brotli;
        }
        if (!Volatile.Read(ref _gzipTried)) Make(ref _gzip, ref _gzipTried, coding, variants, settings);
        return _gzip;
    }

    private void Make(ref Representation? slot, ref bool tried, ContentCoding coding, CompressedVariants variants, FileHeadSettings settings)
    {
        lock (this)
        {
            if (tried) return;
            Representation? made = variants.Create(FullPath, Identity, coding, inMemory: true);
            slot = made?.WithPrebuiltHeads(settings);
            Volatile.Write(ref tried, true);
        }
    }

    /// <summary>
    /// Whether the copy still matches the file. Looks at the file system at most once a second per file: edits
    /// show within a second, and a hot file costs one stat a second, not one per request.
    /// </summary>
    public bool IsFresh(long nowMilliseconds)
    {
        if (_stale) return false;
        if (nowMilliseconds < Volatile.Read(ref _nextCheckMilliseconds)) return true;
        var info = new FileInfo(FullPath);
        if (!info.Exists || info.Length != Length || info.LastWriteTimeUtc != LastWriteUtc)
        {
            _stale = true;
            return false;
        }
        Volatile.Write(ref _nextCheckMilliseconds, nowMilliseconds + FileCache.RecheckMilliseconds);
        return true;
    }

    public void MarkStale() => _stale = true;
}
