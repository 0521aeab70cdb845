using System;
using System.Buffers;
using System.Diagnostics;
using System.IO;
using System.Threading;
using PSWebServer.Http;

namespace PSWebServer.AccessLog;

/// <summary>
/// The access log file: server threads hand records to <see cref="Append"/> (a copy into <see cref="AccessLogQueue"/>),
/// and one dedicated thread of this writer formats them and appends them to the file, in id order. Never the .NET
/// thread pool: the socket engine runs on it, and a slow disk must not delay connections.
/// <para>
/// The writer wakes when a segment fills and at least every 100 ms, writes what is queued through one buffered
/// stream and flushes it, so a <c>tail -f</c> sees requests within a tenth of a second. Before each write, and once a
/// second when idle, it checks that the path still names the open file; after a rotation (mv) or a delete it opens
/// (creates) the path again. A write that fails (disk full, folder gone) is reported to the server's LastError and
/// retried every second with the unwritten lines kept; the queue meanwhile absorbs new records up to its bound, then
/// applies back-pressure (see <see cref="AccessLogQueue"/>). <see cref="Dispose"/> writes everything queued, flushes and
/// closes; only lines a failing disk still refuses then are lost, and that is reported.
/// </para>
/// </summary>
internal sealed class AccessLogWriter : IDisposable
{
    private static readonly TimeSpan WakeInterval = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan CheckInterval = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan DisposeBound = TimeSpan.FromSeconds(10);

    private readonly string _path;
    private readonly AccessLogQueue _queue;
    private readonly AccessLogFormatter _formatter;
    private readonly Action<Exception> _reportError;
    private readonly Thread _thread;
    private readonly ArrayBufferWriter<byte> _pending = new(64 * 1024);
    private FileStream? _file;
    private long _pendingLines; // lines in _pending
    private long _linesWritten;
    private long _reopened;
    private int _disposed;

    public AccessLogWriter(string path, AccessLogFormat format, string serverName, Action<Exception> reportError,
        int maxSegments = AccessLogQueue.DefaultMaxSegments)
    {
        _path = path;
        _formatter = new AccessLogFormatter(format, serverName);
        _reportError = reportError;
        _queue = new AccessLogQueue(maxSegments);
        _file = Open(path); // on the caller's thread: a path that cannot be written fails the start, with its reason
        _thread = new Thread(Run) { IsBackground = true, Name = "PSWebServer access log: " + serverName };
        _thread.Start();
    }

    public string Path => _path;

    /// <summary>Lines written to the file so far.</summary>
    public long LinesWritten => Interlocked.Read(ref _linesWritten);

    /// <summary>How many times the path was opened again after a rotation or a delete.</summary>
    public long Reopened => Interlocked.Read(ref _reopened);

    internal AccessLogQueue Queue => _queue;

    /// <summary>Claims the next id from <paramref name="lastId"/> and queues the record (see <see cref="AccessLogQueue.Append"/>).</summary>
    public long Append(ref long lastId, in RequestRecord record) => _queue.Append(ref lastId, record);

    /// <summary>Writes everything queued, flushes and closes the file. Called once the server records no more.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        _queue.Close();
        if (!_thread.Join(DisposeBound))
        {
            _reportError(new IOException($"The access log '{_path}' was still being written {DisposeBound.TotalSeconds:0} s after the server stopped."));
        }
    }

    private static FileStream Open(string path) =>
        // Share Delete: on Windows too the log can be moved or deleted while open, which is how it is rotated.
        new(path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete, bufferSize: 64 * 1024);

    private void Run()
    {
        long lastCheck = Stopwatch.GetTimestamp();
        long lastFailure = 0;
        while (true)
        {
            bool closing = _queue.IsClosed; // looked at first: whatever was queued before the close is taken below
            if (_pending.WrittenCount == 0)
            {
                AccessLogSegment? chain = _queue.Take(WakeInterval);
                if (chain is not null)
                {
                    long lines = 0;
                    for (AccessLogSegment? s = chain; s is not null; s = s.Next)
                    {
                        for (int i = 0; i < s.Count; i++) _formatter.Append(s[i], _pending);
                        lines += s.Count;
                    }
                    _queue.Release(chain);
                    _pendingLines = lines;
                }
            }

            if (_pending.WrittenCount > 0)
            {
                // After a failure, wait a second before trying again, unless this is the last chance (closing).
                if (lastFailure == 0 || closing || Stopwatch.GetElapsedTime(lastFailure) >= CheckInterval)
                {
                    if (TryWritePending()) lastFailure = 0;
                    else if (closing)
                    {
                        _reportError(new IOException($"{_pendingLines} access log lines could not be written to '{_path}' before the server stopped."));
                        break;
                    }
                    else
                    {
                        lastFailure = Stopwatch.GetTimestamp();
                        Thread.Sleep(WakeInterval);
                    }
                    lastCheck = Stopwatch.GetTimestamp();
                }
                else Thread.Sleep(WakeInterval);
                continue;
            }

            if (closing) break;
            if (Stopwatch.GetElapsedTime(lastCheck) >= CheckInterval)
            {
                // Idle: still notice a deleted or rotated file, so it is there again for whoever watches the path.
                lastCheck = Stopwatch.GetTimestamp();
                try
                {
                    EnsureCurrentFile();
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
                {
                    Fail(ex);
                }
            }
        }
        CloseFile();
    }

    private bool TryWritePending()
    {
        try
        {
            FileStream file = EnsureCurrentFile();
            file.Write(_pending.WrittenSpan);
            file.Flush();
            _pending.Clear();
            Interlocked.Add(ref _linesWritten, _pendingLines);
            _pendingLines = 0;
            return true;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            Fail(ex);
            return false;
        }
    }

    /// <summary>The open file if the path still names it; else the path opened (created) again.</summary>
    private FileStream EnsureCurrentFile()
    {
        if (_file is not null && AccessLogFileIdentity.StillNames(_path, _file)) return _file;
        bool wasOpen = _file is not null;
        CloseFile();
        _file = Open(_path);
        if (wasOpen) Interlocked.Increment(ref _reopened);
        return _file;
    }

    private void Fail(Exception ex)
    {
        _reportError(new IOException($"The access log '{_path}' cannot be written: {ex.Message}", ex));
        CloseFile(); // reopened at the next attempt: the cause (a missing folder, a full disk) may be gone by then
    }

    private void CloseFile()
    {
        FileStream? file = _file;
        _file = null;
        if (file is null) return;
        try
        {
            file.Dispose();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            _reportError(new IOException($"The access log '{_path}' could not be closed: {ex.Message}", ex));
        }
    }
}
