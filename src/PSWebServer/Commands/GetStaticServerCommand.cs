using System;
using System.Management.Automation;

namespace PSWebServer.Commands;

/// <summary>Get-StaticServer: the session's servers, all of them or by name (wildcards) or id.</summary>
/// <remarks>
/// Not a <see cref="ServerSelectingCommand"/>: it has no -Server set and its -Name is positional, so it
/// declares its own parameters and shares only the set names and the lookup.
/// </remarks>
[Cmdlet(VerbsCommon.Get, "StaticServer", DefaultParameterSetName = ServerSelectingCommand.NameSet)]
[OutputType(typeof(StaticServer))]
public sealed class GetStaticServerCommand : PSCmdlet
{
    [Parameter(Position = 0, ParameterSetName = ServerSelectingCommand.NameSet)]
    [ValidateNotNullOrEmpty]
    [SupportsWildcards]
    [ArgumentCompleter(typeof(Completion.ServerNameCompleter))]
    public string[]? Name { get; set; }

    [Parameter(Mandatory = true, ParameterSetName = ServerSelectingCommand.IdSet)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(Completion.ServerIdCompleter))]
    public int[] Id { get; set; } = Array.Empty<int>();

    protected override void ProcessRecord()
    {
        var servers = ServerSelectingCommand.Select(this, ParameterSetName, Array.Empty<StaticServer>(), Name, Id);
        foreach (StaticServer server in servers) WriteObject(server);
    }
}
