using System;
using System.Runtime.InteropServices;
using System.Threading;

namespace PSWebServer;

/// <summary>
/// The live counters a server shows. Every response on every loop adds to them, so they are striped by core:
/// each core adds to its own cache line and a read sums the lines. One shared pair of counters would be a line that
/// every loop writes on every response, which is what limits a many-core machine first (docs/benchmarks.md,
/// "Scaling to 32 cores"). Adds stay interlocked, because a thread can move between cores and two threads can
/// share a stripe.
/// </summary>
internal sealed class ServerStatistics
{
    private readonly Stripe[] _stripes;
    private readonly int _mask;
    private Exception? _lastError;

    public ServerStatistics()
    {
        int count = 1;
        while (count < Environment.ProcessorCount) count <<= 1;
        // Slot 0 is never written: it keeps the array's header (its length, read by every add's bounds check) off
        // the line that core 0 writes.
        _stripes = new Stripe[count + 1];
        _mask = count - 1;
    }

    public long RequestCount
    {
        get
        {
            long sum = 0;
            for (int i = 0; i < _stripes.Length; i++) sum += Volatile.Read(ref _stripes[i].RequestCount);
            return sum;
        }
    }

    public long BytesSent
    {
        get
        {
            long sum = 0;
            for (int i = 0; i < _stripes.Length; i++) sum += Volatile.Read(ref _stripes[i].BytesSent);
            return sum;
        }
    }

    public Exception? LastError => Volatile.Read(ref _lastError);

    public void CountResponse(long bytes)
    {
        ref Stripe stripe = ref _stripes[(Thread.GetCurrentProcessorId() & _mask) + 1];
        Interlocked.Increment(ref stripe.RequestCount);
        Interlocked.Add(ref stripe.BytesSent, bytes);
    }

    /// <summary>Keeps an unexpected error for LastError; it belonged to one connection and the server goes on.</summary>
    public void ReportError(Exception error) => Volatile.Write(ref _lastError, error);

    /// <summary>One core's counters, alone on a 128-byte span so no two cores write the same cache line (the
    /// adjacent-line prefetcher pairs 64-byte lines).</summary>
    [StructLayout(LayoutKind.Explicit, Size = 128)]
    private struct Stripe
    {
        [FieldOffset(0)] public long RequestCount;
        [FieldOffset(8)] public long BytesSent;
    }
}
