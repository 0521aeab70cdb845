using System;
using System.Collections.Generic;
using System.Management.Automation;

namespace PSWebServer.Commands;

/// <summary>
/// Invoke-ServerReload: tells the pages of live-reload servers that files changed, for a build step that writes many
/// files and then says so once (with Start-StaticServer -LiveReload -NoWatch, or beside the watcher). With -Path
/// naming only stylesheets, each is swapped in place; otherwise the pages reload.
/// </summary>
[Cmdlet(VerbsLifecycle.Invoke, "ServerReload", DefaultParameterSetName = NameSet)]
[OutputType(typeof(void))]
public sealed class InvokeServerReloadCommand : ServerSelectingCommand
{
    /// <summary>
    /// The files that changed: paths under the server's root (relative to the current location, or full), or paths as
    /// the site names them ("/css/site.css"). Only stylesheets (.css): those are swapped without a reload.
    /// </summary>
    [Parameter(Position = 1)]
    [ValidateNotNullOrEmpty]
    public string[]? Path { get; set; }

    protected override void ProcessRecord()
    {
        // Without -Server, -Name or -Id: every live-reload server of the session; the others are not asked for, so no error.
        bool everyServer = ParameterSetName == NameSet && Name is null;
        foreach (StaticServer server in SelectServers())
        {
            if (!server.LiveReload)
            {
                if (everyServer) WriteVerbose($"Server '{server.Name}' has no live reload: skipped");
                else WriteError(ErrorRecords.LiveReloadNotEnabledError(server));
                continue;
            }
            if (server.State != ServerState.Running)
            {
                WriteError(ErrorRecords.ServerNotRunningError(server));
                continue;
            }
            List<string> paths = SitePaths(server);
            try
            {
                server.Reload(paths);
            }
            catch (InvalidOperationException)
            {
                WriteError(ErrorRecords.ServerNotRunningError(server)); // it stopped between the check and now
                continue;
            }
            WriteVerbose(paths.Count == 0
                ? $"Server '{server.Name}': {server.LiveReloadClients} page(s) told to reload"
                : $"Server '{server.Name}': {server.LiveReloadClients} page(s) told about {string.Join(", ", paths)}");
        }
    }

    /// <summary>Each -Path as the site names it: a file under the root becomes its path from the root; anything else is taken as a site path.</summary>
    private List<string> SitePaths(StaticServer server)
    {
        var paths = new List<string>();
        if (Path is null) return paths;
        string root = System.IO.Path.TrimEndingDirectorySeparator(server.Root);
        StringComparison comparison = OperatingSystem.IsWindows() ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;
        foreach (string given in Path)
        {
            string? full = null;
            try
            {
                full = SessionState.Path.GetUnresolvedProviderPathFromPSPath(given);
            }
            catch (Exception ex) when (ex is ItemNotFoundException or NotSupportedException or ProviderNotFoundException or DriveNotFoundException or PSArgumentException)
            {
                // not a file-system path: a site path then
            }
            if (full != null && full.StartsWith(root + System.IO.Path.DirectorySeparatorChar, comparison))
            {
                paths.Add("/" + System.IO.Path.GetRelativePath(root, full).Replace('\\', '/'));
            }
            else
            {
                string slashed = given.Replace('\\', '/');
                paths.Add(slashed.StartsWith('/') ? slashed : "/" + slashed);
            }
        }
        return paths;
    }
}
