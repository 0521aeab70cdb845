using System;
using System.Collections.Generic;
using System.Collections.ObjectModel;
using System.Globalization;
using System.Linq;
using System.Management.Automation;
using System.Text;
using System.Threading;

namespace PSWebServer.Commands;

/// <summary>
/// Assert-ServerRequest: Pester's <c>Should -Invoke</c> for requests. Counts the requests in the chosen servers' logs that
/// match the filters; at least -Times (default 1), or exactly with -Exactly. -Within waits, up to that many seconds, for
/// the count to be reached (a background client, a job). Success writes nothing; failure is a terminating error whose
/// message says what was expected and lists the requests that did arrive, so a failing It explains itself.
/// </summary>
[Cmdlet("Assert", "ServerRequest", DefaultParameterSetName = NameSet)]
[OutputType(typeof(void))]
public sealed class AssertServerRequestCommand : ServerSelectingCommand, IDisposable
{
    /// <summary>Longest single block while waiting, so Ctrl+C, the deadline and stopped servers are noticed.</summary>
    private static readonly TimeSpan WaitSlice = TimeSpan.FromMilliseconds(250);

    /// <summary>Requests listed in a failure message; the newest are kept when more arrived.</summary>
    private const int ListedRequests = 25;

    private readonly CancellationTokenSource _cancel = new();
    private readonly Dictionary<int, StaticServer> _servers = new();
    private RequestFilter _filter = null!; // made in BeginProcessing

    /// <summary>A wildcard over the decoded request path, case-insensitive (as Get-ServerRequest's).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    [SupportsWildcards]
    [ArgumentCompleter(typeof(Completion.ServerPathCompleter))]
    public string? Path { get; set; }

    [Parameter]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(Completion.HttpMethodCompleter))]
    public string[]? Method { get; set; }

    [Parameter]
    [ValidateNotNullOrEmpty]
    [ValidateRange(100, 999)]
    public int[]? StatusCode { get; set; }

    /// <summary>A script block run for each request ($_), true for the requests to count: Should -Invoke's -ParameterFilter.</summary>
    [Parameter]
    [ValidateNotNull]
    public ScriptBlock? Filter { get; set; }

    [Parameter]
    [ValidateRange(0, int.MaxValue)]
    public int Times { get; set; } = 1;

    [Parameter]
    public SwitchParameter Exactly { get; set; }

    [Parameter]
    [ValidateRange(0.0, 3600.0)]
    public double Within { get; set; }

    protected override void BeginProcessing()
    {
        _filter = new RequestFilter(Path, Method, StatusCode);
    }

    protected override void ProcessRecord()
    {
        foreach (StaticServer server in SelectServers()) _servers.TryAdd(server.Id, server);
    }

    protected override void EndProcessing()
    {
        if (_servers.Count == 0) ThrowTerminatingError(ErrorRecords.NoServerError());
        StaticServer[] servers = _servers.Values.OrderBy(server => server.Id).ToArray();
        var follower = new RequestFollower(servers);
        var arrived = new List<ServerRequest>();
        int matched = 0;
        DateTime deadline = DateTime.UtcNow + TimeSpan.FromSeconds(Within);

        while (true)
        {
            foreach (ServerRequest request in follower.ReadNew())
            {
                arrived.Add(request);
                if (Matches(request)) matched++;
            }
            if (Exactly && matched > Times) break;          // more than allowed: waiting cannot help
            if (matched >= Times) break;                    // reached (exactly N when -Exactly)
            TimeSpan left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero || _cancel.IsCancellationRequested) break;
            if (follower.AllEnded) break;                   // stopped servers log nothing more
            follower.Wait(left < WaitSlice ? left : WaitSlice, _cancel.Token);
        }
        if (_cancel.IsCancellationRequested) throw new PipelineStoppedException();

        bool holds = Exactly ? matched == Times : matched >= Times;
        if (!holds) ThrowTerminatingError(ErrorRecords.RequestAssertionError(Describe(matched, arrived), servers.Length == 1 ? servers[0] : servers));
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

    private bool Matches(ServerRequest request)
    {
        if (_filter.Matches(request))
        {
            if (Filter is null) return true;
            var variables = new List<PSVariable> { new("_", request), new("PSItem", request) };
            Collection<PSObject> result = Filter.InvokeWithContext(null, variables);
            return result.Count > 0 && LanguagePrimitives.IsTrue(result.Count == 1 ? result[0] : result);
        }
        return false;
    }

    /// <summary>"Expected exactly 2 requests matching POST /api/items, but 3 arrived within 2 s." and the list of what did.</summary>
    private string Describe(int matched, List<ServerRequest> arrived)
    {
        var text = new StringBuilder("Expected ");
        text.Append(Exactly ? "exactly " : "at least ").Append(Times.ToString(CultureInfo.InvariantCulture))
            .Append(Times == 1 ? " request" : " requests").Append(" matching ").Append(Criteria())
            .Append(", but ").Append(matched.ToString(CultureInfo.InvariantCulture)).Append(" did");
        if (Within > 0) text.Append(" within ").Append(Within.ToString(CultureInfo.InvariantCulture)).Append(" s");
        text.Append('.');
        string servers = string.Join(", ", _servers.Values.OrderBy(server => server.Id).Select(server => "'" + server.Name + "'"));
        if (arrived.Count == 0)
        {
            text.Append(" No requests arrived at ").Append(servers).Append('.');
            return text.ToString();
        }
        text.Append(' ').Append(arrived.Count.ToString(CultureInfo.InvariantCulture))
            .Append(arrived.Count == 1 ? " request" : " requests").Append(" arrived at ").Append(servers).Append(':');
        int skip = Math.Max(0, arrived.Count - ListedRequests);
        if (skip > 0) text.Append("\n  ... ").Append(skip.ToString(CultureInfo.InvariantCulture)).Append(" earlier ones not shown");
        foreach (ServerRequest request in arrived.Skip(skip))
        {
            text.Append("\n  ").Append(request.Timestamp.ToString("HH:mm:ss.fff", CultureInfo.InvariantCulture))
                .Append(' ').Append(request.Method).Append(' ').Append(request.Path);
            if (request.Query.Length > 0) text.Append('?').Append(request.Query);
            text.Append(" -> ").Append(request.StatusCode.ToString(CultureInfo.InvariantCulture));
            if (request.Fault.Length > 0) text.Append(' ').Append(request.Fault);
            if (request.AnsweredBy.Length > 0) text.Append(" [").Append(request.AnsweredBy).Append(']');
            if (Matches(request)) text.Append("  (matches)");
        }
        return text.ToString();
    }

    private string Criteria()
    {
        var parts = new List<string>();
        parts.Add(Method is null ? "any method" : string.Join("/", Method.Select(method => method.ToUpperInvariant())));
        parts.Add(Path ?? "any path");
        if (StatusCode is not null) parts.Add("with status " + string.Join(" or ", StatusCode));
        if (Filter is not null) parts.Add("where { " + Filter.ToString().Trim() + " }");
        return string.Join(" ", parts);
    }
}
