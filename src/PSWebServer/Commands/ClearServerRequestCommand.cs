using System;
using System.Collections.Generic;
using System.Management.Automation;

namespace PSWebServer.Commands;

/// <summary>
/// Clear-ServerRequest: empties the request logs of the chosen servers (all by default). Request ids keep
/// counting, so a Get-ServerRequest -Wait already following a log is not confused by the clear.
/// </summary>
[Cmdlet(VerbsCommon.Clear, "ServerRequest", SupportsShouldProcess = true, DefaultParameterSetName = NameSet)]
public sealed class ClearServerRequestCommand : PSCmdlet
{
    internal const string ServerSet = "Server";
    internal const string NameSet = "Name";
    internal const string IdSet = "Id";

    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ParameterSetName = ServerSet)]
    [ValidateNotNull]
    public StaticServer[] Server { get; set; } = Array.Empty<StaticServer>();

    [Parameter(ParameterSetName = NameSet)]
    [ValidateNotNullOrEmpty]
    [SupportsWildcards]
    public string[]? Name { get; set; }

    [Parameter(Mandatory = true, ParameterSetName = IdSet)]
    [ValidateNotNullOrEmpty]
    public int[] Id { get; set; } = Array.Empty<int>();

    protected override void ProcessRecord()
    {
        IReadOnlyList<StaticServer> servers = ParameterSetName switch
        {
            IdSet => ServerSelector.ById(this, Id),
            ServerSet => Server,
            _ => Name is null ? ServerSelector.All() : ServerSelector.ByName(this, Name),
        };
        foreach (StaticServer server in servers)
        {
            if (!ShouldProcess($"{server.Name} (Id {server.Id}, {server.Requests.Count} requests)", "Clear request log")) continue;
            server.Requests.Clear();
        }
    }
}
