using System;
using System.Collections.Generic;
using System.Threading;

namespace PSWebServer.StaticFiles;

/// <summary>
/// Small files in memory, and paths known to have nothing servable, looked up by the raw request path bytes, so a
/// hit costs a hash and a compare: no decoding, no strings, no locks, no file-system call — which is what lets a hit
/// be answered on an event-loop thread. Writers (off the loop) take a lock and publish new immutable chains; readers
/// never wait. Paths are entered only after <see cref="PathResolver"/> allowed or refused them, and only in their
/// plain spelling (<see cref="IsCacheableSpelling"/>). Bounded in bytes (each file counted once), in paths, and in
/// "missing" entries; a file that changed or vanished is dropped with all its paths, so its bytes are released.
/// </summary>
internal sealed class FileCache
{
    public const long RecheckMilliseconds = 1000;
    private const int MaxKeys = 65_536;
    private const int MaxMissingKeys = 4_096;
    private const int MaxKeyBytes = 1024;

    private readonly object _writeLock = new();
    private readonly Dictionary<string, CachedFile> _byFile = new(StringComparer.Ordinal);
    private readonly long _maxBytes;
    private Node?[] _buckets = new Node?[256];
    private long _bytes;
    private int _keys;
    private int _missingKeys;

    public FileCache(long maxBytes)
    {
        _maxBytes = maxBytes;
    }

    public long Bytes => Volatile.Read(ref _bytes);

    /// <summary>Paths held (files and missing), for tests of the bounds.</summary>
    internal int KeyCount => Volatile.Read(ref _keys);

    internal int MissingKeyCount => Volatile.Read(ref _missingKeys);

    /// <summary>On the loop: what is known of <paramref name="path"/> without touching the disk.</summary>
    public CacheLookup TryGet(ReadOnlySpan<byte> path, long nowMilliseconds, out CachedFile? file)
    {
        file = null;
        Node? node = Find(path);
        if (node is null) return CacheLookup.Unknown;
        if (node.File is null) return nowMilliseconds < node.ExpiresAt ? CacheLookup.Missing : CacheLookup.Unknown;
        if (!node.File.IsFreshWithoutIo(nowMilliseconds)) return CacheLookup.Unknown;
        file = node.File;
        return CacheLookup.Hit;
    }

    /// <summary>
    /// Off the loop: the file held for <paramref name="path"/> after checking it against the disk (at most once a second),
    /// or null when none is held or it changed (it is then dropped, bytes and paths).
    /// </summary>
    public CachedFile? GetRevalidated(ReadOnlySpan<byte> path, long nowMilliseconds)
    {
        if (Find(path)?.File is not CachedFile file) return null;
        if (file.Revalidate(nowMilliseconds)) return file;
        Forget(file);
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
                if (!held.IsStale && held.LastWriteUtc == loaded.LastWriteUtc && held.Length == loaded.Length) file = held;
                else ForgetLocked(held);
            }
            if (!ReferenceEquals(file, held))
            {
                if (_bytes + file.Length > _maxBytes) return file; // served once from memory, not kept
                _byFile[file.FullPath] = file;
                Volatile.Write(ref _bytes, _bytes + file.Length);
            }
            Insert(path.ToArray(), Hash(path), file, 0);
            return file;
        }
    }

    /// <summary>
    /// Off the loop: remembers for a second that <paramref name="path"/> has nothing to serve, so repeated 404s (and
    /// FIFOs, hidden files) are answered on the loop. Bounded: when full, expired entries are swept, else nothing is kept.
    /// </summary>
    public void AddMissing(ReadOnlySpan<byte> path, long nowMilliseconds)
    {
        if (!IsCacheableSpelling(path)) return;
        lock (_writeLock)
        {
            if (_missingKeys >= MaxMissingKeys) SweepMissing(nowMilliseconds);
            if (_missingKeys >= MaxMissingKeys) return;
            Insert(path.ToArray(), Hash(path), null, nowMilliseconds + RecheckMilliseconds);
        }
    }

    private Node? Find(ReadOnlySpan<byte> path)
    {
        Node?[] buckets = Volatile.Read(ref _buckets);
        int hash = Hash(path);
        for (Node? node = buckets[hash & (buckets.Length - 1)]; node != null; node = node.Next)
        {
            if (node.Hash == hash && path.SequenceEqual(node.Key)) return node;
        }
        return null;
    }

    private void Insert(byte[] key, int hash, CachedFile? file, long expiresAt)
    {
        Node?[] buckets = _buckets;
        int index = hash & (buckets.Length - 1);
        Node? chain = Without(buckets[index], n => n.Hash == hash && n.Key.AsSpan().SequenceEqual(key), out Node? replaced);
        if (replaced != null) Discount(replaced);
        else if (_keys >= MaxKeys) return;
        _keys++;
        if (file is null) _missingKeys++;
        else file.Keys.Add(key);
        buckets[index] = new Node(key, hash, file, expiresAt, chain); // a reference write: readers see the old or the new chain
        if (_keys > buckets.Length * 2 && buckets.Length < 1 << 20) Grow(buckets);
    }

    /// <summary>Takes a node that left its chain out of the counts (and out of its file's paths).</summary>
    private void Discount(Node node)
    {
        _keys--;
        if (node.File is null)
        {
            _missingKeys--;
            return;
        }
        List<byte[]> keys = node.File.Keys;
        for (int i = 0; i < keys.Count; i++)
        {
            if (keys[i].AsSpan().SequenceEqual(node.Key))
            {
                keys.RemoveAt(i);
                break;
            }
        }
    }

    private void Grow(Node?[] old)
    {
        var bigger = new Node?[old.Length * 4];
        foreach (Node? head in old)
        {
            for (Node? node = head; node != null; node = node.Next)
            {
                int index = node.Hash & (bigger.Length - 1);
                bigger[index] = new Node(node.Key, node.Hash, node.File, node.ExpiresAt, bigger[index]);
            }
        }
        Volatile.Write(ref _buckets, bigger);
    }

    /// <summary>A copy of the chain without the first node that <paramref name="match"/> picks (chains are never edited in place).</summary>
    private static Node? Without(Node? chain, Func<Node, bool> match, out Node? removed)
    {
        removed = null;
        var kept = new List<Node>();
        for (Node? node = chain; node != null; node = node.Next)
        {
            if (removed is null && match(node)) removed = node;
            else kept.Add(node);
        }
        if (removed is null) return chain;
        Node? result = null;
        for (int i = kept.Count - 1; i >= 0; i--) result = new Node(kept[i].Key, kept[i].Hash, kept[i].File, kept[i].ExpiresAt, result);
        return result;
    }

    /// <summary>Drops a changed or vanished file: its bytes from the count and every path that leads to it, so nothing holds its body.</summary>
    private void Forget(CachedFile file)
    {
        file.MarkStale();
        lock (_writeLock) ForgetLocked(file);
    }

    private void ForgetLocked(CachedFile file)
    {
        file.MarkStale();
        if (_byFile.TryGetValue(file.FullPath, out CachedFile? held) && ReferenceEquals(held, file))
        {
            _byFile.Remove(file.FullPath);
            Volatile.Write(ref _bytes, _bytes - file.Length);
        }
        Node?[] buckets = _buckets;
        foreach (byte[] key in file.Keys.ToArray())
        {
            int hash = Hash(key);
            int index = hash & (buckets.Length - 1);
            Node? chain = Without(buckets[index], n => ReferenceEquals(n.File, file) && n.Key.AsSpan().SequenceEqual(key), out Node? removed);
            if (removed is null) continue;
            Discount(removed);
            buckets[index] = chain;
        }
        file.Keys.Clear();
    }

    /// <summary>
    /// Forgets every file and every "missing" path at once (live reload saw a change, or a script said files changed):
    /// a page reloaded a few milliseconds after an edit must not get the copy confirmed within the last second.
    /// </summary>
    public void Clear()
    {
        lock (_writeLock)
        {
            foreach (CachedFile file in _byFile.Values)
            {
                file.MarkStale();
                file.Keys.Clear();
            }
            _byFile.Clear();
            Volatile.Write(ref _bytes, 0);
            _keys = 0;
            _missingKeys = 0;
            Volatile.Write(ref _buckets, new Node?[256]); // readers see the old table or the empty one
        }
    }

    /// <summary>Removes the "missing" entries whose second has passed (when their budget is full).</summary>
    private void SweepMissing(long nowMilliseconds)
    {
        Node?[] buckets = _buckets;
        for (int i = 0; i < buckets.Length; i++)
        {
            Node? chain = buckets[i];
            while (true)
            {
                chain = Without(chain, n => n.File is null && nowMilliseconds >= n.ExpiresAt, out Node? removed);
                if (removed is null) break;
                Discount(removed);
            }
            buckets[i] = chain;
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
        public Node(byte[] key, int hash, CachedFile? file, long expiresAt, Node? next)
        {
            Key = key;
            Hash = hash;
            File = file;
            ExpiresAt = expiresAt;
            Next = next;
        }

        public readonly byte[] Key;
        public readonly int Hash;
        /// <summary>Null for a "missing" entry.</summary>
        public readonly CachedFile? File;
        /// <summary>For a "missing" entry: when (clock milliseconds) it must be checked again.</summary>
        public readonly long ExpiresAt;
        public readonly Node? Next;
    }
}
