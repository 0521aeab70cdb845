using System;
using System.ComponentModel;
using System.Diagnostics;
using System.Management.Automation;

namespace PSWebServer.Commands;

public sealed partial class StartStaticServerCommand
{
    /// <summary>Opens the default browser at the server's URL once it is listening.</summary>
    [Parameter]
    public SwitchParameter Open { get; set; }

    /// <summary>
    /// The system's own way to open a URL (xdg-open on Linux, open on macOS, the shell on Windows). The server is
    /// already serving: a machine without a browser or opener gets a warning naming the URL, not an error.
    /// </summary>
    private void OpenBrowser(StaticServer server)
    {
        try
        {
            using Process? opener = Process.Start(new ProcessStartInfo(server.Url) { UseShellExecute = true });
            WriteVerbose($"Opened {server.Url} in the default browser");
        }
        catch (Exception ex) when (ex is Win32Exception or InvalidOperationException or PlatformNotSupportedException)
        {
            WriteWarning($"Could not open a browser at {server.Url} ({ex.Message}); the server is running: open the address yourself.");
        }
    }
}
