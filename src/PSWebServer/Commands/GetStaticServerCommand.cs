using System;
using System.Collections.Generic;
using System.Management.Automation;

namespace PSWebServer.Commands;

/// <summary>Get-StaticServer: the session's servers, all of them or by name (wildcards) or id.</summary>
[Cmdlet(VerbsCommon.Get, "StaticServer", DefaultParameterSetName = NameSet)]
[OutputType(typeof(StaticServer))]
public sealed class GetStaticServerCommand : PSCmdlet
{
    internal const string NameSet = "Name";
    internal const string IdSet = "Id";

    [Parameter(Position = 0, ParameterSetName = NameSet)]
    [ValidateNotNullOrEmpty]
    [SupportsWildcards]
    public string[]? Name { get; set; }

    [Parameter(Mandatory = true, ParameterSetName = IdSet)]
    [ValidateNotNullOrEmpty]
    public int[] Id { get; set; } = Array.Empty<int>();

    protected override void ProcessRecord()
    {
        IReadOnlyList<StaticServer> servers = ParameterSetName == IdSet
            ? ServerSelector.ById(this, Id)
            : Name is null ? ServerSelector.All() : ServerSelector.ByName(this, Name);
        foreach (StaticServer server in servers) WriteObject(server);
    }
}
