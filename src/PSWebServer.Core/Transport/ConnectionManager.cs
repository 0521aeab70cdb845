using System;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Threading;
using PSWebServer.Http;

namespace PSWebServer.Transport;

/// <summary>
/// The server's open connections: counts them against the limit, closes the ones whose deadline passed
/// (driven by the heartbeat), and drains them all on stop within a bounded time.
/// </summary>
internal sealed class ConnectionManager
{
    private readonly ConcurrentDictionary<long, Http1Connection> _connections = new();
    private readonly int _maxConnections;
    private long _nextId;
    private int _count;
    private int _stopping;

    public ConnectionManager(ServerLimits limits, TimeProvider? time = null)
    {
        _maxConnections = limits.MaxConnections;
        Time = time ?? TimeProvider.System;
    }

    /// <summary>The clock for deadlines; tests pass their own.</summary>
    public TimeProvider Time { get; }

    public int Count => Volatile.Read(ref _count);

    /// <summary>Set when stop begins: connections finish their current response with "Connection: close".</summary>
    public bool Stopping => Volatile.Read(ref _stopping) != 0;

    /// <summary>A deadline <paramref name="span"/> from now, in the clock's timestamp units.</summary>
    public long DeadlineAfter(TimeSpan span) => Time.GetTimestamp() + (long)(span.TotalSeconds * Time.TimestampFrequency);

    /// <summary>Counts a connection about to be made; false when the limit is reached or the server is stopping.</summary>
    public bool TryReserve()
    {
        if (Stopping) return false;
        if (Interlocked.Increment(ref _count) <= _maxConnections) return true;
        Interlocked.Decrement(ref _count);
        return false;
    }

    /// <summary>Below MaxConnections: at the limit new clients are not accepted and wait in the listen backlog.</summary>
    public bool HasCapacity => Count < _maxConnections;

    /// <summary>Gives back a reservation whose connection never started.</summary>
    public void CancelReservation() => Interlocked.Decrement(ref _count);

    public long Register(Http1Connection connection)
    {
        long id = Interlocked.Increment(ref _nextId);
        _connections[id] = connection;
        if (Stopping) connection.CloseIfIdle(); // stop began between accept and now
        return id;
    }

    public void Unregister(long id)
    {
        if (_connections.TryRemove(id, out _)) Interlocked.Decrement(ref _count);
    }

    /// <summary>Closes every connection whose deadline has passed: idle too long, a head too slow, a send stalled.</summary>
    public void CheckTimeouts()
    {
        long now = Time.GetTimestamp();
        foreach (var pair in _connections)
        {
            pair.Value.AbortIfPastDeadline(now);
        }
    }

    /// <summary>
    /// Idle connections are closed at once; the others get until <paramref name="grace"/> ends to finish their
    /// response, then are aborted. Returns true when none had to be aborted.
    /// </summary>
    public bool Drain(TimeSpan grace)
    {
        Interlocked.Exchange(ref _stopping, 1); // a full fence: each connection either sees it or is seen as Idle below
        foreach (var pair in _connections) pair.Value.CloseIfIdle();

        var clock = Stopwatch.StartNew();
        while (Count > 0 && clock.Elapsed < grace) Thread.Sleep(10);
        bool graceful = Count == 0;

        foreach (var pair in _connections) pair.Value.Abort();
        clock.Restart();
        while (Count > 0 && clock.Elapsed < TimeSpan.FromSeconds(2)) Thread.Sleep(10);
        return graceful;
    }
}
