using System;
using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Threading;

namespace PSWebServer.Http;

/// <summary>
/// Threads for the work a handler does off the event loops (opening cold files, first compressions, listings,
/// freshness checks). Not the .NET thread pool, for two reasons seen under load: the pool adds threads slowly
/// (about two a second once its minimum is busy), so four long compressions made a cheap once-a-second check wait
/// half a second and more; and the socket engine's completions run on that pool, so long file work there delayed
/// every connection. Here a new thread starts at once when none is idle, up to a bound; idle threads end after a
/// while, so a server that stopped leaves none behind. Shared by every server of the process.
/// </summary>
internal sealed class BlockingWorkPool
{
    public static readonly BlockingWorkPool Shared = new(Math.Max(32, Environment.ProcessorCount * 8), TimeSpan.FromSeconds(20));

    private readonly ConcurrentQueue<(Action<object?> Work, object? State)> _queue = new();
    // Idle threads block on a monitor, not a SemaphoreSlim: SemaphoreSlim.Wait spins (sched_yield, Sleep(0)) before it
    // blocks, and every thread going idle after its work burnt the core the event loop shares with it (42 sched_yield
    // calls per 10 MiB request, measured with strace; benchmarks pin server threads to one core).
    private readonly object _gate = new();
    private int _signals; // work items announced and not yet claimed by a thread; under _gate
    private readonly int _maxThreads;
    private readonly TimeSpan _idleTimeout;
    private int _threads;
    private int _idle;
    private int _pending; // queued and not yet taken

    public BlockingWorkPool(int maxThreads, TimeSpan idleTimeout)
    {
        _maxThreads = maxThreads;
        _idleTimeout = idleTimeout;
    }

    public int Threads => Volatile.Read(ref _threads);

    /// <summary><c>await pool.SwitchTo()</c>: the rest of the method runs on one of the pool's threads.</summary>
    public SwitchAwaitable SwitchTo() => new(this);

    public void Queue(Action<object?> work, object? state)
    {
        _queue.Enqueue((work, state));
        // More work waiting than threads free to take it: start one now, not in half a second. (Comparing with the
        // idle count alone let four long listings queue behind one idle thread, and a cheap check behind them.)
        if (Interlocked.Increment(ref _pending) > Volatile.Read(ref _idle)) TryAddThread();
        lock (_gate)
        {
            _signals++;
            Monitor.Pulse(_gate);
        }
    }

    private void TryAddThread()
    {
        int threads = Volatile.Read(ref _threads);
        while (threads < _maxThreads)
        {
            int seen = Interlocked.CompareExchange(ref _threads, threads + 1, threads);
            if (seen == threads)
            {
                new Thread(Run) { IsBackground = true, Name = "PSWS work" }.Start();
                return;
            }
            threads = seen;
        }
        // At the bound: the work waits in the queue for the next free thread.
    }

    private void Run()
    {
        while (true)
        {
            Interlocked.Increment(ref _idle);
            bool signalled = WaitForWork();
            Interlocked.Decrement(ref _idle);
            if (!signalled)
            {
                Interlocked.Decrement(ref _threads);
                if (_queue.IsEmpty) return;
                // Work came while this thread was leaving; its Queue may have counted on it: stay.
                Interlocked.Increment(ref _threads);
                continue;
            }
            if (!_queue.TryDequeue(out var item)) continue;
            Interlocked.Decrement(ref _pending);
            try
            {
                item.Work(item.State);
            }
            catch (Exception)
            {
                // Continuations catch their own faults (a connection records them); nothing may end this thread.
            }
        }
    }

    /// <summary>Claims one announced work item, waiting up to the idle timeout; false when none came.</summary>
    private bool WaitForWork()
    {
        lock (_gate)
        {
            // A pulse can be taken by a thread that came back from its work first: then wait again, within the same timeout.
            long deadline = Environment.TickCount64 + (long)_idleTimeout.TotalMilliseconds;
            while (_signals == 0)
            {
                long left = deadline - Environment.TickCount64;
                if (left <= 0 || !Monitor.Wait(_gate, (int)left)) break;
            }
            if (_signals == 0) return false;
            _signals--;
            return true;
        }
    }

    /// <summary>The awaitable of <see cref="SwitchTo"/>: never complete, so the continuation is always queued.</summary>
    public readonly struct SwitchAwaitable : ICriticalNotifyCompletion
    {
        private readonly BlockingWorkPool _pool;

        public SwitchAwaitable(BlockingWorkPool pool)
        {
            _pool = pool;
        }

        public SwitchAwaitable GetAwaiter() => this;

        public bool IsCompleted => false;

        public void GetResult()
        {
        }

        public void OnCompleted(Action continuation) => _pool.Queue(static c => ((Action)c!)(), continuation);

        public void UnsafeOnCompleted(Action continuation) => OnCompleted(continuation);
    }
}
