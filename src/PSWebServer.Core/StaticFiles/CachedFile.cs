using System;
using System.Collections.Generic;
using System.IO;
using System.Threading;

namespace PSWebServer.StaticFiles;

/// <summary>
/// A small file held in memory: its identity form with its header blocks made, and its compressed forms once asked
/// for. Replaced, never edited, when the file changes; only freshness bookkeeping and the lazily made forms change.
/// Freshness is two steps so the loop never touches the disk: <see cref="IsFreshWithoutIo"/> (the clock alone) on
/// the loop, <see cref="Revalidate"/> (a stat, at most once a second) off it.
/// </summary>
internal sealed class CachedFile
{
    private long _nextCheckMilliseconds;
    private volatile bool _stale;
    private Representation? _gzip, _brotli;
    private bool _gzipTried, _brotliTried;
    private CachedFile? _injected;
    private bool _injectedTried;
    private readonly bool _derived; // the live-reload form of a page: its bytes are not the file's, so no sidecar is its compressed form

    private CachedFile(string fullPath, Representation identity, long nowMilliseconds, bool derived = false)
    {
        FullPath = fullPath;
        Identity = identity;
        _derived = derived;
        _nextCheckMilliseconds = nowMilliseconds + FileCache.RecheckMilliseconds;
    }

    public string FullPath { get; }
    public Representation Identity { get; }
    public DateTime LastWriteUtc => Identity.LastWriteUtc;
    public long Length => Identity.Length;
    public bool IsStale => _stale;

    /// <summary>The request-path spellings the cache holds for this file; guarded by the cache's write lock.</summary>
    internal List<byte[]> Keys { get; } = new(1);

    /// <summary>Reads an opened (regular) file whole; <paramref name="length"/> and time are what its open reported.</summary>
    public static CachedFile Load(string fullPath, FileStream stream, long length, DateTime lastWriteUtc, FileHeadSettings settings, long nowMilliseconds)
    {
        byte[] body = RegularFile.ReadAll(stream, length);
        return new CachedFile(fullPath, Representation.Identity(fullPath, lastWriteUtc, body.Length, body, settings), nowMilliseconds);
    }

    /// <summary>The compressed form if it was already made or found not worth it; false when it still has to be made (off the loop).</summary>
    public bool TryGetCompressed(ContentCoding coding, out Representation? form)
    {
        if (coding == ContentCoding.Brotli)
        {
            form = _brotli;
            return Volatile.Read(ref _brotliTried);
        }
        form = _gzip;
        return Volatile.Read(ref _gzipTried);
    }

    /// <summary>The compressed form for <paramref name="coding"/>, made once (from a sidecar or by compressing); null when not worth it.</summary>
    public Representation? Compressed(ContentCoding coding, CompressedVariants variants)
    {
        if (coding == ContentCoding.Brotli)
        {
            if (!Volatile.Read(ref _brotliTried)) Make(ref _brotli, ref _brotliTried, coding, variants);
            return _brotli;
        }
        if (!Volatile.Read(ref _gzipTried)) Make(ref _gzip, ref _gzipTried, coding, variants);
        return _gzip;
    }

    private void Make(ref Representation? slot, ref bool tried, ContentCoding coding, CompressedVariants variants)
    {
        lock (this)
        {
            if (tried) return;
            slot = _derived ? variants.CompressBody(Identity, coding) : variants.Create(FullPath, Identity, coding, inMemory: true);
            Volatile.Write(ref tried, true);
        }
    }

    /// <summary>The live-reload form if already made (or found impossible); false when it still has to be made (off the loop).</summary>
    public bool TryGetInjected(out CachedFile? injected)
    {
        // "tried" first: it is written after the form, so a reader that sees it also sees the form.
        bool tried = Volatile.Read(ref _injectedTried);
        injected = Volatile.Read(ref _injected);
        return tried;
    }

    /// <summary>
    /// This page with the live-reload script tag in it, made once per file version: a representation of its own
    /// (its length, an ETag distinct from the plain page's and derived from the same file version, its own compressed
    /// forms), held with the page so it is dropped with it. Null for a page it cannot go into (UTF-16).
    /// </summary>
    public CachedFile? Injected(byte[] tag, FileHeadSettings settings)
    {
        if (Volatile.Read(ref _injectedTried)) return _injected;
        lock (this)
        {
            if (_injectedTried) return _injected;
            byte[]? body = Identity.Body is byte[] page ? ScriptInjection.Inject(page, tag) : null;
            if (body != null)
            {
                byte[] entityTag = StaticFiles.EntityTag.ForFile(Identity.LastWriteUtc, Identity.Length, "-lr");
                var form = new Representation(Identity.ContentType, ContentCoding.Identity, body.Length, Identity.LastWriteUtc, entityTag,
                    body, null, settings);
                Volatile.Write(ref _injected, new CachedFile(FullPath, form, 0, derived: true));
            }
            Volatile.Write(ref _injectedTried, true);
            return _injected;
        }
    }

    /// <summary>On the loop: true while the copy was confirmed within the last second (no file-system call).</summary>
    public bool IsFreshWithoutIo(long nowMilliseconds) => !_stale && nowMilliseconds < Volatile.Read(ref _nextCheckMilliseconds);

    /// <summary>
    /// Off the loop: whether the copy still matches the file, looking at the file system at most once a second per
    /// file: edits show within a second, and a hot file costs one stat a second, not one per request.
    /// </summary>
    public bool Revalidate(long nowMilliseconds)
    {
        if (_stale) return false;
        if (nowMilliseconds < Volatile.Read(ref _nextCheckMilliseconds)) return true;
        if (!RegularFile.TryStat(FullPath, out long length, out DateTime lastWrite) || length != Length || lastWrite != LastWriteUtc)
        {
            _stale = true;
            return false;
        }
        Volatile.Write(ref _nextCheckMilliseconds, nowMilliseconds + FileCache.RecheckMilliseconds);
        return true;
    }

    public void MarkStale() => _stale = true;
}
