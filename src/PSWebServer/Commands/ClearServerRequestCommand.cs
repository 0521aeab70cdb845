using System.Management.Automation;

namespace PSWebServer.Commands;

/// <summary>
/// Clear-ServerRequest: empties the request logs of the chosen servers (all by default). Request ids keep
/// counting, so a Get-ServerRequest -Wait already following a log is not confused by the clear.
/// </summary>
[Cmdlet(VerbsCommon.Clear, "ServerRequest", SupportsShouldProcess = true, DefaultParameterSetName = NameSet)]
public sealed class ClearServerRequestCommand : ServerSelectingCommand
{
    protected override void ProcessRecord()
    {
        foreach (StaticServer server in SelectServers())
        {
            if (!ShouldProcess($"{server.Name} (Id {server.Id}, {server.Requests.Count} requests)", "Clear request log")) continue;
            server.Requests.Clear();
        }
    }
}
