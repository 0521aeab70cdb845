using System;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Threading;

namespace PSWebServer.Connections;

/// <summary>
/// The server's open connections, whatever their protocol: counts them against the limit, aborts the ones whose
/// deadline passed (driven by the <see cref="Heartbeat"/>), and drains them all on stop within a bounded time. It sits
/// above the transports and below the protocols: the engines reach it through delegates (reserve, capacity), the
/// protocols through <see cref="ITrackedConnection"/>, and it references neither.
/// </summary>
/// <remarks>
/// The life of a connection here: <see cref="TryReserve"/> when the transport accepts it (before anything is allocated
/// for it), <see cref="Register"/> when its first phase starts, <see cref="Replace"/> when one phase hands the socket to
/// the next, <see cref="Unregister"/> when it ends — which also gives back the reservation. A reservation whose
/// connection never started is given back with <see cref="CancelReservation"/>.
/// </remarks>
internal sealed class ConnectionManager
{
    private static readonly TimeSpan AbortWait = TimeSpan.FromSeconds(2);

    private readonly ConcurrentDictionary<long, ITrackedConnection> _connections = new();
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

    /// <summary>
    /// Tracks a connection whose reservation was taken; returns its id for <see cref="Replace"/> and
    /// <see cref="Unregister"/>. A connection registered after stop began is closed at once if it is idle.
    /// </summary>
    public long Register(ITrackedConnection connection)
    {
        long id = Interlocked.Increment(ref _nextId);
        _connections[id] = connection;
        if (Stopping) connection.CloseIfIdle(); // stop began between accept and now
        return id;
    }

    /// <summary>
    /// Hands a registration to the next phase on the same socket (a TLS handshake to the protocol it negotiated): the
    /// connection keeps its id and its place in the count, and from now on the heartbeat and stop ask
    /// <paramref name="next"/>. False when the id is no longer tracked (the connection already ended).
    /// </summary>
    public bool Replace(long id, ITrackedConnection next)
    {
        while (_connections.TryGetValue(id, out ITrackedConnection? current))
        {
            if (!_connections.TryUpdate(id, next, current)) continue;
            if (Stopping) next.CloseIfIdle();
            return true;
        }
        return false;
    }

    /// <summary>The connection has ended: no longer tracked, and its reservation is given back.</summary>
    public void Unregister(long id)
    {
        if (_connections.TryRemove(id, out _)) Interlocked.Decrement(ref _count);
    }

    /// <summary>Aborts every connection whose deadline has passed: idle too long, a head too slow, a send stalled.</summary>
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
    public bool Drain(TimeSpan grace) => Drain(new GracePeriod(grace));

    /// <summary>
    /// As <see cref="Drain(TimeSpan)"/>, with a grace whose end others may bring forward while this waits (a second
    /// Stop, Ctrl+C, a fault): the wait then ends at once and what is in flight is aborted.
    /// </summary>
    public bool Drain(GracePeriod grace)
    {
        Interlocked.Exchange(ref _stopping, 1); // a full fence: each connection either sees it or is seen as idle below
        foreach (var pair in _connections) pair.Value.CloseIfIdle();

        bool graceful = grace.WaitUntil(() => Count == 0);

        foreach (var pair in _connections) pair.Value.Abort();
        var clock = Stopwatch.StartNew();
        while (Count > 0 && clock.Elapsed < AbortWait) Thread.Sleep(10);
        return graceful;
    }
}
