using System;
using System.Collections.Generic;
using System.Threading;

namespace PSWebServer.TestResponses;

/// <summary>
/// A server's canned responses, in the order they were added (the order they are tried). Copy-on-write: the loops read
/// the current array without a lock while Add and Remove (rare, from the session) build a new one under a lock; a
/// request sees the table as it was when its matching began.
/// </summary>
public sealed class CannedResponseTable
{
    private readonly object _writeLock = new();
    private readonly int _serverId;
    private readonly string _serverName;
    private CannedResponse[] _items = Array.Empty<CannedResponse>();
    private int _lastId;

    internal CannedResponseTable(int serverId, string serverName)
    {
        _serverId = serverId;
        _serverName = serverName;
    }

    /// <summary>The array the handler matches against: never changed once published.</summary>
    internal CannedResponse[] Items => Volatile.Read(ref _items);

    public int Count => Items.Length;

    /// <summary>
    /// Checks the definition and adds it after the others (tried last). Throws <see cref="ArgumentException"/>, whose
    /// ParamName is the definition's property, when it cannot be served; nothing is added then.
    /// </summary>
    public CannedResponse Add(CannedResponseDefinition definition)
    {
        lock (_writeLock)
        {
            CannedResponse response = CannedResponse.Create(definition, _lastId + 1, _serverId, _serverName);
            _lastId++;
            var items = new CannedResponse[_items.Length + 1];
            _items.CopyTo(items, 0);
            items[^1] = response;
            Volatile.Write(ref _items, items);
            return response;
        }
    }

    /// <summary>Removes one response (by identity); false when it is not, or no longer, in this table.</summary>
    public bool Remove(CannedResponse response)
    {
        ArgumentNullException.ThrowIfNull(response);
        lock (_writeLock)
        {
            int index = Array.IndexOf(_items, response);
            if (index < 0) return false;
            var items = new CannedResponse[_items.Length - 1];
            Array.Copy(_items, 0, items, 0, index);
            Array.Copy(_items, index + 1, items, index, items.Length - index);
            Volatile.Write(ref _items, items);
            return true;
        }
    }

    /// <summary>Removes the response with this <see cref="CannedResponse.Id"/>; false when there is none.</summary>
    public bool Remove(int id)
    {
        foreach (CannedResponse response in Items)
        {
            if (response.Id == id) return Remove(response);
        }
        return false;
    }

    /// <summary>Removes every response; returns how many there were.</summary>
    public int Clear()
    {
        lock (_writeLock)
        {
            int count = _items.Length;
            Volatile.Write(ref _items, Array.Empty<CannedResponse>());
            return count;
        }
    }

    /// <summary>The responses now, in the order they are tried.</summary>
    public IReadOnlyList<CannedResponse> Snapshot() => Array.AsReadOnly(Items);
}
