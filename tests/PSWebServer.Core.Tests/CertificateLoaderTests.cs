using System;
using System.IO;
using System.Linq;
using System.Net;
using System.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using PSWebServer.Tls;
using PSWebServer.Tests.Support;
using Xunit;

namespace PSWebServer.Tests;

/// <summary>Loading and checking a server certificate: every source, and each reason one cannot serve.</summary>
public sealed class CertificateLoaderTests : IDisposable
{
    private static readonly DateTimeOffset Now = DateTimeOffset.UtcNow;
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private static X509Certificate2 Make(DateTimeOffset? notBefore = null, DateTimeOffset? notAfter = null, string? eku = "1.3.6.1.5.5.7.3.1")
    {
        using RSA key = RSA.Create(2048);
        var request = new CertificateRequest("CN=test.local", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        if (eku is not null) request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(new OidCollection { new Oid(eku) }, false));
        return request.CreateSelfSigned(notBefore ?? Now.AddDays(-1), notAfter ?? Now.AddDays(30));
    }

    private static SecureString Secure(string text)
    {
        var secure = new SecureString();
        foreach (char c in text) secure.AppendChar(c);
        secure.MakeReadOnly();
        return secure;
    }

    private static ServerErrorKind FailureOf(CertificateSource source) =>
        Assert.Throws<ServerException>(() => CertificateLoader.Load(source, "127.0.0.1", Now)).Kind;

    [Fact]
    public void SelfSigned_HasWhatBrowsersRequireOfAServerCertificate()
    {
        X509Certificate2 certificate = CertificateLoader.Load(CertificateSource.SelfSigned(), "127.0.0.2", Now);

        Assert.True(certificate.HasPrivateKey);
        Assert.NotNull(certificate.GetECDsaPublicKey());
        Assert.Equal(256, certificate.GetECDsaPublicKey()!.KeySize);
        Assert.True(certificate.NotAfter.ToUniversalTime() - Now.UtcDateTime <= SelfSignedCertificate.Lifetime);
        Assert.True(certificate.NotBefore.ToUniversalTime() <= Now.UtcDateTime);
        var eku = certificate.Extensions.OfType<X509EnhancedKeyUsageExtension>().Single();
        Assert.Contains(eku.EnhancedKeyUsages.Cast<Oid>(), o => o.Value == "1.3.6.1.5.5.7.3.1");
        var constraints = certificate.Extensions.OfType<X509BasicConstraintsExtension>().Single();
        Assert.False(constraints.CertificateAuthority);
        var usage = certificate.Extensions.OfType<X509KeyUsageExtension>().Single();
        Assert.True(usage.KeyUsages.HasFlag(X509KeyUsageFlags.DigitalSignature));
        var names = certificate.Extensions.OfType<X509SubjectAlternativeNameExtension>().Single();
        Assert.Contains("localhost", names.EnumerateDnsNames());
        var addresses = names.EnumerateIPAddresses().ToArray();
        Assert.Contains(IPAddress.Loopback, addresses);
        Assert.Contains(IPAddress.IPv6Loopback, addresses);
        Assert.Contains(IPAddress.Parse("127.0.0.2"), addresses);
        Assert.True(certificate.MatchesHostname("localhost"));
        Assert.True(certificate.MatchesHostname("127.0.0.1"));
    }

    [Fact]
    public void Pfx_WithItsPassword_Loads()
    {
        string path = Path.Combine(_folder.Path, "site.pfx");
        File.WriteAllBytes(path, Make().Export(X509ContentType.Pkcs12, "s3cret"));

        X509Certificate2 certificate = CertificateLoader.Load(CertificateSource.FromFile(path, Secure("s3cret")), "127.0.0.1", Now);

        Assert.True(certificate.HasPrivateKey);
        Assert.Equal("CN=test.local", certificate.Subject);
    }

    [Fact]
    public void Pfx_WithAWrongPassword_OrNone_IsPasswordInvalid()
    {
        string path = Path.Combine(_folder.Path, "site.pfx");
        File.WriteAllBytes(path, Make().Export(X509ContentType.Pkcs12, "s3cret"));

        Assert.Equal(ServerErrorKind.CertificatePasswordInvalid, FailureOf(CertificateSource.FromFile(path, Secure("wrong"))));
        Assert.Equal(ServerErrorKind.CertificatePasswordInvalid, FailureOf(CertificateSource.FromFile(path)));
    }

    [Fact]
    public void PemCertificate_WithASeparateKey_Loads()
    {
        X509Certificate2 made = Make();
        string cert = _folder.File("cert.pem", made.ExportCertificatePem());
        string key = _folder.File("key.pem", made.GetRSAPrivateKey()!.ExportPkcs8PrivateKeyPem());

        X509Certificate2 certificate = CertificateLoader.Load(CertificateSource.FromFile(cert, keyPath: key), "127.0.0.1", Now);

        Assert.True(certificate.HasPrivateKey);
        Assert.Equal(made.Thumbprint, certificate.Thumbprint);
    }

    [Fact]
    public void Pem_WithTheKeyInTheSameFile_Loads()
    {
        X509Certificate2 made = Make();
        string both = _folder.File("both.pem", made.ExportCertificatePem() + "\n" + made.GetRSAPrivateKey()!.ExportRSAPrivateKeyPem());

        Assert.True(CertificateLoader.Load(CertificateSource.FromFile(both), "127.0.0.1", Now).HasPrivateKey);
    }

    [Fact]
    public void Pem_WithAnEncryptedKey_LoadsWithItsPassword_AndFailsWithAWrongOneOrNone()
    {
        X509Certificate2 made = Make();
        string cert = _folder.File("cert.pem", made.ExportCertificatePem());
        string key = _folder.File("key.pem", made.GetRSAPrivateKey()!.ExportEncryptedPkcs8PrivateKeyPem("k3y".AsSpan(),
            new PbeParameters(PbeEncryptionAlgorithm.Aes256Cbc, HashAlgorithmName.SHA256, 100_000)));

        Assert.True(CertificateLoader.Load(CertificateSource.FromFile(cert, Secure("k3y"), key), "127.0.0.1", Now).HasPrivateKey);
        Assert.Equal(ServerErrorKind.CertificatePasswordInvalid, FailureOf(CertificateSource.FromFile(cert, Secure("nope"), key)));
        Assert.Equal(ServerErrorKind.CertificatePasswordInvalid, FailureOf(CertificateSource.FromFile(cert, keyPath: key)));
    }

    [Fact]
    public void PemCertificate_WithoutAKey_IsWithoutPrivateKey()
    {
        string cert = _folder.File("cert.pem", Make().ExportCertificatePem());

        Assert.Equal(ServerErrorKind.CertificateWithoutPrivateKey, FailureOf(CertificateSource.FromFile(cert)));
    }

    [Fact]
    public void CertificateObject_WithoutAKey_IsWithoutPrivateKey()
    {
        var publicOnly = new X509Certificate2(Make().RawData);

        Assert.Equal(ServerErrorKind.CertificateWithoutPrivateKey, FailureOf(CertificateSource.FromCertificate(publicOnly)));
    }

    [Fact]
    public void DerCertificate_IsReadable_ButWithoutPrivateKey()
    {
        string path = Path.Combine(_folder.Path, "cert.cer");
        File.WriteAllBytes(path, Make().RawData);

        Assert.Equal(ServerErrorKind.CertificateWithoutPrivateKey, FailureOf(CertificateSource.FromFile(path)));
    }

    [Fact]
    public void Expired_NotYetValid_AndClientOnly_AreRefused()
    {
        Assert.Equal(ServerErrorKind.CertificateExpired,
            FailureOf(CertificateSource.FromCertificate(Make(Now.AddDays(-30), Now.AddDays(-1)))));
        Assert.Equal(ServerErrorKind.CertificateNotYetValid,
            FailureOf(CertificateSource.FromCertificate(Make(Now.AddDays(1), Now.AddDays(30)))));
        Assert.Equal(ServerErrorKind.CertificateNotForServerAuthentication,
            FailureOf(CertificateSource.FromCertificate(Make(eku: "1.3.6.1.5.5.7.3.2")))); // clientAuth only
    }

    [Fact]
    public void NoExtendedKeyUsage_IsNoRestriction()
    {
        Assert.True(CertificateLoader.Load(CertificateSource.FromCertificate(Make(eku: null)), "127.0.0.1", Now).HasPrivateKey);
    }

    [Fact]
    public void MissingFile_IsNotFound_AndGarbage_IsUnreadable()
    {
        Assert.Equal(ServerErrorKind.CertificateNotFound, FailureOf(CertificateSource.FromFile(Path.Combine(_folder.Path, "none.pfx"))));
        string garbage = _folder.File("garbage.pfx", "this is not a certificate");
        Assert.Equal(ServerErrorKind.CertificateUnreadable, FailureOf(CertificateSource.FromFile(garbage)));
        string cert = _folder.File("cert.pem", Make().ExportCertificatePem());
        Assert.Equal(ServerErrorKind.CertificateNotFound,
            FailureOf(CertificateSource.FromFile(cert, keyPath: Path.Combine(_folder.Path, "missing.key"))));
    }

    [Fact]
    public void PemKey_ThatDoesNotMatchTheCertificate_IsUnreadable()
    {
        string cert = _folder.File("cert.pem", Make().ExportCertificatePem());
        string key = _folder.File("other.key", Make().GetRSAPrivateKey()!.ExportPkcs8PrivateKeyPem());

        Assert.Equal(ServerErrorKind.CertificateUnreadable, FailureOf(CertificateSource.FromFile(cert, keyPath: key)));
    }
}
