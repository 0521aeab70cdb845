using System;
using System.Collections.Generic;
using System.Management.Automation;

namespace PSWebServer;

/// <summary>
/// The -Path / -Method / -StatusCode selection of request-log entries that Get-ServerRequest and Assert-ServerRequest
/// share, built once per command: the path as a case-insensitive wildcard over the decoded path, methods in any case,
/// status codes exactly. A parameter not given selects everything.
/// </summary>
internal sealed class RequestFilter
{
    private readonly WildcardPattern? _path;
    private readonly HashSet<string>? _methods;
    private readonly HashSet<int>? _statusCodes;

    public RequestFilter(string? path, string[]? methods, int[]? statusCodes)
    {
        if (path is not null) _path = WildcardPattern.Get(path, WildcardOptions.IgnoreCase);
        if (methods is not null) _methods = new HashSet<string>(methods, StringComparer.OrdinalIgnoreCase);
        if (statusCodes is not null) _statusCodes = new HashSet<int>(statusCodes);
    }

    public bool Matches(ServerRequest request) =>
        (_path is null || _path.IsMatch(request.Path))
        && (_methods is null || _methods.Contains(request.Method))
        && (_statusCodes is null || _statusCodes.Contains(request.StatusCode));
}
