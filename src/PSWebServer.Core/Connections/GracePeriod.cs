using System;
using System.Diagnostics;
using System.Threading;

namespace PSWebServer.Connections;

/// <summary>
/// How long a stop lets in-flight responses finish. It begins with the first stopper's grace; anyone later can only
/// bring its end closer — a second Stop asking for less, Ctrl+C, a fault — never push it back, so every caller's
/// "at most this long" holds. Real time (the user is waiting), not the connections' test clock.
/// </summary>
internal sealed class GracePeriod
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(10);

    private readonly object _gate = new();
    private long _end; // Stopwatch timestamp; guarded by _gate for writes, read with Volatile

    public GracePeriod(TimeSpan grace)
    {
        _end = EndAfter(grace);
    }

    /// <summary>True once the end has passed (or was brought to now).</summary>
    public bool HasEnded => Stopwatch.GetTimestamp() >= Volatile.Read(ref _end);

    /// <summary>The time left until the end; zero once it has passed.</summary>
    public TimeSpan Remaining
    {
        get
        {
            long left = Volatile.Read(ref _end) - Stopwatch.GetTimestamp();
            return left <= 0 ? TimeSpan.Zero : Stopwatch.GetElapsedTime(0, left);
        }
    }

    /// <summary>Brings the end to at most <paramref name="grace"/> from now; a longer grace changes nothing.</summary>
    public void Shorten(TimeSpan grace)
    {
        long end = EndAfter(grace);
        lock (_gate)
        {
            if (end >= _end) return;
            Volatile.Write(ref _end, end);
            Monitor.PulseAll(_gate); // a waiter sleeping towards the old end looks again now
        }
    }

    /// <summary>Ends the grace at once: what is still in flight is aborted.</summary>
    public void EndNow() => Shorten(TimeSpan.Zero);

    /// <summary>
    /// Waits until <paramref name="done"/> holds or the grace ends, whichever comes first; returns whether it held.
    /// <paramref name="done"/> is polled (connections ending have no single signal), but an end brought forward wakes the
    /// wait at once.
    /// </summary>
    public bool WaitUntil(Func<bool> done)
    {
        while (!done())
        {
            lock (_gate)
            {
                long left = Volatile.Read(ref _end) - Stopwatch.GetTimestamp();
                if (left <= 0) return done();
                TimeSpan wait = TimeSpan.FromSeconds((double)left / Stopwatch.Frequency);
                Monitor.Wait(_gate, wait < PollInterval ? wait : PollInterval);
            }
        }
        return true;
    }

    private static long EndAfter(TimeSpan grace)
    {
        long now = Stopwatch.GetTimestamp();
        if (grace <= TimeSpan.Zero) return now;
        double ticks = grace.TotalSeconds * Stopwatch.Frequency;
        return ticks >= long.MaxValue - now ? long.MaxValue : now + (long)ticks;
    }
}
