using System.Management.Automation;
using PSWebServer.TestResponses;

namespace PSWebServer.Commands;

/// <summary>
/// Get-ServerResponse: the canned responses of the chosen servers (all by default), in the order they are tried, with
/// how many uses each has left and how many requests it has answered. -Path filters by the canned path as text.
/// </summary>
[Cmdlet(VerbsCommon.Get, "ServerResponse", DefaultParameterSetName = NameSet)]
[OutputType(typeof(CannedResponse))]
public sealed class GetServerResponseCommand : ServerSelectingCommand
{
    private WildcardPattern? _path;

    /// <summary>A wildcard over the canned responses' paths (as they were given), case-insensitive.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    [SupportsWildcards]
    [ArgumentCompleter(typeof(Completion.ServerPathCompleter))]
    public string? Path { get; set; }

    protected override void BeginProcessing()
    {
        if (Path is not null) _path = WildcardPattern.Get(Path, WildcardOptions.IgnoreCase);
    }

    protected override void ProcessRecord()
    {
        foreach (StaticServer server in SelectServers())
        {
            foreach (CannedResponse response in server.Responses.Snapshot())
            {
                if (_path is null || _path.IsMatch(response.Path)) WriteObject(response);
            }
        }
    }
}
