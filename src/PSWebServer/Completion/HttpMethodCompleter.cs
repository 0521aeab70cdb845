using System;
using System.Collections;
using System.Collections.Generic;
using System.Management.Automation;
using System.Management.Automation.Language;

namespace PSWebServer.Completion;

/// <summary>Tab completion of -Method: the common HTTP methods (any other token is accepted too).</summary>
public sealed class HttpMethodCompleter : IArgumentCompleter
{
    private static readonly string[] Methods = { "GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS" };

    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        string typed = (wordToComplete ?? "").Trim('\'', '"');
        foreach (string method in Methods)
        {
            if (method.StartsWith(typed, StringComparison.OrdinalIgnoreCase))
                yield return new CompletionResult(method, method, CompletionResultType.ParameterValue, method);
        }
    }
}
