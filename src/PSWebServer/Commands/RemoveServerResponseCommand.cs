using System;
using System.Management.Automation;
using PSWebServer.TestResponses;

namespace PSWebServer.Commands;

/// <summary>
/// Remove-ServerResponse: takes canned responses away, so the requests they answered go to the next match or the files
/// again. Takes Get-ServerResponse's (or Add-ServerResponse -PassThru's) objects from the pipeline, or the responses of
/// the chosen servers whose path matches -Path (every response when -Path is left out).
/// </summary>
[Cmdlet(VerbsCommon.Remove, "ServerResponse", SupportsShouldProcess = true, DefaultParameterSetName = NameSet)]
[OutputType(typeof(CannedResponse))]
public sealed class RemoveServerResponseCommand : ServerSelectingCommand
{
    internal const string InputObjectSet = "InputObject";

    private WildcardPattern? _path;

    [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = InputObjectSet)]
    [ValidateNotNull]
    public CannedResponse[] InputObject { get; set; } = Array.Empty<CannedResponse>();

    /// <summary>A wildcard over the canned responses' paths (as they were given), case-insensitive.</summary>
    [Parameter(ParameterSetName = ServerSet)]
    [Parameter(ParameterSetName = NameSet)]
    [Parameter(ParameterSetName = IdSet)]
    [ValidateNotNullOrEmpty]
    [SupportsWildcards]
    [ArgumentCompleter(typeof(Completion.ServerPathCompleter))]
    public string? Path { get; set; }

    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void BeginProcessing()
    {
        if (Path is not null) _path = WildcardPattern.Get(Path, WildcardOptions.IgnoreCase);
    }

    protected override void ProcessRecord()
    {
        if (ParameterSetName == InputObjectSet)
        {
            foreach (CannedResponse response in InputObject)
            {
                // A response of a server that has stopped went with it: nothing is left to remove.
                if (ServerRegistry.GetById(response.ServerId) is StaticServer server) Remove(server, response);
            }
            return;
        }
        foreach (StaticServer server in SelectServers())
        {
            foreach (CannedResponse response in server.Responses.Snapshot())
            {
                if (_path is null || _path.IsMatch(response.Path)) Remove(server, response);
            }
        }
    }

    private void Remove(StaticServer server, CannedResponse response)
    {
        if (!ShouldProcess($"{server.Name}: {response.Description}", "Remove canned response")) return;
        if (!server.Responses.Remove(response.Id)) return;
        WriteVerbose($"Server '{server.Name}': canned response {response.Description} removed.");
        if (PassThru) WriteObject(response);
    }
}
