using System;
using System.Collections.Generic;
using System.Management.Automation;

namespace PSWebServer.Commands;

/// <summary>
/// Stop-StaticServer: stops servers chosen by object, name, id or all of them, and forgets them: a stopped
/// server cannot be restarted (start a new one), so keeping it listed would only mislead.
/// </summary>
[Cmdlet(VerbsLifecycle.Stop, "StaticServer", SupportsShouldProcess = true, DefaultParameterSetName = ServerSet)]
[OutputType(typeof(StaticServer))]
public sealed class StopStaticServerCommand : PSCmdlet
{
    internal const string ServerSet = "Server";
    internal const string NameSet = "Name";
    internal const string IdSet = "Id";
    internal const string AllSet = "All";

    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ParameterSetName = ServerSet)]
    [ValidateNotNull]
    public StaticServer[] Server { get; set; } = Array.Empty<StaticServer>();

    [Parameter(Mandatory = true, ParameterSetName = NameSet)]
    [ValidateNotNullOrEmpty]
    [SupportsWildcards]
    public string[] Name { get; set; } = Array.Empty<string>();

    [Parameter(Mandatory = true, ParameterSetName = IdSet)]
    [ValidateNotNullOrEmpty]
    public int[] Id { get; set; } = Array.Empty<int>();

    [Parameter(Mandatory = true, ParameterSetName = AllSet)]
    public SwitchParameter All { get; set; }

    /// <summary>Seconds in-flight responses get to finish before their connections are aborted.</summary>
    [Parameter]
    [ValidateRange(0.0, 3600.0)]
    public double Timeout { get; set; } = 5;

    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessRecord()
    {
        IReadOnlyList<StaticServer> servers = ParameterSetName switch
        {
            NameSet => ServerSelector.ByName(this, Name),
            IdSet => ServerSelector.ById(this, Id),
            AllSet => ServerSelector.All(),
            _ => Server,
        };

        TimeSpan grace = TimeSpan.FromSeconds(Timeout);
        foreach (StaticServer server in servers)
        {
            if (!ShouldProcess($"{server.Name} (Id {server.Id}, {server.Url})", "Stop static server")) continue;

            bool graceful = server.Stop(grace);
            ServerRegistry.Remove(server);
            if (!graceful)
            {
                WriteWarning($"Server '{server.Name}': responses still in flight after {Timeout} s were aborted.");
            }
            WriteVerbose($"Stopped server '{server.Name}' ({server.Url}).");
            if (PassThru) WriteObject(server);
        }
    }
}
