using System;
using System.Collections.Generic;
using System.Linq;

namespace PSWebServer;

/// <summary>
/// The servers this session has started, by Id and by Name. Identity is a session concept, not an engine
/// one: the engine only carries the Id and Name it is given. Static because the servers outlive any one
/// pipeline; locked because Remove-Module, ProcessExit and the pipeline thread may all reach it at once.
/// </summary>
internal static class ServerRegistry
{
    private static readonly object Gate = new();
    private static readonly SortedDictionary<int, StaticServer> ById = new();

    // Names are reserved before the engine binds so two starts cannot both take one name; released if the start fails.
    private static readonly HashSet<string> Names = new(StringComparer.OrdinalIgnoreCase);
    private static int _lastId;

    /// <summary>Takes the next Id (from 1, never reused) and reserves <paramref name="name"/>, or <c>server&lt;Id&gt;</c> when it is null.</summary>
    /// <returns>False when the name is already taken; nothing is reserved then.</returns>
    internal static bool TryReserve(string? name, out int id, out string reservedName)
    {
        lock (Gate)
        {
            if (name is null)
            {
                // A user may have named a server "server3" by hand: skip ids whose default name is taken.
                do
                {
                    id = ++_lastId;
                    reservedName = "server" + id.ToString(System.Globalization.CultureInfo.InvariantCulture);
                }
                while (Names.Contains(reservedName));
            }
            else
            {
                if (Names.Contains(name))
                {
                    id = 0;
                    reservedName = name;
                    return false;
                }
                id = ++_lastId;
                reservedName = name;
            }
            Names.Add(reservedName);
            return true;
        }
    }

    internal static void ReleaseName(string name)
    {
        lock (Gate) Names.Remove(name);
    }

    /// <summary>Adds a started server whose name was reserved with <see cref="TryReserve"/>.</summary>
    internal static void Add(StaticServer server)
    {
        lock (Gate) ById[server.Id] = server;
    }

    /// <summary>Forgets a server (and frees its name) if this registry holds that very instance.</summary>
    internal static bool Remove(StaticServer server)
    {
        lock (Gate)
        {
            if (!ById.TryGetValue(server.Id, out StaticServer? held) || !ReferenceEquals(held, server)) return false;
            ById.Remove(server.Id);
            Names.Remove(server.Name);
            return true;
        }
    }

    /// <summary>A snapshot, in Id order: callers enumerate it while other threads may add or remove.</summary>
    internal static IReadOnlyList<StaticServer> GetAll()
    {
        lock (Gate) return ById.Values.ToArray();
    }

    internal static StaticServer? GetById(int id)
    {
        lock (Gate) return ById.TryGetValue(id, out StaticServer? server) ? server : null;
    }

    /// <summary>Empties the registry and returns what it held, so the caller can stop them outside the lock.</summary>
    internal static IReadOnlyList<StaticServer> RemoveAll()
    {
        lock (Gate)
        {
            StaticServer[] all = ById.Values.ToArray();
            ById.Clear();
            foreach (StaticServer server in all) Names.Remove(server.Name);
            return all;
        }
    }
}
