using System;
using System.Collections;
using System.Collections.Generic;
using System.IO;
using System.Management.Automation;
using System.Threading;

namespace PSWebServer.Commands;

/// <summary>
/// Start-StaticServer: resolves the folder through PowerShell (relative paths, ~, PSDrives), starts the
/// engine on it and registers the server in the session. With -Wait it holds the prompt and streams each
/// completed request until Ctrl+C, then stops the server.
/// </summary>
[Cmdlet(VerbsLifecycle.Start, "StaticServer", DefaultParameterSetName = HttpSet)]
[OutputType(typeof(StaticServer), typeof(ServerRequest))]
public sealed partial class StartStaticServerCommand : PSCmdlet, IDisposable
{
    /// <summary>How often -Wait looks at the server's state while no request arrives.</summary>
    private static readonly TimeSpan WaitSlice = TimeSpan.FromMilliseconds(250);

    /// <summary>Time in-flight responses get when -Wait ends (Ctrl+C): long enough to finish a page, short for a prompt.</summary>
    private static readonly TimeSpan WaitStopGrace = TimeSpan.FromSeconds(2);

    private readonly CancellationTokenSource _cancel = new();

    [Parameter(Position = 0)]
    [ValidateNotNullOrEmpty]
    public string Path { get; set; } = ".";

    [Parameter]
    [ValidateRange(0, 65535)]
    public int Port { get; set; } = 8080;

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string Address { get; set; } = "127.0.0.1";

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Name { get; set; }

    [Parameter]
    [ValidateNotNull]
    [AllowEmptyCollection]
    public string[]? DefaultDocument { get; set; }

    [Parameter]
    [ValidateRange(1, 1_000_000)]
    public int? RequestLogSize { get; set; }

    /// <summary>List folders that have no default document.</summary>
    [Parameter]
    public SwitchParameter Browse { get; set; }

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? NotFoundPage { get; set; }

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Fallback { get; set; }

    [Parameter]
    [AllowEmptyString]
    [ValidateNotNull]
    public string? CacheControl { get; set; }

    [Parameter]
    [ValidateNotNull]
    public IDictionary? Header { get; set; }

    /// <summary>Allow every origin: shorthand for -CorsOrigin *.</summary>
    [Parameter]
    public SwitchParameter Cors { get; set; }

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string[]? CorsOrigin { get; set; }

    [Parameter]
    public SwitchParameter NoCompression { get; set; }

    /// <summary>The connection engine: Auto (epoll where it can run, else .NET sockets), Epoll (or fail), Socket.</summary>
    [Parameter]
    public ServerEngine Engine { get; set; } = ServerEngine.Auto;

    /// <summary>A file every request is appended to (created if missing; its folder must exist).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? AccessLog { get; set; }

    /// <summary>How -AccessLog lines are written: Common, Combined (the default) or Json.</summary>
    [Parameter]
    public AccessLogFormat AccessLogFormat { get; set; } = AccessLogFormat.Combined;

    [Parameter]
    public SwitchParameter Wait { get; set; }

    protected override void ProcessRecord()
    {
        if (Name is not null && WildcardPattern.ContainsWildcardCharacters(Name))
        {
            ThrowTerminatingError(ErrorRecords.InvalidServerNameError(Name));
        }

        // Everything the user typed is checked before a port is taken, so a typo never leaves a server behind.
        string root = ResolveRoot(Path);
        string? notFoundPage = NotFoundPage is null ? null : ResolveFile(NotFoundPage, nameof(NotFoundPage));
        string? fallback = Fallback is null ? null : ResolveFile(Fallback, nameof(Fallback));
        IReadOnlyList<KeyValuePair<string, string>> headers = ConvertHeaders();
        if (CacheControl is not null && !IsHeaderValue(CacheControl))
        {
            ThrowTerminatingError(ErrorRecords.InvalidHeaderError("Cache-Control", "the value contains a line break or another control character."));
        }
        IReadOnlyList<string> corsOrigins = ConvertCorsOrigins();
        string? accessLog = AccessLog is null ? null : ResolveAccessLog(AccessLog);
        PSWebServer.Tls.CertificateSource? certificate = ResolveCertificateSource();
        CheckLiveReload();

        if (!ServerRegistry.TryReserve(Name, out int id, out string name))
        {
            ThrowTerminatingError(ErrorRecords.ServerNameInUseError(name));
        }

        StaticServer server;
        bool started = false;
        try
        {
            var defaults = new StaticServerOptions();
            server = StaticServer.Start(new StaticServerOptions
            {
                Root = root,
                Address = Address,
                Port = Port,
                Id = id,
                Name = name,
                DefaultDocuments = DefaultDocument ?? defaults.DefaultDocuments,
                RequestLogSize = RequestLogSize ?? defaults.RequestLogSize,
                Browse = Browse,
                NotFoundPage = notFoundPage,
                Fallback = fallback,
                CacheControl = CacheControl ?? defaults.CacheControl,
                Headers = headers,
                CorsOrigins = corsOrigins,
                Compression = !NoCompression,
                Engine = Engine,
                Protocol = Protocol,
                AccessLogPath = accessLog,
                AccessLogFormat = AccessLogFormat,
                Certificate = certificate,
                LiveReload = LiveReload,
                LiveReloadWatch = !NoWatch,
            });
            ServerRegistry.Add(server);
            started = true;
        }
        catch (ServerException ex)
        {
            object target = ex.Kind switch
            {
                ServerErrorKind.RootNotFound or ServerErrorKind.RootNotDirectory or ServerErrorKind.WatchNotAvailable => root,
                ServerErrorKind.EngineNotAvailable => Engine,
                >= ServerErrorKind.CertificateNotFound and <= ServerErrorKind.CertificateNotForServerAuthentication => CertificateTarget(),
                _ => Address + ":" + Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            };
            ThrowTerminatingError(ErrorRecords.FromServerException(ex, target));
            return; // not reached: ThrowTerminatingError throws
        }
        catch (ArgumentException ex)
        {
            ThrowTerminatingError(ErrorRecords.InvalidOptionError(ex));
            return; // not reached
        }
        catch (Exception ex) when (accessLog is not null && ex is IOException or UnauthorizedAccessException)
        {
            // The only file the engine opens while starting is the access log.
            ThrowTerminatingError(ErrorRecords.AccessLogUnavailableError(AccessLog!, ex));
            return; // not reached
        }
        finally
        {
            if (!started) ServerRegistry.ReleaseName(name);
        }

        WriteVerbose($"Server '{server.Name}' (Id {server.Id}) serves '{server.Root}' at {server.Url} on the {server.Engine} engine");
        if (server.EngineFallbackReason is string reason) WriteVerbose($"Server '{server.Name}' does not use epoll: {reason}");
        WriteLiveReloadVerbose(server);
        if (Open) OpenBrowser(server);
        if (!Wait)
        {
            WriteObject(server);
            return;
        }

        ServeUntilCancelled(server);
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

    /// <summary>
    /// -Wait: the pipeline gets the requests (the useful stream to filter or log); the server itself is
    /// announced to the host like Write-Host would, so `Start-StaticServer -Wait | Export-Csv` stays clean.
    /// </summary>
    private void ServeUntilCancelled(StaticServer server)
    {
        try
        {
            WriteInformation(
                new HostInformationMessage { Message = $"Serving {server.Root} at {server.Url} - press Ctrl+C to stop." },
                new[] { "PSHOST" });

            var follower = new RequestFollower(new[] { server });
            while (true)
            {
                // Look at the state before reading: records written just before a stop are still read below.
                bool ended = follower.AllEnded;
                foreach (ServerRequest request in follower.ReadNew()) WriteObject(request);
                if (ended || _cancel.IsCancellationRequested) break;
                follower.Wait(WaitSlice, _cancel.Token);
            }

            if (server.State == ServerState.Faulted) WriteError(ErrorRecords.ServerFaultedError(server));
        }
        finally
        {
            // Runs on Ctrl+C and when a downstream Select-Object -First ends the pipeline: the server was
            // this command's, and no prompt is left holding it.
            server.Stop(WaitStopGrace);
            ServerRegistry.Remove(server);
        }
    }

    /// <summary>
    /// Turns a PowerShell path into a file-system folder. Taken literally (no wildcard expansion): a folder
    /// name with [brackets] must still work. Checked here so the error speaks of the path the user typed.
    /// </summary>
    private string ResolveRoot(string path)
    {
        string resolved = ResolveFileSystemPath(path, onMissing: () => ErrorRecords.PathNotFoundError(path),
            notFileSystem: reason => ErrorRecords.PathNotDirectoryError(path, reason));
        if (Directory.Exists(resolved)) return resolved;
        if (File.Exists(resolved))
        {
            ThrowTerminatingError(ErrorRecords.PathNotDirectoryError(path, "it is a file, not a folder."));
        }
        ThrowTerminatingError(ErrorRecords.PathNotFoundError(path));
        return resolved; // not reached
    }

    /// <summary>
    /// -NotFoundPage and -Fallback: a file, resolved like -Path (relative to the PowerShell location, not the
    /// process's). The engine would quietly fall back to its built-in answer for a missing file; a typo
    /// deserves an error instead.
    /// </summary>
    private string ResolveFile(string path, string parameter)
    {
        string resolved = ResolveFileSystemPath(path, onMissing: () => ErrorRecords.FileNotFoundError(parameter, path),
            notFileSystem: reason => ErrorRecords.PathNotFileError(parameter, path, reason));
        if (File.Exists(resolved)) return resolved;
        if (Directory.Exists(resolved))
        {
            ThrowTerminatingError(ErrorRecords.PathNotFileError(parameter, path, "it is a folder, not a file."));
        }
        ThrowTerminatingError(ErrorRecords.FileNotFoundError(parameter, path));
        return resolved; // not reached
    }

    /// <summary>
    /// -AccessLog: a file that may not exist yet, resolved like -Path (relative to the PowerShell location). Its folder
    /// must exist: creating folders on a typo would scatter logs.
    /// </summary>
    private string ResolveAccessLog(string path)
    {
        string resolved = ResolveFileSystemPath(path, onMissing: () => ErrorRecords.AccessLogFolderNotFoundError(path, path),
            notFileSystem: reason => ErrorRecords.PathNotFileError(nameof(AccessLog), path, reason));
        if (Directory.Exists(resolved))
        {
            ThrowTerminatingError(ErrorRecords.PathNotFileError(nameof(AccessLog), path, "it is a folder, not a file."));
        }
        string? folder = System.IO.Path.GetDirectoryName(resolved);
        if (string.IsNullOrEmpty(folder) || !Directory.Exists(folder))
        {
            ThrowTerminatingError(ErrorRecords.AccessLogFolderNotFoundError(path, folder ?? path));
        }
        return resolved;
    }

    private string ResolveFileSystemPath(string path, Func<ErrorRecord> onMissing, Func<string, ErrorRecord> notFileSystem)
    {
        string resolved;
        ProviderInfo provider;
        try
        {
            resolved = SessionState.Path.GetUnresolvedProviderPathFromPSPath(path, out provider, out _);
        }
        catch (Exception ex) when (ex is System.Management.Automation.DriveNotFoundException or ItemNotFoundException)
        {
            ThrowTerminatingError(onMissing());
            throw; // not reached
        }
        catch (Exception ex) when (ex is ProviderNotFoundException or NotSupportedException or ArgumentException or ProviderInvocationException)
        {
            ThrowTerminatingError(notFileSystem(ex.Message));
            throw; // not reached
        }

        if (!string.Equals(provider.Name, "FileSystem", StringComparison.OrdinalIgnoreCase))
        {
            ThrowTerminatingError(notFileSystem($"it is a {provider.Name} path, not a path of the file system."));
        }
        return resolved;
    }

    /// <summary>
    /// -Header: names must be HTTP tokens and values single lines; the engine writes them into every response
    /// as given, so a stray CR/LF here would split responses.
    /// </summary>
    private IReadOnlyList<KeyValuePair<string, string>> ConvertHeaders()
    {
        if (Header is null || Header.Count == 0) return Array.Empty<KeyValuePair<string, string>>();
        var headers = new List<KeyValuePair<string, string>>(Header.Count);
        foreach (DictionaryEntry entry in Header)
        {
            string name = LanguagePrimitives.ConvertTo<string>(entry.Key) ?? "";
            string value = LanguagePrimitives.ConvertTo<string>(entry.Value) ?? "";
            if (!IsToken(name))
            {
                ThrowTerminatingError(ErrorRecords.InvalidHeaderError(name, "a header name is letters, digits and !#$%&'*+-.^_`|~ only."));
            }
            if (!IsHeaderValue(value))
            {
                ThrowTerminatingError(ErrorRecords.InvalidHeaderError(name, "the value contains a line break or another control character."));
            }
            headers.Add(new KeyValuePair<string, string>(name, value.Trim()));
        }
        return headers;
    }

    /// <summary>-Cors is -CorsOrigin *; each origin is '*' or scheme://host[:port], compared by the engine as text.</summary>
    private IReadOnlyList<string> ConvertCorsOrigins()
    {
        var origins = new List<string>();
        if (Cors) origins.Add("*");
        foreach (string origin in CorsOrigin ?? Array.Empty<string>())
        {
            string trimmed = origin.Trim();
            if (trimmed == "*")
            {
                origins.Add(trimmed);
                continue;
            }
            if (!Uri.TryCreate(trimmed, UriKind.Absolute, out Uri? uri)
                || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps)
                || uri.PathAndQuery != "/" || uri.Fragment.Length != 0 || uri.UserInfo.Length != 0
                || !IsHeaderValue(trimmed))
            {
                ThrowTerminatingError(ErrorRecords.InvalidCorsOriginError(origin));
            }
            origins.Add(trimmed.TrimEnd('/'));
        }
        return origins;
    }

    private static bool IsToken(string text)
    {
        if (text.Length == 0) return false;
        foreach (char c in text)
        {
            bool ok = c is (>= 'a' and <= 'z') or (>= 'A' and <= 'Z') or (>= '0' and <= '9')
                || "!#$%&'*+-.^_`|~".IndexOf(c) >= 0;
            if (!ok) return false;
        }
        return true;
    }

    /// <summary>Visible ASCII and Latin-1, spaces and tabs: what a field value may hold (RFC 9110 5.5).</summary>
    private static bool IsHeaderValue(string text)
    {
        foreach (char c in text)
        {
            if (c == '\t') continue;
            if (c < 0x20 || c == 0x7F || c > 0xFF) return false;
        }
        return true;
    }
}
