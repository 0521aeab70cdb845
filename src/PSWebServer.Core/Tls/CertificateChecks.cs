using System;
using System.Security.Cryptography.X509Certificates;

namespace PSWebServer.Tls;

/// <summary>
/// What a certificate must have to serve HTTPS, checked once before binding: a private key, a validity that includes
/// now, and (when it restricts its use at all) the server-authentication EKU. A certificate that fails here would
/// fail every handshake, or be refused by every client; saying so at start is kinder than a server nobody can reach.
/// </summary>
internal static class CertificateChecks
{
    private const string ServerAuthentication = "1.3.6.1.5.5.7.3.1";
    private const string AnyExtendedKeyUsage = "2.5.29.37.0";

    /// <param name="what">Names the certificate in messages ("The certificate in 'site.pfx'").</param>
    public static void Check(X509Certificate2 certificate, string what, DateTime utcNow)
    {
        if (!certificate.HasPrivateKey)
        {
            throw new ServerException(ServerErrorKind.CertificateWithoutPrivateKey,
                what + " has no private key; HTTPS needs the key too (a PFX file with it, a PEM key with -KeyPath, or a store certificate whose key is installed).");
        }
        if (certificate.NotAfter.ToUniversalTime() < utcNow)
        {
            throw new ServerException(ServerErrorKind.CertificateExpired,
                what + " expired on " + certificate.NotAfter.ToUniversalTime().ToString("u", System.Globalization.CultureInfo.InvariantCulture) + ".");
        }
        if (certificate.NotBefore.ToUniversalTime() > utcNow)
        {
            throw new ServerException(ServerErrorKind.CertificateNotYetValid,
                what + " is not valid before " + certificate.NotBefore.ToUniversalTime().ToString("u", System.Globalization.CultureInfo.InvariantCulture) + ".");
        }
        if (!AllowsServerAuthentication(certificate))
        {
            throw new ServerException(ServerErrorKind.CertificateNotForServerAuthentication,
                what + " is not for server authentication: its extended key usage lacks serverAuth (1.3.6.1.5.5.7.3.1).");
        }
    }

    /// <summary>No EKU extension means no restriction (RFC 5280 §4.2.1.12); one that is present must allow serverAuth.</summary>
    private static bool AllowsServerAuthentication(X509Certificate2 certificate)
    {
        foreach (X509Extension extension in certificate.Extensions)
        {
            if (extension is not X509EnhancedKeyUsageExtension usage) continue;
            foreach (var oid in usage.EnhancedKeyUsages)
            {
                if (oid.Value is ServerAuthentication or AnyExtendedKeyUsage) return true;
            }
            return false;
        }
        return true;
    }
}
