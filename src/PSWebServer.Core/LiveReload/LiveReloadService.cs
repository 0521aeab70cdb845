using System;
using System.Collections.Generic;
using System.IO;

namespace PSWebServer.LiveReload;

/// <summary>
/// Live reload for one server: the hub of event streams, their front handler, and (unless the script alone says when)
/// the watcher on the root. A change, seen or announced, first makes the file handler forget what it holds (so the
/// reload gets the new files, not copies confirmed a moment ago), then tells the pages.
/// </summary>
internal sealed class LiveReloadService : IDisposable
{
    /// <summary>How long changes must be quiet before pages hear of them: an editor's save is several events.</summary>
    public static readonly TimeSpan Quiet = TimeSpan.FromMilliseconds(100);
    /// <summary>A burst that never goes quiet is still reported this often.</summary>
    public static readonly TimeSpan MaxDelay = TimeSpan.FromSeconds(1);
    public static readonly TimeSpan DefaultHeartbeat = TimeSpan.FromSeconds(15);

    private readonly Action _forgetCached;
    private readonly FolderWatcher? _watcher;

    public LiveReloadService(string root, bool watch, Action forgetCached, Action<Exception> error, IEnumerable<string>? ignoredFiles = null,
        TimeSpan? heartbeat = null, Http.HeaderBlock? extraHeaders = null)
    {
        _forgetCached = forgetCached;
        Hub = new LiveReloadHub();
        Handler = new LiveReloadHandler(Hub, heartbeat ?? DefaultHeartbeat, extraHeaders);
        if (!watch) return;
        try
        {
            _watcher = new FolderWatcher(root, Changed, error, Quiet, MaxDelay, ignoredFiles);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or PlatformNotSupportedException or ArgumentException)
        {
            throw new ServerException(ServerErrorKind.WatchNotAvailable,
                $"Live reload cannot watch '{root}': {ex.Message} Raise the system's limit on file watches, or turn watching off and reload from the script.", ex);
        }
    }

    public LiveReloadHub Hub { get; }

    public LiveReloadHandler Handler { get; }

    public bool Watching => _watcher != null;

    /// <summary>Files changed (paths from the root, "/" separated; none: reload everything).</summary>
    public void Changed(IReadOnlyCollection<string> paths)
    {
        _forgetCached();
        if (paths.Count == 0) Hub.Broadcast(LiveReloadHub.ReloadMessage);
        else Hub.Publish(paths);
    }

    /// <summary>
    /// The teardown begins: no more changes, every stream ends; waits up to <paramref name="wait"/> until each has left
    /// its idle wait, so the drain that follows lets it send its end rather than cut it.
    /// </summary>
    public void EndStreams(TimeSpan wait)
    {
        _watcher?.Dispose();
        Hub.EndAll();
        if (wait > TimeSpan.Zero) Hub.WaitUntilEmpty(wait);
    }

    public void Dispose() => EndStreams(TimeSpan.Zero);
}
