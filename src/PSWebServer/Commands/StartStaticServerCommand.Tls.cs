using System.Management.Automation;
using System.Security;
using System.Security.Cryptography.X509Certificates;
using PSWebServer.Tls;

namespace PSWebServer.Commands;

public sealed partial class StartStaticServerCommand
{
    // Parameter sets keep the certificate sources apart: the binder refuses -Certificate with -CertificatePath or
    // -SelfSigned, and -CertificatePassword or -KeyPath without -CertificatePath, before anything runs.
    internal const string HttpSet = "Http";
    internal const string CertificateSet = "Certificate";
    internal const string CertificatePathSet = "CertificatePath";
    internal const string SelfSignedSet = "SelfSigned";

    /// <summary>HTTPS with a certificate object that has its private key (from Cert:\, X509Store, a file, New-SelfSignedCertificate).</summary>
    [Parameter(Mandatory = true, ParameterSetName = CertificateSet)]
    [ValidateNotNull]
    public X509Certificate2? Certificate { get; set; }

    /// <summary>HTTPS with a certificate file: PFX/PKCS#12, or PEM (key in the same file or in -KeyPath), told apart by content.</summary>
    [Parameter(Mandatory = true, ParameterSetName = CertificatePathSet)]
    [ValidateNotNullOrEmpty]
    public string? CertificatePath { get; set; }

    /// <summary>Opens the PFX file, or the encrypted PEM key.</summary>
    [Parameter(ParameterSetName = CertificatePathSet)]
    [ValidateNotNull]
    public SecureString? CertificatePassword { get; set; }

    /// <summary>The PEM private key's file, when -CertificatePath is a PEM certificate without its key.</summary>
    [Parameter(ParameterSetName = CertificatePathSet)]
    [ValidateNotNullOrEmpty]
    public string? KeyPath { get; set; }

    /// <summary>HTTPS with a certificate made now for localhost, 127.0.0.1, ::1 and the bound address (ECDSA P-256, 7 days).</summary>
    [Parameter(Mandatory = true, ParameterSetName = SelfSignedSet)]
    public SwitchParameter SelfSigned { get; set; }

    /// <summary>The certificate source the parameters describe, files resolved like -Path; null for plain HTTP.</summary>
    private CertificateSource? ResolveCertificateSource()
    {
        if (Certificate is not null) return CertificateSource.FromCertificate(Certificate);
        if (SelfSigned) return CertificateSource.SelfSigned();
        if (CertificatePath is null) return null;
        string path = ResolveFile(CertificatePath, nameof(CertificatePath));
        string? key = KeyPath is null ? null : ResolveFile(KeyPath, nameof(KeyPath));
        return CertificateSource.FromFile(path, CertificatePassword, key);
    }

    /// <summary>What a certificate error names: the file typed, or the certificate object given.</summary>
    private object CertificateTarget() => (object?)CertificatePath ?? (object?)Certificate ?? nameof(SelfSigned);
}
