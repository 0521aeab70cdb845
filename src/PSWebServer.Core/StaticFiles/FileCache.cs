using System;
using System.Collections.Generic;
using System.Threading;

namespace PSWebServer.StaticFiles;

/// <summary>
/// Small files in memory, looked up by the raw request path bytes, so a hit costs a hash and a compare: no
/// decoding, no strings, no locks. Writers (misses) take a lock and publish new immutable chains; readers never
/// wait. Paths are entered only after <see cref="PathResolver"/> allowed them. Bounded in bytes (each file counted
/// once) and in the number of paths; only plain spellings of paths are entered (<see cref="IsCacheableSpelling"/>).
/// </summary>
internal sealed class FileCache
{
    public const long RecheckMilliseconds = 1000;
    private const int MaxKeys = 65_536;
    private const int MaxKeyBytes = 1024;

    private readonly object _writeLock = new();
    private readonly Dictionary<string, CachedFile> _byFile = new(StringComparer.Ordinal);
    private readonly long _maxBytes;
    private Node?[] _buckets = new Node?[256];
    private long _bytes;
    private int _keys;

    public FileCache(long maxBytes)
    {
        _maxBytes = maxBytes;
    }

    public long Bytes => Volatile.Read(ref _bytes);

    public CachedFile? TryGet(ReadOnlySpan<byte> path, long nowMilliseconds)
    {
        Node?[] buckets = Volatile.Read(ref _buckets);
        int hash = Hash(path);
        for (Node? node = buckets[hash & (buckets.Length - 1)]; node != null; node = node.Next)
        {
            if (node.Hash != hash || !path.SequenceEqual(node.Key)) continue;
            CachedFile file = node.File;
            if (file.IsFresh(nowMilliseconds)) return file;
            Forget(file);
            return null;
        }
        return null;
    }

    public bool HasRoomFor(long length) => Volatile.Read(ref _bytes) + length <= _maxBytes;

    /// <summary>
    /// Only the plain spelling of a path is entered (no escapes, no empty or dot segments, not too long): other
    /// spellings of the same file are served without the cache, so a client cannot fill it with aliases.
    /// </summary>
    public static bool IsCacheableSpelling(ReadOnlySpan<byte> path) =>
        path.Length is > 0 and <= MaxKeyBytes && path[0] == (byte)'/'
        && path.IndexOf((byte)'%') < 0 && path.IndexOf("//"u8) < 0 && path.IndexOf("/./"u8) < 0 && path.IndexOf("/../"u8) < 0
        && !path.EndsWith("/."u8) && !path.EndsWith("/.."u8);

    /// <summary>Enters a path spelling for a file; returns the copy to serve (an equal one already held is reused).</summary>
    public CachedFile Add(ReadOnlySpan<byte> path, CachedFile loaded)
    {
        lock (_writeLock)
        {
            CachedFile file = loaded;
            if (_byFile.TryGetValue(loaded.FullPath, out CachedFile? held))
            {
                if (!held.IsStale && held.LastWriteUtc == loaded.LastWriteUtc && held.Length == loaded.Length)
                {
                    file = held;
                }
                else
                {
                    Forget(held);
                }
            }
            if (!ReferenceEquals(file, held))
            {
                if (_bytes + file.Length > _maxBytes) return file; // served once from memory, not kept
                _byFile[file.FullPath] = file;
                Volatile.Write(ref _bytes, _bytes + file.Length);
            }
            Insert(path.ToArray(), Hash(path), file);
            return file;
        }
    }

    private void Insert(byte[] key, int hash, CachedFile file)
    {
        Node?[] buckets = _buckets;
        int index = hash & (buckets.Length - 1);
        Node? chain = Without(buckets[index], key, hash, out bool replaced);
        if (!replaced)
        {
            if (_keys >= MaxKeys) return;
            _keys++;
        }
        buckets[index] = new Node(key, hash, file, chain); // a reference write: readers see the old or the new chain
        if (_keys > buckets.Length * 2 && buckets.Length < 1 << 20) Grow(buckets);
    }

    private void Grow(Node?[] old)
    {
        var bigger = new Node?[old.Length * 4];
        foreach (Node? head in old)
        {
            for (Node? node = head; node != null; node = node.Next)
            {
                int index = node.Hash & (bigger.Length - 1);
                bigger[index] = new Node(node.Key, node.Hash, node.File, bigger[index]);
            }
        }
        Volatile.Write(ref _buckets, bigger);
    }

    /// <summary>A copy of the chain without the node for this key (chains are never edited in place).</summary>
    private static Node? Without(Node? chain, byte[] key, int hash, out bool found)
    {
        found = false;
        Node? result = null;
        var kept = new List<Node>();
        for (Node? node = chain; node != null; node = node.Next)
        {
            if (node.Hash == hash && node.Key.AsSpan().SequenceEqual(key)) found = true;
            else kept.Add(node);
        }
        if (!found) return chain;
        for (int i = kept.Count - 1; i >= 0; i--) result = new Node(kept[i].Key, kept[i].Hash, kept[i].File, result);
        return result;
    }

    /// <summary>Drops a changed file's bytes from the count; its path spellings are replaced when next asked for.</summary>
    private void Forget(CachedFile file)
    {
        file.MarkStale();
        lock (_writeLock)
        {
            if (_byFile.TryGetValue(file.FullPath, out CachedFile? held) && ReferenceEquals(held, file))
            {
                _byFile.Remove(file.FullPath);
                Volatile.Write(ref _bytes, _bytes - file.Length);
            }
        }
    }

    private static int Hash(ReadOnlySpan<byte> path)
    {
        var hash = new HashCode(); // seeded per process, so clients cannot aim collisions at one bucket
        hash.AddBytes(path);
        return hash.ToHashCode();
    }

    private sealed class Node
    {
        public Node(byte[] key, int hash, CachedFile file, Node? next)
        {
            Key = key;
            Hash = hash;
            File = file;
            Next = next;
        }

        public readonly byte[] Key;
        public readonly int Hash;
        public readonly CachedFile File;
        public readonly Node? Next;
    }
}
