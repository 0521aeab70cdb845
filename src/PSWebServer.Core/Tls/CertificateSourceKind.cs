namespace PSWebServer.Tls;

/// <summary>How <see cref="CertificateSource"/> finds the certificate.</summary>
public enum CertificateSourceKind
{
    Certificate,
    File,
    SelfSigned,
}
