using System;
using System.Threading;

namespace PSWebServer.StaticFiles;

/// <summary>
/// Bounds the CPU-heavy work of answering (compressing a file, building a listing) to all cores but one, process-wide.
/// That work runs on work threads, never on a loop, but four compressions at once on a 2-core machine still took
/// both cores from the loops: cached answers then waited for the CPU. Waiting here is allowed: only work threads come here.
/// </summary>
internal static class HeavyWork
{
    private static readonly SemaphoreSlim Gate = new(Math.Max(1, Environment.ProcessorCount - 1));

    public static T Run<T>(Func<T> work)
    {
        Gate.Wait();
        try
        {
            return work();
        }
        finally
        {
            Gate.Release();
        }
    }
}
