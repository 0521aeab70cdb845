using System.Management.Automation;

namespace PSWebServer.Commands;

public sealed partial class StartStaticServerCommand
{
    /// <summary>
    /// Live reload: pages opened in a browser reload when a file under the root changes (a changed stylesheet is
    /// swapped in place), through a script injected into pages answered to navigations.
    /// </summary>
    [Parameter]
    public SwitchParameter LiveReload { get; set; }

    /// <summary>With -LiveReload: no watcher on the root; pages reload only when a script calls Invoke-ServerReload.</summary>
    [Parameter]
    public SwitchParameter NoWatch { get; set; }

    /// <summary>-NoWatch alone would silently do nothing: it changes how live reload learns of changes, so it needs -LiveReload.</summary>
    private void CheckLiveReload()
    {
        if (NoWatch && !LiveReload) ThrowTerminatingError(ErrorRecords.NoWatchWithoutLiveReloadError());
    }

    private void WriteLiveReloadVerbose(StaticServer server)
    {
        if (!server.LiveReload) return;
        WriteVerbose(server.LiveReloadWatching
            ? $"Server '{server.Name}': live reload on, watching '{server.Root}'"
            : $"Server '{server.Name}': live reload on, not watching: pages reload when Invoke-ServerReload says so");
    }
}
