using System;
using System.Threading;
using System.Threading.Tasks;

namespace PSWebServer.Tests.Support;

/// <summary>
/// Runs blocking client code on a thread of its own: a test's clients must not share the thread pool with the server
/// in the same process, or a starved pool would delay the client and be blamed on the server.
/// </summary>
internal static class ClientThread
{
    public static Task<T> Run<T>(string name, Func<T> work)
    {
        var done = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        var thread = new Thread(() =>
        {
            try
            {
                done.SetResult(work());
            }
            catch (Exception ex)
            {
                done.SetException(ex);
            }
        }) { IsBackground = true, Name = name };
        thread.Start();
        return done.Task;
    }
}
