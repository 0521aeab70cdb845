using System;
using System.Management.Automation;
using System.Threading;

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
public sealed class StopStaticServerCommand : PSCmdlet, IDisposable
{
    private readonly CancellationTokenSource _cancel = new();

    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ParameterSetName = ServerSelectingCommand.ServerSet)]
    [ValidateNotNull]
    public StaticServer[] Server { get; set; } = Array.Empty<StaticServer>();

    [Parameter(Mandatory = true, ParameterSetName = ServerSelectingCommand.NameSet)]
    [ValidateNotNullOrEmpty]
    [SupportsWildcards]
    [ArgumentCompleter(typeof(Completion.ServerNameCompleter))]
    public string[] Name { get; set; } = Array.Empty<string>();

    [Parameter(Mandatory = true, ParameterSetName = ServerSelectingCommand.IdSet)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(Completion.ServerIdCompleter))]
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
            if (_cancel.IsCancellationRequested) throw new PipelineStoppedException();
            if (!ShouldProcess($"{server.Name} (Id {server.Id}, {server.Url})", "Stop static server")) continue;

            // A server stopped before (by another command, a fault) gives the same answer again: warn only once.
            bool wasStopped = server.State is ServerState.Stopped or ServerState.Faulted;
            bool graceful = StopInterruptibly(server, grace);
            ServerRegistry.Remove(server);
            if (!graceful && !wasStopped)
            {
                WriteWarning($"Server '{server.Name}': responses still in flight after {Timeout} s were aborted.");
            }
            WriteVerbose($"Stopped server '{server.Name}' ({server.Url}).");
            if (PassThru) WriteObject(server);
        }
    }

    /// <summary>Ctrl+C: cuts the grace of the server being stopped (its in-flight responses are aborted) and stops the pipeline.</summary>
    protected override void StopProcessing()
    {
        try
        {
            _cancel.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // Ctrl+C arrived after the command had finished and been disposed: nothing is left to stop.
        }
    }

    public void Dispose() => _cancel.Dispose();

    /// <summary>
    /// server.Stop(grace) with Ctrl+C as its cancellation: the engine then aborts the in-flight responses at once and
    /// returns when the server has stopped (one teardown, however many callers), the server is forgotten like any
    /// stopped one, and the pipeline stops.
    /// </summary>
    private bool StopInterruptibly(StaticServer server, TimeSpan grace)
    {
        bool graceful = server.Stop(grace, _cancel.Token);
        if (!_cancel.IsCancellationRequested) return graceful;
        ServerRegistry.Remove(server);
        throw new PipelineStoppedException();
    }
}
