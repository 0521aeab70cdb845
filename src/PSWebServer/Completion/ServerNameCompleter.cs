using System;
using System.Collections;
using System.Collections.Generic;
using System.Management.Automation;
using System.Management.Automation.Language;

namespace PSWebServer.Completion;

/// <summary>
/// Tab completion of -Name: the names of this session's servers that start with what was typed (case-insensitive,
/// as names are), not file names. Quoted when a name needs it; the tooltip says where the server serves.
/// </summary>
public sealed class ServerNameCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        string typed = Unquote(wordToComplete);
        var results = new List<CompletionResult>();
        foreach (StaticServer server in ServerRegistry.GetAll())
        {
            if (!server.Name.StartsWith(typed, StringComparison.OrdinalIgnoreCase)) continue;
            results.Add(new CompletionResult(Quote(server.Name), server.Name, CompletionResultType.ParameterValue, Describe(server)));
        }
        return results;
    }

    internal static string Describe(StaticServer server) => $"{server.Name} (Id {server.Id}): {server.State}, {server.Url} serving {server.Root}";

    private static string Unquote(string word) => (word ?? "").Trim('\'', '"');

    /// <summary>Single quotes when the name has a space or a character PowerShell would read otherwise.</summary>
    private static string Quote(string name)
    {
        foreach (char c in name)
        {
            if (char.IsWhiteSpace(c) || "'\"`$&@(){}[];,|<>#".IndexOf(c) >= 0) return "'" + name.Replace("'", "''") + "'";
        }
        return name;
    }
}
