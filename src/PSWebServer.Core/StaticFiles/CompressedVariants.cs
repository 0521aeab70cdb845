using System;
using System.Collections.Concurrent;
using System.IO;
using System.IO.Compression;
using System.Threading;

namespace PSWebServer.StaticFiles;

/// <summary>
/// Makes the gzip and brotli forms of files: from a precompressed sidecar (file.br, file.gz) when one exists and
/// is not older than the file, else by compressing once (System.IO.Compression). Forms of files too large for the
/// file cache are kept here, bounded in bytes and in entries (the "not worth compressing" markers too): when full,
/// the oldest entries are dropped first, and a file whose form cannot be kept goes out uncompressed rather than be
/// compressed again on every request. Runs only off the event loops: compressing a large file takes long.
/// </summary>
internal sealed class CompressedVariants
{
    /// <summary>Below this, compression saves less than it costs (a packet or so).</summary>
    public const long MinimumLength = 1024;
    private const int DefaultMaxEntries = 4_096;

    private readonly ConcurrentDictionary<(string Path, ContentCoding Coding), Representation> _disk = new();
    private readonly ConcurrentQueue<(string Path, ContentCoding Coding)> _order = new(); // insertion order, for eviction
    private readonly object _evictLock = new();
    private readonly long _maxBytes;
    private readonly int _maxEntries;
    private readonly long _maxSourceBytes;
    private readonly FileHeadSettings _settings;
    private long _bytes;

    private readonly Func<string, bool> _isInsideRoot;

    public CompressedVariants(long maxBytes, long maxSourceBytes, FileHeadSettings settings, Func<string, bool> isInsideRoot,
        int maxEntries = DefaultMaxEntries)
    {
        _isInsideRoot = isInsideRoot;
        _maxBytes = maxBytes;
        _maxEntries = maxEntries;
        _maxSourceBytes = maxSourceBytes;
        _settings = settings;
    }

    internal long Bytes => Volatile.Read(ref _bytes);

    internal int Count => _disk.Count;

    internal int QueuedKeys => _order.Count;

    /// <summary>The compressed form of a file too large for the file cache, or null to send identity.</summary>
    public Representation? ForDiskFile(string fullPath, Representation identity, ContentCoding coding)
    {
        var key = (fullPath, coding);
        if (_disk.TryGetValue(key, out Representation? held))
        {
            // An identity entry records "not worth compressing" for this version of the file.
            if (SameSource(held, identity)) return held.Coding == coding ? held : null;
            if (_disk.TryRemove(key, out Representation? removed)) Interlocked.Add(ref _bytes, -Size(removed));
        }
        if (Volatile.Read(ref _bytes) >= _maxBytes || _disk.Count >= _maxEntries) Evict();
        if (Volatile.Read(ref _bytes) >= _maxBytes)
        {
            // Still full of forms in use: send identity rather than compress the same file again on every request.
            Keep(key, identity);
            return null;
        }
        Representation? made = Create(fullPath, identity, coding, inMemory: false);
        Keep(key, made ?? identity);
        return made;
    }

    private void Keep((string Path, ContentCoding Coding) key, Representation form)
    {
        if (!_disk.TryAdd(key, form)) return; // another thread made it at the same time: count it once
        Interlocked.Add(ref _bytes, Size(form));
        _order.Enqueue(key);
        // Keys of entries replaced since (an edited file) stay queued until eviction reaches them: keep the queue
        // itself bounded, not only the entries, by dropping the keys that no longer name an entry.
        if (_order.Count > _maxEntries * 2) CompactOrder();
    }

    private void CompactOrder()
    {
        lock (_evictLock)
        {
            int count = _order.Count;
            var seen = new System.Collections.Generic.HashSet<(string Path, ContentCoding Coding)>();
            for (int i = 0; i < count && _order.TryDequeue(out var key); i++)
            {
                if (_disk.ContainsKey(key) && seen.Add(key)) _order.Enqueue(key);
            }
        }
    }

    /// <summary>Drops the oldest entries until a quarter of each budget is free.</summary>
    private void Evict()
    {
        lock (_evictLock)
        {
            while ((Volatile.Read(ref _bytes) > _maxBytes * 3 / 4 || _disk.Count > _maxEntries * 3 / 4) && _order.TryDequeue(out var oldest))
            {
                if (_disk.TryRemove(oldest, out Representation? removed)) Interlocked.Add(ref _bytes, -Size(removed));
            }
        }
    }

    /// <summary>Bytes an entry holds in memory: a compressed body; markers and sidecar references hold none worth counting.</summary>
    private static long Size(Representation form) => form.Coding == ContentCoding.Identity ? 0 : form.Body?.Length ?? 0;

    /// <summary>
    /// A compressed form: the sidecar if present and fresh (in memory when <paramref name="inMemory"/> and small,
    /// else sent from its file), else compressed now. Null when compressing would not make it smaller or the file is too large.
    /// </summary>
    public Representation? Create(string fullPath, Representation identity, ContentCoding coding, bool inMemory)
    {
        string suffix = coding == ContentCoding.Brotli ? ".br" : ".gz";
        string sidecarPath = fullPath + suffix;
        // The sidecar obeys the root's rules too: a link out of the root is not followed, whatever its name; and
        // like every file served it must be a regular file (a FIFO named app.js.br must not hang anyone).
        if (File.Exists(sidecarPath) && _isInsideRoot(sidecarPath))
        {
            using FileStream? sidecar = RegularFile.Open(sidecarPath, out long sidecarLength, out DateTime sidecarTime);
            if (sidecar != null && sidecarTime >= identity.LastWriteUtc)
            {
                byte[] tag = EntityTag.ForFile(sidecarTime, sidecarLength, "-" + ContentNegotiation.Token(coding));
                byte[]? body = inMemory && sidecarLength <= 1024 * 1024 ? RegularFile.ReadAll(sidecar, sidecarLength) : null;
                return new Representation(identity.ContentType, coding, sidecarLength, sidecarTime, tag,
                    body, body == null ? sidecarPath : null, _settings) { SourceTag = identity.EntityTag };
            }
        }

        if (identity.Length < MinimumLength || identity.Length > _maxSourceBytes) return null;
        byte[]? bytes = HeavyWork.Run(() => Compress(fullPath, identity, coding));
        if (bytes is null) return null;
        string token = ContentNegotiation.Token(coding);
        byte[] entityTag = EntityTag.ForFile(identity.LastWriteUtc, identity.Length, "-" + token);
        return new Representation(identity.ContentType, coding, bytes.Length, identity.LastWriteUtc, entityTag, bytes, null, _settings) { SourceTag = identity.EntityTag };
    }

    /// <summary>
    /// A compressed form of bytes the server made (a page with the live-reload script): never a sidecar, which holds the
    /// file's own bytes. Its ETag is the form's with the coding added. Null when not worth it.
    /// </summary>
    public Representation? CompressBody(Representation form, ContentCoding coding)
    {
        if (form.Body is null || form.Length < MinimumLength || form.Length > _maxSourceBytes) return null;
        byte[]? bytes = HeavyWork.Run(() => Compress("", form, coding));
        if (bytes is null) return null;
        byte[] tag = form.EntityTag;
        byte[] entityTag = new byte[tag.Length + 1 + ContentNegotiation.Token(coding).Length];
        tag.AsSpan(0, tag.Length - 1).CopyTo(entityTag);
        int at = tag.Length - 1;
        entityTag[at++] = (byte)'-';
        foreach (char c in ContentNegotiation.Token(coding)) entityTag[at++] = (byte)c;
        entityTag[at] = (byte)'"';
        return new Representation(form.ContentType, coding, bytes.Length, form.LastWriteUtc, entityTag, bytes, null, _settings) { SourceTag = form.EntityTag };
    }

    /// <summary>The compressed bytes, or null when the file went away or compressing would not make it smaller.</summary>
    private static byte[]? Compress(string fullPath, Representation identity, ContentCoding coding)
    {
        using var compressed = new MemoryStream();
        using (Stream encoder = coding == ContentCoding.Brotli
            ? new BrotliStream(compressed, CompressionLevel.Optimal, leaveOpen: true)
            : new GZipStream(compressed, CompressionLevel.Optimal, leaveOpen: true))
        {
            if (identity.Body != null) encoder.Write(identity.Body);
            else
            {
                using FileStream? source = RegularFile.Open(fullPath, out _, out _);
                if (source is null) return null;
                source.CopyTo(encoder, 64 * 1024);
            }
        }
        return compressed.Length < identity.Length ? compressed.ToArray() : null;
    }

    /// <summary>
    /// Whether a held form was made from the file as it is now: same identity ETag (any change of time or size,
    /// even to an older time, makes a new one), and for a sidecar, the sidecar itself unchanged.
    /// </summary>
    private static bool SameSource(Representation held, Representation identity)
    {
        if (held.Coding == ContentCoding.Identity) return held.EntityTag.AsSpan().SequenceEqual(identity.EntityTag);
        if (held.SourceTag == null || !held.SourceTag.AsSpan().SequenceEqual(identity.EntityTag)) return false;
        return held.FilePath == null || File.GetLastWriteTimeUtc(held.FilePath) == held.LastWriteUtc;
    }
}
