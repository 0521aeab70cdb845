using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Threading;

namespace PSWebServer.Commands;

/// <summary>
/// Get-ServerRequest: the completed requests kept in the servers' logs, filtered, and with -Wait the new
/// ones as they complete. -Wait first emits the matches already logged (then follows, like
/// Get-Content -Wait), so a request that finished before the command started is never missed;
/// -Last 0 -Wait streams only new ones.
/// </summary>
[Cmdlet(VerbsCommon.Get, "ServerRequest", DefaultParameterSetName = NameSet)]
[OutputType(typeof(ServerRequest))]
public sealed class GetServerRequestCommand : ServerSelectingCommand, IDisposable
{
    /// <summary>Longest single block while waiting, so the deadline and stopped servers are noticed.</summary>
    private static readonly TimeSpan WaitSlice = TimeSpan.FromMilliseconds(250);

    private readonly CancellationTokenSource _cancel = new();

    // Servers are collected over the whole pipeline input and read in EndProcessing: -Last and the merge by
    // time apply across all of them, and -Wait follows them together. Ids are never reused in a process,
    // so the Id tells servers apart, registered or already stopped.
    private readonly Dictionary<int, StaticServer> _servers = new();

    private RequestFilter _filter = null!; // made in BeginProcessing
    private DateTime? _sinceUtc;

    /// <summary>Wildcard over the decoded request path, case-insensitive.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    [SupportsWildcards]
    public string? Path { get; set; }

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string[]? Method { get; set; }

    [Parameter]
    [ValidateNotNullOrEmpty]
    [ValidateRange(100, 999)]
    public int[]? StatusCode { get; set; }

    [Parameter]
    public DateTime? Since { get; set; }

    /// <summary>Only the newest N matches; with -Wait, how many already-logged matches to emit before following.</summary>
    [Parameter]
    [ValidateRange(0, int.MaxValue)]
    public int? Last { get; set; }

    [Parameter]
    public SwitchParameter Wait { get; set; }

    /// <summary>Seconds -Wait waits in all; when they pass the command ends without an error.</summary>
    [Parameter]
    [ValidateRange(0.0, 2_000_000.0)]
    public double? Timeout { get; set; }

    protected override void BeginProcessing()
    {
        if (Timeout.HasValue && !Wait) ThrowTerminatingError(ErrorRecords.TimeoutWithoutWaitError());

        _filter = new RequestFilter(Path, Method, StatusCode);
        // Timestamps are local; compare in UTC so a -Since given in UTC (or unspecified = local) means what it says.
        if (Since.HasValue) _sinceUtc = Since.Value.ToUniversalTime();
    }

    protected override void ProcessRecord()
    {
        // A stopped server passed by object is no longer registered; its log is still worth reading.
        foreach (StaticServer server in SelectServers()) _servers.TryAdd(server.Id, server);
    }

    protected override void EndProcessing()
    {
        StaticServer[] servers = _servers.Values.OrderBy(server => server.Id).ToArray();
        if (servers.Length == 0) return;

        var follower = new RequestFollower(servers);
        DateTime deadline = Timeout.HasValue ? DateTime.UtcNow + TimeSpan.FromSeconds(Timeout.Value) : DateTime.MaxValue;

        IEnumerable<ServerRequest> backlog = follower.ReadNew().Where(Matches);
        if (Last.HasValue) backlog = TakeLast(backlog.ToList(), Last.Value);
        foreach (ServerRequest request in backlog) WriteObject(request);
        if (!Wait) return;

        // From here on every request that completes is seen: the cursors are set. Said on the verbose stream so a
        // caller (a test, a script driving a client) can wait for this moment instead of guessing it with a sleep.
        WriteVerbose("Following " + string.Join(", ", servers.Select((server, i) =>
                $"'{server.Name}' after request {follower.Cursors[i].ToString(System.Globalization.CultureInfo.InvariantCulture)}"))
            + ": new requests are written as they complete.");

        // WriteObject throws when Select-Object -First has what it needs or on Ctrl+C; that exception must
        // reach the pipeline, so nothing here catches.
        while (!_cancel.IsCancellationRequested)
        {
            TimeSpan left = deadline == DateTime.MaxValue ? WaitSlice : deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero) break;
            bool ended = follower.AllEnded;
            if (ended || follower.Wait(left < WaitSlice ? left : WaitSlice, _cancel.Token))
            {
                foreach (ServerRequest request in follower.ReadNew())
                {
                    if (Matches(request)) WriteObject(request);
                }
            }
            // Every followed server has stopped and its log is drained: nothing more can come.
            if (ended) break;
        }
    }

    protected override void StopProcessing()
    {
        try
        {
            _cancel.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // Ctrl+C arrived after the command had finished and been disposed: nothing is left to stop.
        }
    }

    public void Dispose() => _cancel.Dispose();

    private bool Matches(ServerRequest request) =>
        _filter.Matches(request)
        && (_sinceUtc is null || request.Timestamp.ToUniversalTime() >= _sinceUtc.Value);

    private static IEnumerable<ServerRequest> TakeLast(List<ServerRequest> all, int count) =>
        count >= all.Count ? all : all.GetRange(all.Count - count, count);
}
