using System;
using System.Collections.Generic;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace PSWebServer.Tls;

/// <summary>
/// The certificate -SelfSigned makes in the session: what browsers and TLS libraries require of a server certificate
/// (a SAN naming the hosts, the serverAuth EKU, not a CA, digitalSignature usage), on an ECDSA P-256 key, which signs
/// handshakes far faster than RSA. Nothing is written to disk or to a store; the key lives as long as the server.
/// </summary>
internal static class SelfSignedCertificate
{
    /// <summary>
    /// Seven days: long enough for a server left running over a weekend, short enough that a copy of it that leaks
    /// (exported for a test's trust store) soon stops mattering. Trust is meant to be per server, not remembered.
    /// </summary>
    public static readonly TimeSpan Lifetime = TimeSpan.FromDays(7);

    /// <summary>Backdated a little, so a client whose clock is a few minutes behind does not see "not yet valid".</summary>
    private static readonly TimeSpan Backdate = TimeSpan.FromMinutes(10);

    private const string ServerAuthentication = "1.3.6.1.5.5.7.3.1";

    /// <summary>
    /// Makes the certificate for localhost, 127.0.0.1 and ::1, plus <paramref name="address"/> (the address the server
    /// binds) when it is a specific IP, or the machine's name when it binds every interface.
    /// </summary>
    public static X509Certificate2 Create(string address, DateTimeOffset now)
    {
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName("localhost");
        var addresses = new List<IPAddress> { IPAddress.Loopback, IPAddress.IPv6Loopback };
        string trimmed = address.Trim('[', ']');
        if (trimmed is "*" or "0.0.0.0" or "::")
        {
            string machine = Environment.MachineName.ToLowerInvariant();
            if (machine.Length > 0 && machine != "localhost" && Uri.CheckHostName(machine) == UriHostNameType.Dns) names.AddDnsName(machine);
        }
        else if (IPAddress.TryParse(trimmed, out IPAddress? bound) && !addresses.Contains(bound))
        {
            addresses.Add(bound);
        }
        foreach (IPAddress ip in addresses) names.AddIpAddress(ip);

        using ECDsa key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=localhost, O=PSWebServer self-signed", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(new OidCollection { new Oid(ServerAuthentication) }, false));
        request.CertificateExtensions.Add(names.Build(true)); // critical: the subject names nothing a client should match
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));

        byte[] serial = new byte[16];
        RandomNumberGenerator.Fill(serial);
        serial[0] &= 0x7F; // a positive serial number, as RFC 5280 asks
        DateTimeOffset notBefore = now - Backdate;
        X509Certificate2 certificate = request.Create(request.SubjectName, X509SignatureGenerator.CreateForECDsa(key),
            notBefore, now + Lifetime, serial).CopyWithPrivateKey(key);
        return CertificateLoader.UsableBySslStream(certificate);
    }
}
