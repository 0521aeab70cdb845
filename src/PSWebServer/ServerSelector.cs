using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;

namespace PSWebServer;

/// <summary>
/// The lookup rules every cmdlet shares: -Name takes wildcards, case-insensitive; an exact name or an Id
/// that matches nothing is a non-terminating ServerNotFound error, a wildcard that matches nothing is silent
/// (the Get-Process convention). Results come back once each, in Id order.
/// </summary>
internal static class ServerSelector
{
    internal static IReadOnlyList<StaticServer> All() => ServerRegistry.GetAll();

    internal static IReadOnlyList<StaticServer> ByName(Cmdlet cmdlet, IEnumerable<string> names)
    {
        IReadOnlyList<StaticServer> all = ServerRegistry.GetAll();
        var selected = new Dictionary<int, StaticServer>();
        foreach (string name in names)
        {
            var pattern = WildcardPattern.Get(name, WildcardOptions.IgnoreCase);
            bool found = false;
            foreach (StaticServer server in all)
            {
                if (!pattern.IsMatch(server.Name)) continue;
                selected[server.Id] = server;
                found = true;
            }
            if (!found && !WildcardPattern.ContainsWildcardCharacters(name))
            {
                cmdlet.WriteError(ErrorRecords.ServerNotFoundByName(name));
            }
        }
        return selected.Values.OrderBy(server => server.Id).ToArray();
    }

    internal static IReadOnlyList<StaticServer> ById(Cmdlet cmdlet, IEnumerable<int> ids)
    {
        var selected = new Dictionary<int, StaticServer>();
        foreach (int id in ids)
        {
            StaticServer? server = ServerRegistry.GetById(id);
            if (server is null) cmdlet.WriteError(ErrorRecords.ServerNotFoundById(id));
            else selected[id] = server;
        }
        return selected.Values.OrderBy(server => server.Id).ToArray();
    }
}
