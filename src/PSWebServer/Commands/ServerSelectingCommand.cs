using System;
using System.Collections.Generic;
using System.Management.Automation;

namespace PSWebServer.Commands;

/// <summary>
/// Base of the cmdlets that act on servers chosen by object (-Server, from the pipeline), by name (-Name,
/// wildcards; all servers when omitted) or by id (-Id). The lookup rules are <see cref="ServerSelector"/>'s.
/// Get-StaticServer and Stop-StaticServer declare their own -Name (positional there, mandatory here) and so
/// only share the parameter-set names and <see cref="Select"/>.
/// </summary>
public abstract class ServerSelectingCommand : PSCmdlet
{
    internal const string ServerSet = "Server";
    internal const string NameSet = "Name";
    internal const string IdSet = "Id";
    internal const string AllSet = "All";

    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ParameterSetName = ServerSet)]
    [ValidateNotNull]
    public StaticServer[] Server { get; set; } = Array.Empty<StaticServer>();

    [Parameter(ParameterSetName = NameSet)]
    [ValidateNotNullOrEmpty]
    [SupportsWildcards]
    [ArgumentCompleter(typeof(Completion.ServerNameCompleter))]
    public string[]? Name { get; set; }

    [Parameter(Mandatory = true, ParameterSetName = IdSet)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(Completion.ServerIdCompleter))]
    public int[] Id { get; set; } = Array.Empty<int>();

    /// <summary>
    /// The servers the bound parameter set chooses, once each; ServerNotFound errors are written for an exact
    /// name or an id that matches nothing.
    /// </summary>
    protected IReadOnlyList<StaticServer> SelectServers() => Select(this, ParameterSetName, Server, Name, Id);

    /// <summary>
    /// Resolves a parameter set: -Id by id, -Server as given, -All every server, otherwise -Name (every server
    /// when no name was given).
    /// </summary>
    internal static IReadOnlyList<StaticServer> Select(
        Cmdlet cmdlet, string parameterSetName, IReadOnlyList<StaticServer> servers, string[]? names, int[] ids) =>
        parameterSetName switch
        {
            IdSet => ServerSelector.ById(cmdlet, ids),
            ServerSet => servers,
            AllSet => ServerSelector.All(),
            _ => names is null ? ServerSelector.All() : ServerSelector.ByName(cmdlet, names),
        };
}
