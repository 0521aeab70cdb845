using System;
using System.Collections;
using System.Collections.Generic;
using System.Collections.ObjectModel;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Text;
using PSWebServer.TestResponses;

namespace PSWebServer.Commands;

/// <summary>
/// Add-ServerResponse: a canned answer for requests to a path, tried before the files in the order added. Turns the
/// PowerShell-shaped input (a -Body of any kind, hashtables, seconds) into a <see cref="CannedResponseDefinition"/> once,
/// checks it once (a refusal is a terminating error, the same for every server), and adds it to each chosen server.
/// </summary>
[Cmdlet(VerbsCommon.Add, "ServerResponse", DefaultParameterSetName = NameSet)]
[OutputType(typeof(CannedResponse))]
public sealed class AddServerResponseCommand : ServerSelectingCommand
{
    /// <summary>How deep -Body objects are written as JSON: deeper than API payloads go, shallow enough that an object
    /// graph passed by mistake (a process, a file) ends quickly instead of filling memory.</summary>
    internal const int JsonDepth = 10;

    private CannedResponseDefinition? _definition;

    [Parameter(Mandatory = true)]
    [ValidateNotNullOrEmpty]
    [SupportsWildcards]
    [ArgumentCompleter(typeof(Completion.ServerPathCompleter))]
    public string Path { get; set; } = "";

    [Parameter]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(Completion.HttpMethodCompleter))]
    public string[]? Method { get; set; }

    [Parameter]
    [ValidateRange(200, 599)]
    public int StatusCode { get; set; } = 200;

    [Parameter]
    [AllowNull]
    public object? Body { get; set; }

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? ContentType { get; set; }

    [Parameter]
    [ValidateNotNull]
    public IDictionary? Header { get; set; }

    [Parameter]
    [ValidateRange(1, int.MaxValue)]
    public int Times { get; set; }

    [Parameter]
    [SecondsToTimeSpan]
    public TimeSpan Delay { get; set; }

    [Parameter]
    public CannedFault Fault { get; set; }

    [Parameter]
    [ValidateRange(1L, long.MaxValue)]
    public long BytesPerSecond { get; set; }

    [Parameter]
    [ValidateNotNull]
    public IDictionary? Query { get; set; }

    [Parameter]
    [ValidateNotNull]
    public IDictionary? HeaderMatch { get; set; }

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? BodyContains { get; set; }

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Description { get; set; }

    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void BeginProcessing()
    {
        var definition = new CannedResponseDefinition
        {
            Path = Path,
            StatusCode = StatusCode,
            Times = MyInvocation.BoundParameters.ContainsKey(nameof(Times)) ? Times : null,
            Delay = Delay,
            Fault = Fault,
            BytesPerSecond = BytesPerSecond,
            BodyContains = BodyContains,
            Description = Description,
            ContentType = ContentType,
        };
        foreach (string method in Method ?? Array.Empty<string>()) definition.Methods.Add(method);
        SetBody(definition);
        AddPairs(Header, definition.Headers, expandLists: true);
        AddPairs(Query, definition.Query, expandLists: false);
        AddPairs(HeaderMatch, definition.RequestHeaders, expandLists: false);
        try
        {
            definition.Validate();
        }
        catch (ArgumentException ex)
        {
            ThrowTerminatingError(ErrorRecords.InvalidServerResponseError(ex, Path));
        }
        _definition = definition;
    }

    protected override void ProcessRecord()
    {
        foreach (StaticServer server in ChooseServers(this, SelectServers(), ParameterSetName, Name))
        {
            CannedResponse response;
            try
            {
                response = server.Responses.Add(_definition!);
            }
            catch (ArgumentException ex)
            {
                // Checked in BeginProcessing; only the disk can change in between (the -Body file deleted).
                WriteError(ErrorRecords.InvalidServerResponseError(ex, Path));
                continue;
            }
            WriteVerbose($"Server '{server.Name}': canned response {response.Description} added ({server.Responses.Count} in all).");
            if (PassThru) WriteObject(response);
        }
    }

    /// <summary>
    /// The servers to add to: those given or named, or, when neither was given, the one server running (a test has one;
    /// guessing among several would put the response where the test does not look).
    /// </summary>
    internal static IReadOnlyList<StaticServer> ChooseServers(Cmdlet cmdlet, IReadOnlyList<StaticServer> selected, string parameterSet, string[]? names)
    {
        if (parameterSet == NameSet && names is null)
        {
            if (selected.Count == 0) cmdlet.ThrowTerminatingError(ErrorRecords.NoServerError());
            if (selected.Count > 1) cmdlet.ThrowTerminatingError(ErrorRecords.ServerNotSpecifiedError(selected.Select(server => server.Name)));
        }
        return selected;
    }

    /// <summary>
    /// -Body by type: text (UTF-8, text/plain), bytes (application/octet-stream), a FileInfo (read from disk per request,
    /// typed by its extension), nothing; anything else is written as JSON by PowerShell's own ConvertTo-Json, so
    /// hashtables, [ordered] dictionaries, PSCustomObjects and arrays come out the way scripts expect.
    /// </summary>
    private void SetBody(CannedResponseDefinition definition)
    {
        if (Body is null) return;
        object value = Body is PSObject wrapped ? wrapped.BaseObject : Body;
        switch (value)
        {
            case string text:
                definition.Body = Encoding.UTF8.GetBytes(text);
                definition.ContentType ??= "text/plain; charset=utf-8";
                break;
            case byte[] bytes:
                definition.Body = bytes;
                definition.ContentType ??= "application/octet-stream";
                break;
            case FileInfo file:
                file.Refresh();
                if (!file.Exists) ThrowTerminatingError(ErrorRecords.FileNotFoundError("Body", file.FullName));
                definition.BodyFile = file.FullName;
                break;
            case DirectoryInfo folder:
                ThrowTerminatingError(ErrorRecords.PathNotFileError("Body", folder.FullName, "it is a folder; give a file (Get-Item) or the content itself."));
                break;
            default:
                definition.Body = Encoding.UTF8.GetBytes(ToJson(Body));
                definition.ContentType ??= "application/json; charset=utf-8";
                break;
        }
    }

    private string ToJson(object body)
    {
        using var shell = PowerShell.Create(RunspaceMode.CurrentRunspace);
        shell.AddCommand("Microsoft.PowerShell.Utility\\ConvertTo-Json")
            .AddParameter("InputObject", body)
            .AddParameter("Depth", JsonDepth)
            .AddParameter("Compress");
        Collection<PSObject> output;
        try
        {
            output = shell.Invoke();
        }
        catch (RuntimeException ex)
        {
            ThrowTerminatingError(ErrorRecords.JsonConversionError(ex, body));
            throw; // not reached
        }
        foreach (WarningRecord warning in shell.Streams.Warning) WriteWarning("-Body: " + warning.Message);
        if (shell.Streams.Error.Count > 0)
        {
            ErrorRecord first = shell.Streams.Error[0];
            ThrowTerminatingError(ErrorRecords.JsonConversionError(first.Exception, body));
        }
        return string.Concat(output.Select(item => item?.BaseObject?.ToString()));
    }

    /// <summary>
    /// A hashtable as name/value pairs, in its order ([ordered] keeps the caller's). For -Header a list of values sends
    /// one line each (Set-Cookie); for the match conditions a $null value means "present, any value".
    /// </summary>
    private void AddPairs(IDictionary? source, IList<KeyValuePair<string, string>> target, bool expandLists)
    {
        if (source is null) return;
        foreach (DictionaryEntry entry in source)
        {
            string name = LanguagePrimitives.ConvertTo<string>(entry.Key) ?? "";
            object? value = entry.Value is PSObject wrapped ? wrapped.BaseObject : entry.Value;
            if (value is null)
            {
                if (expandLists) ThrowTerminatingError(ErrorRecords.InvalidHeaderError(name, "the value is $null; give the text to send."));
                target.Add(new(name, "*"));
            }
            else if (expandLists && value is IEnumerable list and not string)
            {
                foreach (object? item in list) target.Add(new(name, LanguagePrimitives.ConvertTo<string>(item) ?? ""));
            }
            else
            {
                target.Add(new(name, LanguagePrimitives.ConvertTo<string>(value) ?? ""));
            }
        }
    }
}
