using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;

namespace PSWebServer;

/// <summary>
/// Reads the request logs of one or more servers on the pipeline thread, remembering per server the last
/// id it handed out, so a caller that reads, waits and reads again sees every record exactly once and
/// misses none that completed in between (the cursor, not a clock, decides what is new).
/// </summary>
internal sealed class RequestFollower
{
    /// <summary>Wait slice when following several logs: there is no single signal to block on, so poll.</summary>
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(20);

    private readonly StaticServer[] _servers;
    private readonly long[] _after;

    internal RequestFollower(IReadOnlyList<StaticServer> servers)
    {
        _servers = servers.ToArray();
        _after = new long[_servers.Length];
    }

    internal IReadOnlyList<StaticServer> Servers => _servers;

    /// <summary>Per server (in <see cref="Servers"/> order), the id of the last record handed out: what comes after it is new.</summary>
    internal IReadOnlyList<long> Cursors => _after;

    /// <summary>True when no followed server can record anything more.</summary>
    internal bool AllEnded => _servers.All(server => server.State is ServerState.Stopped or ServerState.Faulted);

    /// <summary>Every record not yet handed out, oldest first (merged by timestamp across servers).</summary>
    internal IReadOnlyList<ServerRequest> ReadNew()
    {
        List<ServerRequest>? merged = null;
        for (int i = 0; i < _servers.Length; i++)
        {
            RequestLog log = _servers[i].Requests;
            long lastBefore = log.LastId;
            IReadOnlyList<ServerRequest> read = log.ReadAfter(_after[i]);
            if (read.Count > 0)
            {
                _after[i] = read[read.Count - 1].Id;
            }
            else if (log.Count <= 0)
            {
                // Clear-ServerRequest dropped everything up to at least lastBefore. Without moving past it,
                // LastId would stay above the cursor and every wait would return at once: a busy loop.
                _after[i] = Math.Max(_after[i], lastBefore);
            }

            if (read.Count == 0) continue;
            if (_servers.Length == 1) return read;
            (merged ??= new List<ServerRequest>()).AddRange(read);
        }
        if (merged is null) return Array.Empty<ServerRequest>();
        // OrderBy is stable: records of one server keep their id order when their timestamps tie.
        return merged.OrderBy(request => request.Timestamp).ToArray();
    }

    /// <summary>
    /// Blocks until some followed log has a record past its cursor, <paramref name="timeout"/> passes or the
    /// token is cancelled. Returns whether there is something to read.
    /// </summary>
    internal bool Wait(TimeSpan timeout, CancellationToken cancellationToken)
    {
        if (_servers.Length == 1)
        {
            return _servers[0].Requests.WaitForNew(_after[0], timeout, cancellationToken);
        }

        DateTime deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            for (int i = 0; i < _servers.Length; i++)
            {
                if (_servers[i].Requests.LastId > _after[i]) return true;
            }
            TimeSpan left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero || cancellationToken.IsCancellationRequested) return false;
            cancellationToken.WaitHandle.WaitOne(left < PollInterval ? left : PollInterval);
        }
    }
}
