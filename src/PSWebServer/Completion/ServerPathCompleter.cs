using System;
using System.Collections;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Language;
using PSWebServer.TestResponses;

namespace PSWebServer.Completion;

/// <summary>
/// Tab completion of -Path on the canned-response and assertion cmdlets: the paths of this session's canned responses,
/// then the paths requested recently (newest first), that start with what was typed. Quoted when needed.
/// </summary>
public sealed class ServerPathCompleter : IArgumentCompleter
{
    private const int RecentRequests = 200;

    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        string typed = (wordToComplete ?? "").Trim('\'', '"');
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var results = new List<CompletionResult>();
        IReadOnlyList<StaticServer> servers = ServerRegistry.GetAll();
        foreach (StaticServer server in servers)
        {
            foreach (CannedResponse response in server.Responses.Snapshot())
            {
                if (response.Path.StartsWith(typed, StringComparison.Ordinal) && seen.Add(response.Path))
                    results.Add(new CompletionResult(Quote(response.Path), response.Path, CompletionResultType.ParameterValue, response.Description));
            }
        }
        foreach (StaticServer server in servers)
        {
            RequestLog log = server.Requests;
            foreach (ServerRequest request in log.ReadAfter(Math.Max(0, log.LastId - RecentRequests)).Reverse())
            {
                if (request.Path.StartsWith(typed, StringComparison.Ordinal) && seen.Add(request.Path))
                    results.Add(new CompletionResult(Quote(request.Path), request.Path, CompletionResultType.ParameterValue, request.ToString()));
            }
        }
        return results;
    }

    private static string Quote(string path)
    {
        foreach (char c in path)
        {
            if (char.IsWhiteSpace(c) || "'\"`$&@(){};,|<>#".IndexOf(c) >= 0) return "'" + path.Replace("'", "''") + "'";
        }
        return path;
    }
}
