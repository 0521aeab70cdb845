using System;
using System.Diagnostics;
using System.Threading.Tasks;

namespace PSWebServer.Tests.Support;

/// <summary>Runs curl (installed by .ci/run) with a bounded time, and returns its exit code and what it printed.</summary>
internal static class Curl
{
    public static async Task<(int ExitCode, string Output, string Error)> RunAsync(params string[] arguments)
    {
        var start = new ProcessStartInfo("curl")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string argument in new[] { "--silent", "--show-error", "--max-time", "20" }) start.ArgumentList.Add(argument);
        foreach (string argument in arguments) start.ArgumentList.Add(argument);
        using Process process = Process.Start(start)!;
        Task<string> output = process.StandardOutput.ReadToEndAsync();
        Task<string> error = process.StandardError.ReadToEndAsync();
        using var timeout = new System.Threading.CancellationTokenSource(TimeSpan.FromSeconds(30));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true); // this test's own child, by its handle
            throw new TimeoutException("curl did not finish in 30 s: " + string.Join(' ', arguments));
        }
        return (process.ExitCode, await output, await error);
    }
}
