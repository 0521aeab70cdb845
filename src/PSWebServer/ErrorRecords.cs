using System;
using System.IO;
using System.Management.Automation;

namespace PSWebServer;

/// <summary>
/// Every ErrorId and category the module writes, in one place. The ids are API: scripts and tests match
/// FullyQualifiedErrorId against them, so they change only with a breaking release.
/// </summary>
internal static class ErrorRecords
{
    internal const string PathNotFound = nameof(PathNotFound);
    internal const string PathNotDirectory = nameof(PathNotDirectory);
    internal const string PathNotFile = nameof(PathNotFile);
    internal const string InvalidHeader = nameof(InvalidHeader);
    internal const string InvalidCorsOrigin = nameof(InvalidCorsOrigin);
    internal const string AddressInUse = nameof(AddressInUse);
    internal const string AddressAccessDenied = nameof(AddressAccessDenied);
    internal const string AddressNotAvailable = nameof(AddressNotAvailable);
    internal const string InvalidAddress = nameof(InvalidAddress);
    internal const string ServerNameInUse = nameof(ServerNameInUse);
    internal const string InvalidServerName = nameof(InvalidServerName);
    internal const string ServerNotFound = nameof(ServerNotFound);
    internal const string ServerFaulted = nameof(ServerFaulted);
    internal const string TimeoutWithoutWait = nameof(TimeoutWithoutWait);
    internal const string InvalidOption = nameof(InvalidOption);
    internal const string EngineNotAvailable = nameof(EngineNotAvailable);
    internal const string AccessLogUnavailable = nameof(AccessLogUnavailable);
    internal const string InvalidServerResponse = nameof(InvalidServerResponse);
    internal const string ServerNotSpecified = nameof(ServerNotSpecified);
    internal const string NoServer = nameof(NoServer);
    internal const string JsonConversionFailed = nameof(JsonConversionFailed);
    internal const string RequestAssertionFailed = nameof(RequestAssertionFailed);
    internal const string CertificateNotFound = nameof(CertificateNotFound);
    internal const string CertificateUnreadable = nameof(CertificateUnreadable);
    internal const string CertificatePasswordInvalid = nameof(CertificatePasswordInvalid);
    internal const string CertificateWithoutPrivateKey = nameof(CertificateWithoutPrivateKey);
    internal const string CertificateExpired = nameof(CertificateExpired);
    internal const string CertificateNotYetValid = nameof(CertificateNotYetValid);
    internal const string CertificateNotForServerAuthentication = nameof(CertificateNotForServerAuthentication);
    internal const string ServerNotHttps = nameof(ServerNotHttps);
    internal const string AmbiguousServerName = nameof(AmbiguousServerName);
    internal const string LiveReloadNotEnabled = nameof(LiveReloadNotEnabled);
    internal const string WatchNotAvailable = nameof(WatchNotAvailable);
    internal const string NoWatchWithoutLiveReload = nameof(NoWatchWithoutLiveReload);
    internal const string ServerNotRunning = nameof(ServerNotRunning);

    internal static ErrorRecord FromServerException(ServerException exception, object? target)
    {
        (string id, ErrorCategory category) = exception.Kind switch
        {
            ServerErrorKind.AddressInUse => (AddressInUse, ErrorCategory.ResourceUnavailable),
            ServerErrorKind.AddressAccessDenied => (AddressAccessDenied, ErrorCategory.PermissionDenied),
            ServerErrorKind.AddressNotAvailable => (AddressNotAvailable, ErrorCategory.InvalidArgument),
            ServerErrorKind.InvalidAddress => (InvalidAddress, ErrorCategory.InvalidArgument),
            ServerErrorKind.RootNotFound => (PathNotFound, ErrorCategory.ObjectNotFound),
            ServerErrorKind.RootNotDirectory => (PathNotDirectory, ErrorCategory.InvalidArgument),
            ServerErrorKind.EngineNotAvailable => (EngineNotAvailable, ErrorCategory.ResourceUnavailable),
            ServerErrorKind.CertificateNotFound => (CertificateNotFound, ErrorCategory.ObjectNotFound),
            ServerErrorKind.CertificateUnreadable => (CertificateUnreadable, ErrorCategory.InvalidData),
            ServerErrorKind.CertificatePasswordInvalid => (CertificatePasswordInvalid, ErrorCategory.AuthenticationError),
            ServerErrorKind.CertificateWithoutPrivateKey => (CertificateWithoutPrivateKey, ErrorCategory.InvalidArgument),
            ServerErrorKind.CertificateExpired => (CertificateExpired, ErrorCategory.InvalidArgument),
            ServerErrorKind.CertificateNotYetValid => (CertificateNotYetValid, ErrorCategory.InvalidArgument),
            ServerErrorKind.CertificateNotForServerAuthentication => (CertificateNotForServerAuthentication, ErrorCategory.InvalidArgument),
            ServerErrorKind.WatchNotAvailable => (WatchNotAvailable, ErrorCategory.ResourceUnavailable),
            // A kind added to the engine later still reaches the user as an error, never as a crash.
            _ => (exception.Kind.ToString(), ErrorCategory.NotSpecified),
        };
        return new ErrorRecord(exception, id, category, target);
    }

    internal static ErrorRecord PathNotFoundError(string path, Exception? inner = null) =>
        new(new ItemNotFoundException($"Cannot serve '{path}': the folder does not exist.", inner),
            PathNotFound, ErrorCategory.ObjectNotFound, path);

    internal static ErrorRecord PathNotDirectoryError(string path, string reason) =>
        new(new ArgumentException($"Cannot serve '{path}': {reason}"),
            PathNotDirectory, ErrorCategory.InvalidArgument, path);

    internal static ErrorRecord FileNotFoundError(string parameter, string path, Exception? inner = null) =>
        new(new ItemNotFoundException($"-{parameter} '{path}': the file does not exist.", inner),
            PathNotFound, ErrorCategory.ObjectNotFound, path);

    internal static ErrorRecord PathNotFileError(string parameter, string path, string reason) =>
        new(new ArgumentException($"-{parameter} '{path}': {reason}"),
            PathNotFile, ErrorCategory.InvalidArgument, path);

    /// <summary>-AccessLog in a folder that does not exist: the file is created, its folder is not.</summary>
    internal static ErrorRecord AccessLogFolderNotFoundError(string path, string folder) =>
        new(new ItemNotFoundException($"-AccessLog '{path}': the folder '{folder}' does not exist; the log file is created, its folder is not."),
            PathNotFound, ErrorCategory.ObjectNotFound, path);

    /// <summary>The access log file could not be opened for appending (permissions, a read-only disk, a locked file).</summary>
    internal static ErrorRecord AccessLogUnavailableError(string path, Exception exception) =>
        new(new IOException($"-AccessLog '{path}': the file cannot be opened for writing: {exception.Message}", exception),
            AccessLogUnavailable, exception is UnauthorizedAccessException ? ErrorCategory.PermissionDenied : ErrorCategory.OpenError, path);

    /// <summary>An option the engine refused (a bad -DefaultDocument name, a header only the server may set, …).</summary>
    internal static ErrorRecord InvalidOptionError(ArgumentException exception) =>
        new(exception, InvalidOption, ErrorCategory.InvalidArgument, exception.ParamName);

    internal static ErrorRecord InvalidHeaderError(string name, string reason) =>
        new(new ArgumentException($"Cannot send the header '{name}': {reason}"),
            InvalidHeader, ErrorCategory.InvalidArgument, name);

    internal static ErrorRecord InvalidCorsOriginError(string origin) =>
        new(new ArgumentException($"'{origin}' is not a CORS origin. Give '*' or a scheme, host and optional port, such as 'https://app.example' or 'http://localhost:3000'."),
            InvalidCorsOrigin, ErrorCategory.InvalidArgument, origin);

    internal static ErrorRecord ServerNameInUseError(string name) =>
        new(new InvalidOperationException($"A server named '{name}' is already running in this session. Choose another -Name or stop that server first."),
            ServerNameInUse, ErrorCategory.ResourceExists, name);

    internal static ErrorRecord InvalidServerNameError(string name) =>
        new(new ArgumentException($"The server name '{name}' contains wildcard characters (*, ?, [, ]); names are matched as wildcards, so they cannot contain them."),
            InvalidServerName, ErrorCategory.InvalidArgument, name);

    internal static ErrorRecord ServerNotFoundByName(string name) =>
        new(new ItemNotFoundException($"No server named '{name}' is running in this session."),
            ServerNotFound, ErrorCategory.ObjectNotFound, name);

    internal static ErrorRecord ServerNotFoundById(int id) =>
        new(new ItemNotFoundException($"No server with Id {id} is running in this session."),
            ServerNotFound, ErrorCategory.ObjectNotFound, id);

    internal static ErrorRecord ServerFaultedError(StaticServer server) =>
        new(new InvalidOperationException($"Server '{server.Name}' ({server.Url}) stopped after an error: {server.LastError?.Message ?? "unknown error"}", server.LastError),
            ServerFaulted, ErrorCategory.OperationStopped, server);

    /// <summary>
    /// A canned response the engine refused: a bad header or Content-Type is InvalidHeader (as for Start-StaticServer's
    /// -Header), anything else InvalidServerResponse; the message says what and why.
    /// </summary>
    internal static ErrorRecord InvalidServerResponseError(ArgumentException exception, string path)
    {
        bool header = exception.ParamName is "Headers" or "ContentType";
        // The engine names its definition's property; the user typed the cmdlet's parameter.
        string parameter = exception.ParamName switch
        {
            "Headers" => "Header",
            "RequestHeaders" => "HeaderMatch",
            "Methods" => "Method",
            "BodyFile" => "Body",
            null => "",
            string name => name,
        };
        string message = exception.Message;
        string suffix = " (Parameter '" + exception.ParamName + "')";
        if (exception.ParamName is not null && message.EndsWith(suffix, StringComparison.Ordinal)) message = message.Substring(0, message.Length - suffix.Length);
        if (parameter.Length > 0) message = "-" + parameter + ": " + message;
        return new ErrorRecord(new ArgumentException(message, parameter, exception), header ? InvalidHeader : InvalidServerResponse, ErrorCategory.InvalidArgument, path);
    }

    internal static ErrorRecord ServerNotSpecifiedError(System.Collections.Generic.IEnumerable<string> names) =>
        new(new ArgumentException($"Several servers are running ({string.Join(", ", names)}): say which with -Server or -Name."),
            ServerNotSpecified, ErrorCategory.InvalidArgument, null);

    internal static ErrorRecord NoServerError() =>
        new(new ItemNotFoundException("No server is running in this session: start one with Start-StaticServer first."),
            NoServer, ErrorCategory.ObjectNotFound, null);

    internal static ErrorRecord JsonConversionError(Exception exception, object? body) =>
        new(new ArgumentException($"-Body could not be written as JSON: {exception.Message}", exception),
            JsonConversionFailed, ErrorCategory.InvalidArgument, body);

    /// <summary>Assert-ServerRequest's failure: the message says what was expected and lists what arrived.</summary>
    internal static ErrorRecord RequestAssertionError(string message, object? target) =>
        new(new RequestAssertionException(message), RequestAssertionFailed, ErrorCategory.InvalidResult, target);
    /// <summary>Export-ServerCertificate on a server that serves plain HTTP: it has no certificate to write.</summary>
    internal static ErrorRecord ServerNotHttpsError(StaticServer server) =>
        new(new InvalidOperationException($"Server '{server.Name}' ({server.Url}) serves plain HTTP and has no certificate; start it with -Certificate, -CertificatePath or -SelfSigned."),
            ServerNotHttps, ErrorCategory.InvalidOperation, server);

    /// <summary>A wildcard -Name that picks several servers where one file can hold only one certificate.</summary>
    internal static ErrorRecord AmbiguousServerNameError(string name, int count) =>
        new(new ArgumentException($"-Name '{name}' matches {count} servers; name one server, or pipe the servers one at a time with their own -Path."),
            AmbiguousServerName, ErrorCategory.InvalidArgument, name);

    /// <summary>Invoke-ServerReload on a server started without -LiveReload: it has no pages listening.</summary>
    internal static ErrorRecord LiveReloadNotEnabledError(StaticServer server) =>
        new(new InvalidOperationException($"Server '{server.Name}' ({server.Url}) was started without -LiveReload: no page listens for reloads. Start it with -LiveReload."),
            LiveReloadNotEnabled, ErrorCategory.InvalidOperation, server);

    internal static ErrorRecord ServerNotRunningError(StaticServer server) =>
        new(new InvalidOperationException($"Server '{server.Name}' ({server.Url}) is {server.State}: there are no pages to reload."),
            ServerNotRunning, ErrorCategory.InvalidOperation, server);

    internal static ErrorRecord NoWatchWithoutLiveReloadError() =>
        new(new ArgumentException("-NoWatch turns off live reload's watcher; use it together with -LiveReload."),
            NoWatchWithoutLiveReload, ErrorCategory.InvalidArgument, null);

    internal static ErrorRecord TimeoutWithoutWaitError() =>
        new(new ArgumentException("-Timeout limits how long -Wait waits; use it together with -Wait."),
            TimeoutWithoutWait, ErrorCategory.InvalidArgument, null);
}
