using System;
using System.Management.Automation;
using System.Threading.Tasks;

namespace PSWebServer.Commands;

/// <summary>
/// Stop-StaticServer: stops servers chosen by object, name, id or all of them, and forgets them: a stopped
/// server cannot be restarted (start a new one), so keeping it listed would only mislead.
/// Ctrl+C while a server waits for its in-flight responses aborts them at once and stops the pipeline.
/// </summary>
/// <remarks>
/// Not a <see cref="ServerSelectingCommand"/>: its -Name is mandatory and it has an -All set, so it declares
/// its own parameters and shares only the set names and the lookup.
/// </remarks>
[Cmdlet(VerbsLifecycle.Stop, "StaticServer", SupportsShouldProcess = true, DefaultParameterSetName = ServerSelectingCommand.ServerSet)]
[OutputType(typeof(StaticServer))]
public sealed class StopStaticServerCommand : PSCmdlet
{
    /// <summary>Longest single block while a server drains, so Ctrl+C is noticed promptly.</summary>
    private static readonly TimeSpan WaitSlice = TimeSpan.FromMilliseconds(100);

    private volatile bool _stopRequested;

    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ParameterSetName = ServerSelectingCommand.ServerSet)]
    [ValidateNotNull]
    public StaticServer[] Server { get; set; } = Array.Empty<StaticServer>();

    [Parameter(Mandatory = true, ParameterSetName = ServerSelectingCommand.NameSet)]
    [ValidateNotNullOrEmpty]
    [SupportsWildcards]
    public string[] Name { get; set; } = Array.Empty<string>();

    [Parameter(Mandatory = true, ParameterSetName = ServerSelectingCommand.IdSet)]
    [ValidateNotNullOrEmpty]
    public int[] Id { get; set; } = Array.Empty<int>();

    [Parameter(Mandatory = true, ParameterSetName = ServerSelectingCommand.AllSet)]
    public SwitchParameter All { get; set; }

    /// <summary>Seconds in-flight responses get to finish before their connections are aborted.</summary>
    [Parameter]
    [ValidateRange(0.0, 3600.0)]
    public double Timeout { get; set; } = 5;

    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessRecord()
    {
        var servers = ServerSelectingCommand.Select(this, ParameterSetName, Server, Name, Id);

        TimeSpan grace = TimeSpan.FromSeconds(Timeout);
        foreach (StaticServer server in servers)
        {
            if (_stopRequested) throw new PipelineStoppedException();
            if (!ShouldProcess($"{server.Name} (Id {server.Id}, {server.Url})", "Stop static server")) continue;

            bool graceful = StopInterruptibly(server, grace);
            ServerRegistry.Remove(server);
            if (!graceful)
            {
                WriteWarning($"Server '{server.Name}': responses still in flight after {Timeout} s were aborted.");
            }
            WriteVerbose($"Stopped server '{server.Name}' ({server.Url}).");
            if (PassThru) WriteObject(server);
        }
    }

    protected override void StopProcessing() => _stopRequested = true;

    /// <summary>
    /// server.Stop(grace), waited for in slices so that Ctrl+C cuts the grace short: then the in-flight
    /// responses are aborted at once (Stop is safe to call again from another thread), the server is
    /// forgotten like any stopped one, and the pipeline stops.
    /// </summary>
    private bool StopInterruptibly(StaticServer server, TimeSpan grace)
    {
        Task<bool> stopping = Task.Run(() => server.Stop(grace));
        // Waiting on a continuation that never faults: Wait on a faulted task would throw AggregateException.
        Task finished = stopping.ContinueWith(static _ => { }, TaskScheduler.Default);
        while (!finished.Wait(WaitSlice))
        {
            if (!_stopRequested) continue;

            // The abandoned wait still ends (the abort empties the drain); observe a late exception of it.
            _ = stopping.ContinueWith(task => _ = task.Exception, TaskContinuationOptions.OnlyOnFaulted);
            server.Stop(TimeSpan.Zero);
            ServerRegistry.Remove(server);
            throw new PipelineStoppedException();
        }
        // Rethrows what Stop threw as itself rather than wrapped in an AggregateException.
        return stopping.GetAwaiter().GetResult();
    }
}
