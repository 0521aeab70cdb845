using System;
using System.Collections.Concurrent;
using System.IO;
using System.IO.Compression;
using System.Threading;

namespace PSWebServer.StaticFiles;

/// <summary>
/// Makes the gzip and brotli forms of files: from a precompressed sidecar (file.br, file.gz) when one exists and
/// is not older than the file, else by compressing once (System.IO.Compression). Forms of files too large for the
/// file cache are kept here, bounded in bytes; when full, such files go out uncompressed rather than be
/// compressed again on every request.
/// </summary>
internal sealed class CompressedVariants
{
    /// <summary>Below this, compression saves less than it costs (a packet or so).</summary>
    public const long MinimumLength = 1024;

    private readonly ConcurrentDictionary<(string Path, ContentCoding Coding), Representation> _disk = new();
    private readonly long _maxBytes;
    private readonly long _maxSourceBytes;
    private readonly FileHeadSettings _settings;
    private long _bytes;

    private readonly Func<string, bool> _isInsideRoot;

    public CompressedVariants(long maxBytes, long maxSourceBytes, FileHeadSettings settings, Func<string, bool> isInsideRoot)
    {
        _isInsideRoot = isInsideRoot;
        _maxBytes = maxBytes;
        _maxSourceBytes = maxSourceBytes;
        _settings = settings;
    }

    /// <summary>The compressed form of a file too large for the file cache, or null to send identity.</summary>
    public Representation? ForDiskFile(string fullPath, Representation identity, ContentCoding coding)
    {
        if (_disk.TryGetValue((fullPath, coding), out Representation? held))
        {
            // An identity entry records "not worth compressing" for this version of the file.
            if (SameSource(held, identity)) return held.Coding == coding ? held : null;
            if (_disk.TryRemove((fullPath, coding), out Representation? removed) && removed.Coding != ContentCoding.Identity)
            {
                Interlocked.Add(ref _bytes, -(removed.Body?.Length ?? 0));
            }
        }
        if (Volatile.Read(ref _bytes) >= _maxBytes)
        {
            // Full: send identity rather than compress the same file again on every request.
            _disk.TryAdd((fullPath, coding), identity);
            return null;
        }
        Representation? made = Create(fullPath, identity, coding, inMemory: false);
        if (made == null)
        {
            _disk.TryAdd((fullPath, coding), identity);
            return null;
        }
        made = made.WithPrebuiltHeads(_settings);
        if (!_disk.TryAdd((fullPath, coding), made)) return made; // another loop made it at the same time: count it once
        if (made.Body != null) Interlocked.Add(ref _bytes, made.Body.Length);
        return made;
    }

    /// <summary>
    /// A compressed form: the sidecar if present and fresh (in memory when <paramref name="inMemory"/> and small,
    /// else sent from its file), else compressed now. Null when compressing would not make it smaller or the file is too large.
    /// </summary>
    public Representation? Create(string fullPath, Representation identity, ContentCoding coding, bool inMemory)
    {
        string suffix = coding == ContentCoding.Brotli ? ".br" : ".gz";
        var sidecar = new FileInfo(fullPath + suffix);
        // The sidecar obeys the root's rules too: a link out of the root is not followed, whatever its name.
        if (sidecar.Exists && sidecar.LastWriteTimeUtc >= identity.LastWriteUtc && _isInsideRoot(sidecar.FullName))
        {
            byte[] tag = EntityTag.ForFile(sidecar.LastWriteTimeUtc, sidecar.Length, "-" + ContentNegotiation.Token(coding));
            byte[]? body = inMemory && sidecar.Length <= 1024 * 1024 ? File.ReadAllBytes(sidecar.FullName) : null;
            return new Representation(identity.ContentType, coding, body?.Length ?? sidecar.Length, sidecar.LastWriteTimeUtc, tag,
                body, body == null ? sidecar.FullName : null) { SourceTag = identity.EntityTag };
        }

        if (identity.Length < MinimumLength || identity.Length > _maxSourceBytes) return null;
        using var compressed = new MemoryStream();
        using (Stream encoder = coding == ContentCoding.Brotli
            ? new BrotliStream(compressed, CompressionLevel.Optimal, leaveOpen: true)
            : new GZipStream(compressed, CompressionLevel.Optimal, leaveOpen: true))
        {
            if (identity.Body != null) encoder.Write(identity.Body);
            else
            {
                using var source = new FileStream(fullPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 64 * 1024);
                source.CopyTo(encoder);
            }
        }
        if (compressed.Length >= identity.Length) return null;
        byte[] bytes = compressed.ToArray();
        string token = ContentNegotiation.Token(coding);
        byte[] entityTag = EntityTag.ForFile(identity.LastWriteUtc, identity.Length, "-" + token);
        return new Representation(identity.ContentType, coding, bytes.Length, identity.LastWriteUtc, entityTag, bytes, null) { SourceTag = identity.EntityTag };
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
