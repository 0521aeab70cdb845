using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Threading.Tasks;

namespace PSWebServer;

/// <summary>
/// Ties the servers to the module's life. Server threads are background threads, so an exiting process
/// would simply drop them mid-response; stopping them here closes connections properly. Remove-Module
/// stops them too, because once the cmdlets are gone nothing could reach them any more.
/// Public only because PowerShell looks for these interfaces among the assembly's exported types:
/// an internal class is silently never called.
/// </summary>
public sealed class ModuleLifetime : IModuleAssemblyInitializer, IModuleAssemblyCleanup
{
    /// <summary>Short: whoever removes the module or ends the process is waiting on us.</summary>
    private static readonly TimeSpan ShutdownGrace = TimeSpan.FromSeconds(1);

    private static readonly object Gate = new();
    private static bool _subscribed;

    public void OnImport()
    {
        // The assembly stays loaded after Remove-Module, so a later Import-Module calls this again: subscribe once.
        lock (Gate)
        {
            if (_subscribed) return;
            AppDomain.CurrentDomain.ProcessExit += OnProcessExit;
            _subscribed = true;
        }
    }

    public void OnRemove(PSModuleInfo psModuleInfo)
    {
        lock (Gate)
        {
            if (_subscribed)
            {
                AppDomain.CurrentDomain.ProcessExit -= OnProcessExit;
                _subscribed = false;
            }
        }
        StopAll();
    }

    private static void OnProcessExit(object? sender, EventArgs e) => StopAll();

    /// <summary>Stops every registered server, all at once so the wait is one grace period, not one per server.</summary>
    internal static void StopAll()
    {
        IReadOnlyList<StaticServer> servers = ServerRegistry.RemoveAll();
        if (servers.Count == 0) return;
        Task[] stops = servers.Select(server => Task.Run(() => StopQuietly(server))).ToArray();
        // Stop is bounded by the grace period; the extra second covers the engine's own join of its accept loop.
        Task.WaitAll(stops, ShutdownGrace + TimeSpan.FromSeconds(2));
    }

    private static void StopQuietly(StaticServer server)
    {
        try
        {
            server.Stop(ShutdownGrace);
        }
        catch (Exception)
        {
            // Shutting down: a server that fails to stop cleanly must not keep the others running or crash the exit.
        }
    }
}
