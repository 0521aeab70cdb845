using System;
using System.Collections.Generic;
using System.IO;
using System.Threading;

namespace PSWebServer.LiveReload;

/// <summary>
/// Watches the root (recursively) and reports, once changes have been quiet for a moment, the set of paths that
/// changed, as paths from the root with "/" separators. A rename counts as a change of both names, so an editor's
/// write-then-move save (write "page.html.tmp" or "4913", rename it onto "page.html") is a change of "page.html"
/// once the scratch name is ignored. A burst that never goes quiet (a build writing for seconds) is still reported
/// every <c>maxDelay</c>. A lost event buffer is reported as a change of everything ("/"), which reloads.
/// Runs on FileSystemWatcher's thread and a timer on the .NET thread pool; never on a loop.
/// </summary>
internal sealed class FolderWatcher : IDisposable
{
    private readonly string _root;
    private readonly Action<IReadOnlyCollection<string>> _changed;
    private readonly Action<Exception> _error;
    private readonly TimeSpan _quiet;
    private readonly TimeSpan _maxDelay;
    private readonly bool _windowsRules;
    private readonly HashSet<string> _ignoredFiles;
    private readonly object _lock = new();
    private readonly FileSystemWatcher _watcher;
    private readonly Timer _timer;
    private HashSet<string> _pending = new(StringComparer.Ordinal);
    private long _batchStarted; // Environment.TickCount64 of the first change in the pending batch
    private bool _disposed;

    /// <param name="ignoredFiles">Full paths the server itself writes under the root (its access log): never a change.</param>
    public FolderWatcher(string root, Action<IReadOnlyCollection<string>> changed, Action<Exception> error,
        TimeSpan quiet, TimeSpan maxDelay, IEnumerable<string>? ignoredFiles = null, bool? windowsRules = null)
    {
        _root = Path.TrimEndingDirectorySeparator(Path.GetFullPath(root));
        _changed = changed;
        _error = error;
        _quiet = quiet;
        _maxDelay = maxDelay;
        _windowsRules = windowsRules ?? OperatingSystem.IsWindows();
        _ignoredFiles = new HashSet<string>(ignoredFiles ?? Array.Empty<string>(), OperatingSystem.IsWindows() ? StringComparer.OrdinalIgnoreCase : StringComparer.Ordinal);
        _timer = new Timer(static state => ((FolderWatcher)state!).Fire(), this, Timeout.Infinite, Timeout.Infinite);
        _watcher = new FileSystemWatcher(_root)
        {
            IncludeSubdirectories = true,
            NotifyFilter = NotifyFilters.FileName | NotifyFilters.DirectoryName | NotifyFilters.LastWrite | NotifyFilters.Size | NotifyFilters.CreationTime,
            InternalBufferSize = 64 * 1024,
        };
        _watcher.Created += (_, e) => Note(e.FullPath);
        _watcher.Deleted += (_, e) => Note(e.FullPath);
        _watcher.Changed += (_, e) =>
        {
            // A folder "changes" when its entries do; the entries report themselves.
            if (!Directory.Exists(e.FullPath)) Note(e.FullPath);
        };
        _watcher.Renamed += (_, e) =>
        {
            Note(e.OldFullPath);
            Note(e.FullPath);
        };
        _watcher.Error += (_, e) => Lost(e.GetException());
        try
        {
            _watcher.EnableRaisingEvents = true; // fails here (a watch limit, a vanished folder), so the start fails with it
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    /// <summary>Changes noted and not yet reported (for tests).</summary>
    internal int PendingCount
    {
        get
        {
            lock (_lock) return _pending.Count;
        }
    }

    private void Note(string fullPath)
    {
        if (_ignoredFiles.Contains(fullPath)) return;
        string relative = Path.GetRelativePath(_root, fullPath);
        if (relative.StartsWith("..", StringComparison.Ordinal) || Path.IsPathRooted(relative)) return;
        if (WatchedNames.IsIgnored(relative, _windowsRules)) return;
        Add("/" + relative.Replace('\\', '/'));
    }

    private void Lost(Exception exception)
    {
        _error(exception);
        Add("/");
    }

    private void Add(string path)
    {
        lock (_lock)
        {
            if (_disposed) return;
            long now = Environment.TickCount64;
            if (_pending.Count == 0) _batchStarted = now;
            _pending.Add(path);
            // Quiet for a moment, or the batch has waited long enough: report then.
            TimeSpan left = _maxDelay - TimeSpan.FromMilliseconds(now - _batchStarted);
            _timer.Change(left < _quiet ? (left < TimeSpan.Zero ? TimeSpan.Zero : left) : _quiet, Timeout.InfiniteTimeSpan);
        }
    }

    private void Fire()
    {
        HashSet<string> batch;
        lock (_lock)
        {
            if (_disposed || _pending.Count == 0) return;
            batch = _pending;
            _pending = new HashSet<string>(StringComparer.Ordinal);
        }
        try
        {
            _changed(batch);
        }
        catch (Exception ex)
        {
            _error(ex); // a timer callback must not throw: that would end the process
        }
    }

    public void Dispose()
    {
        lock (_lock)
        {
            if (_disposed) return;
            _disposed = true;
        }
        _watcher.EnableRaisingEvents = false;
        _watcher.Dispose();
        _timer.Dispose();
    }
}
