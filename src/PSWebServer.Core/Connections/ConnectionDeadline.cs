using System;
using System.Threading;

namespace PSWebServer.Connections;

/// <summary>
/// The deadline of a connection's current phase, and whether that phase is idle (may be closed at once on stop): the
/// state an <see cref="ITrackedConnection"/> answers the heartbeat and stop from. One per connection, written only by
/// the connection's own code, read by any thread. A phase calls <see cref="Enter"/> as it begins — reading a head,
/// sending, a TLS handshake, an HTTP/2 session waiting for frames — and the heartbeat aborts it once the deadline passes.
/// </summary>
internal sealed class ConnectionDeadline
{
    private readonly ConnectionManager _manager;
    private long _deadline = long.MaxValue; // none until the first phase: a connection not yet running is not late
    private int _idle;

    public ConnectionDeadline(ConnectionManager manager)
    {
        _manager = manager;
    }

    /// <summary>Whether the current phase is idle: stop closes an idle connection at once instead of waiting for it.</summary>
    public bool IsIdle => Volatile.Read(ref _idle) != 0;

    /// <summary>The current deadline in the manager's clock units; <see cref="long.MaxValue"/> when there is none.</summary>
    public long Deadline => Volatile.Read(ref _deadline);

    /// <summary>
    /// Begins a phase that must end within <paramref name="timeout"/>. Check <see cref="ConnectionManager.Stopping"/>
    /// after entering an idle phase: the full fence here means stop either sees the phase as idle and closes it, or the
    /// connection sees that stop has begun — never neither.
    /// </summary>
    public void Enter(TimeSpan timeout, bool idle)
    {
        Volatile.Write(ref _deadline, _manager.DeadlineAfter(timeout));
        Interlocked.Exchange(ref _idle, idle ? 1 : 0);
    }

    /// <summary>Begins a phase with no deadline of its own (one bounded by something else); it is not idle.</summary>
    public void Clear()
    {
        Volatile.Write(ref _deadline, long.MaxValue);
        Interlocked.Exchange(ref _idle, 0);
    }

    /// <summary>The current phase, to put back with <see cref="Restore"/> after a nested one (a send inside a slow head).</summary>
    public (long Deadline, bool Idle) Save() => (Deadline, IsIdle);

    /// <summary>Returns to a phase saved earlier, with its deadline unchanged: the nested phase's time is not added to it.</summary>
    public void Restore((long Deadline, bool Idle) saved)
    {
        Volatile.Write(ref _deadline, saved.Deadline);
        Interlocked.Exchange(ref _idle, saved.Idle ? 1 : 0);
    }

    /// <summary>For <see cref="ITrackedConnection.AbortIfPastDeadline"/>: the deadline lies before <paramref name="now"/>.</summary>
    public bool IsPast(long now) => now > Volatile.Read(ref _deadline);
}
