using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Channels;

namespace PSWebServer.LiveReload;

/// <summary>
/// The open event streams and what they are told. Every stream has its own small queue (a slow page drops its oldest
/// events rather than hold the others up); <see cref="Publish"/> turns a set of changed paths into the messages (only
/// stylesheets: "css PATH" for each; anything else: one "reload"); <see cref="EndAll"/> ends every stream and refuses
/// new ones, at the start of the server's teardown, so no stream is ever a connection Stop waits for.
/// </summary>
internal sealed class LiveReloadHub
{
    public const string ReloadMessage = "reload";
    private const int QueuedMessages = 32;

    private readonly object _lock = new();
    private readonly List<Channel<string>> _subscribers = new();
    private bool _ended;

    /// <summary>Streams open now.</summary>
    public int SubscriberCount
    {
        get
        {
            lock (_lock) return _subscribers.Count;
        }
    }

    /// <summary>A queue for a new stream, or null once the hub has ended (the server is stopping).</summary>
    public Channel<string>? Subscribe()
    {
        var channel = Channel.CreateBounded<string>(new BoundedChannelOptions(QueuedMessages)
        {
            FullMode = BoundedChannelFullMode.DropOldest,
            SingleReader = true,
        });
        lock (_lock)
        {
            if (_ended) return null;
            _subscribers.Add(channel);
        }
        return channel;
    }

    public void Unsubscribe(Channel<string> channel)
    {
        lock (_lock)
        {
            _subscribers.Remove(channel);
            if (_subscribers.Count == 0) Monitor.PulseAll(_lock);
        }
    }

    /// <summary>After <see cref="EndAll"/>: waits (bounded) until every stream has written its end; false when some had not.</summary>
    public bool WaitUntilEmpty(TimeSpan timeout)
    {
        long end = Environment.TickCount64 + (long)timeout.TotalMilliseconds;
        lock (_lock)
        {
            while (_subscribers.Count > 0)
            {
                long left = end - Environment.TickCount64;
                if (left <= 0) return false;
                Monitor.Wait(_lock, (int)left);
            }
            return true;
        }
    }

    /// <summary>Tells every page about changed files (paths from the root, "/" separated); nothing for an empty set.</summary>
    public void Publish(IReadOnlyCollection<string> changedPaths)
    {
        foreach (string message in Messages(changedPaths)) Broadcast(message);
    }

    /// <summary>What pages are told for a set of changed paths: each stylesheet swapped when all are stylesheets, else one reload.</summary>
    internal static List<string> Messages(IReadOnlyCollection<string> changedPaths)
    {
        var messages = new List<string>(changedPaths.Count);
        foreach (string path in changedPaths)
        {
            if (!IsStylesheet(path)) return new List<string> { ReloadMessage };
            // One line per event: a name with a line break cannot be named, and the page then swaps all its sheets.
            messages.Add("css " + path.Replace('\r', ' ').Replace('\n', ' '));
        }
        return messages;
    }

    public void Broadcast(string message)
    {
        lock (_lock)
        {
            foreach (Channel<string> channel in _subscribers) channel.Writer.TryWrite(message);
        }
    }

    /// <summary>Ends every stream (each writes its end and closes) and refuses new ones. Safe to call more than once.</summary>
    public void EndAll()
    {
        lock (_lock)
        {
            _ended = true;
            foreach (Channel<string> channel in _subscribers) channel.Writer.TryComplete();
        }
    }

    private static bool IsStylesheet(string path) => path.EndsWith(".css", StringComparison.OrdinalIgnoreCase);
}
