using System;
using System.IO;

namespace PSWebServer.StaticFiles;

/// <summary>
/// A file the server serves in place of others (-NotFoundPage, -Fallback): held in memory like a cached file,
/// reloaded when it changes, and given up quietly (the built-in answer is used) when it cannot be read.
/// </summary>
internal sealed class SpecialFile
{
    private readonly string _fullPath;
    private readonly FileHeadSettings _settings;
    private CachedFile? _file;

    public SpecialFile(string fullPath, FileHeadSettings settings)
    {
        _fullPath = fullPath;
        _settings = settings;
    }

    public CachedFile? Get()
    {
        CachedFile? file = System.Threading.Volatile.Read(ref _file);
        if (file != null && file.IsFresh(Environment.TickCount64)) return file;
        try
        {
            file = CachedFile.Load(_fullPath, _settings);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            file = null;
        }
        System.Threading.Volatile.Write(ref _file, file);
        return file;
    }
}
