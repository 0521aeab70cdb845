using System;
using System.IO;
using System.Threading;

namespace PSWebServer.StaticFiles;

/// <summary>
/// A file the server serves in place of others (-NotFoundPage, -Fallback): held in memory like a cached file,
/// reloaded when it changes, and given up quietly (the built-in answer is used) when it cannot be read. Like the
/// file cache, it answers on the loop from memory for a second at a time and looks at the disk only off the loop.
/// </summary>
internal sealed class SpecialFile
{
    private readonly string _fullPath;
    private readonly FileHeadSettings _settings;
    private CachedFile? _file;
    private long _missingUntil; // clock milliseconds: the file could not be read, and need not be tried before then

    public SpecialFile(string fullPath, FileHeadSettings settings)
    {
        _fullPath = fullPath;
        _settings = settings;
    }

    /// <summary>
    /// The file (null when it cannot be read), or false when finding out needs the disk and <paramref name="mayBlock"/> is false.
    /// </summary>
    public bool TryGet(long nowMilliseconds, bool mayBlock, out CachedFile? file)
    {
        file = Volatile.Read(ref _file);
        if (file != null && file.IsFreshWithoutIo(nowMilliseconds)) return true;
        if (file is null && nowMilliseconds < Volatile.Read(ref _missingUntil)) return true;
        if (!mayBlock) return false;
        if (file != null && file.Revalidate(nowMilliseconds)) return true;
        file = Load(nowMilliseconds);
        Volatile.Write(ref _file, file);
        if (file is null) Volatile.Write(ref _missingUntil, nowMilliseconds + FileCache.RecheckMilliseconds);
        return true;
    }

    /// <summary>Live reload saw a change: the next request looks at the disk, not at the second-old copy.</summary>
    public void Invalidate()
    {
        Volatile.Read(ref _file)?.MarkStale();
        Volatile.Write(ref _missingUntil, 0);
    }

    private CachedFile? Load(long nowMilliseconds)
    {
        try
        {
            using FileStream? stream = RegularFile.Open(_fullPath, out long length, out DateTime lastWrite);
            return stream is null ? null : CachedFile.Load(_fullPath, stream, length, lastWrite, _settings, nowMilliseconds);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
