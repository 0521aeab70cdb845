using System;
using System.Collections.Generic;
using System.IO;
using System.Management.Automation;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace PSWebServer.Commands;

/// <summary>
/// Export-ServerCertificate: writes an HTTPS server's certificate (public part only) as PEM, the form curl --cacert,
/// wget2 and aria2c --ca-certificate, SSL_CERT_FILE and Node's NODE_EXTRA_CA_CERTS read, so a test can trust exactly
/// that server. Returns the file, with the SPKI SHA-256 hash Chromium's --ignore-certificate-errors-spki-list takes.
/// </summary>
[Cmdlet(VerbsData.Export, "ServerCertificate", DefaultParameterSetName = ServerSelectingCommand.ServerSet)]
[OutputType(typeof(FileInfo))]
public sealed class ExportServerCertificateCommand : PSCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ParameterSetName = ServerSelectingCommand.ServerSet)]
    [ValidateNotNull]
    public StaticServer? Server { get; set; }

    [Parameter(Mandatory = true, ParameterSetName = ServerSelectingCommand.NameSet)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(Completion.ServerNameCompleter))]
    public string? Name { get; set; }

    /// <summary>The PEM file to write (replaced when it exists); its folder must exist.</summary>
    [Parameter(Mandatory = true)]
    [ValidateNotNullOrEmpty]
    public string Path { get; set; } = "";

    protected override void ProcessRecord()
    {
        StaticServer? server = Server;
        if (Name is not null)
        {
            IReadOnlyList<StaticServer> found = ServerSelector.ByName(this, new[] { Name });
            if (found.Count == 0) return; // ServerNotFound written for an exact name; a wildcard matching none is silent
            if (found.Count > 1)
            {
                WriteError(ErrorRecords.AmbiguousServerNameError(Name, found.Count));
                return;
            }
            server = found[0];
        }
        if (server!.Certificate is not X509Certificate2 certificate)
        {
            WriteError(ErrorRecords.ServerNotHttpsError(server));
            return;
        }

        string file = ResolveOutputPath(Path);
        try
        {
            File.WriteAllText(file, certificate.ExportCertificatePem() + "\n", new UTF8Encoding(false));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            WriteError(new ErrorRecord(ex, "CertificateFileNotWritten",
                ex is UnauthorizedAccessException ? ErrorCategory.PermissionDenied : ErrorCategory.WriteError, Path));
            return;
        }
        var result = PSObject.AsPSObject(new FileInfo(file));
        result.Properties.Add(new PSNoteProperty("SpkiSha256", SpkiSha256(certificate)));
        result.Properties.Add(new PSNoteProperty("Thumbprint", certificate.Thumbprint));
        WriteObject(result);
    }

    /// <summary>base64(SHA-256(SubjectPublicKeyInfo)): the pin Chromium's --ignore-certificate-errors-spki-list and HPKP-style tools use.</summary>
    internal static string SpkiSha256(X509Certificate2 certificate) =>
        Convert.ToBase64String(SHA256.HashData(certificate.PublicKey.ExportSubjectPublicKeyInfo()));

    private string ResolveOutputPath(string path)
    {
        string resolved;
        ProviderInfo provider;
        try
        {
            resolved = SessionState.Path.GetUnresolvedProviderPathFromPSPath(path, out provider, out _);
        }
        catch (Exception ex) when (ex is System.Management.Automation.DriveNotFoundException or ItemNotFoundException or ProviderNotFoundException or NotSupportedException or ArgumentException)
        {
            ThrowTerminatingError(ErrorRecords.PathNotFileError(nameof(Path), path, ex.Message));
            throw; // not reached
        }
        if (!string.Equals(provider.Name, "FileSystem", StringComparison.OrdinalIgnoreCase))
        {
            ThrowTerminatingError(ErrorRecords.PathNotFileError(nameof(Path), path, $"it is a {provider.Name} path, not a path of the file system."));
        }
        if (Directory.Exists(resolved))
        {
            ThrowTerminatingError(ErrorRecords.PathNotFileError(nameof(Path), path, "it is a folder, not a file."));
        }
        string? folder = System.IO.Path.GetDirectoryName(resolved);
        if (string.IsNullOrEmpty(folder) || !Directory.Exists(folder))
        {
            ThrowTerminatingError(new ErrorRecord(new ItemNotFoundException($"-Path '{path}': the folder '{folder}' does not exist."),
                ErrorRecords.PathNotFound, ErrorCategory.ObjectNotFound, path));
        }
        return resolved;
    }
}
