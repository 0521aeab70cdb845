using System.Collections;
using System.Collections.Generic;
using System.Globalization;
using System.Management.Automation;
using System.Management.Automation.Language;

namespace PSWebServer.Completion;

/// <summary>Tab completion of -Id: the ids of this session's servers that start with the digits typed, each with its name.</summary>
public sealed class ServerIdCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        string typed = wordToComplete ?? "";
        var results = new List<CompletionResult>();
        foreach (StaticServer server in ServerRegistry.GetAll())
        {
            string id = server.Id.ToString(CultureInfo.InvariantCulture);
            if (!id.StartsWith(typed, System.StringComparison.Ordinal)) continue;
            results.Add(new CompletionResult(id, id + " (" + server.Name + ")", CompletionResultType.ParameterValue, ServerNameCompleter.Describe(server)));
        }
        return results;
    }
}
