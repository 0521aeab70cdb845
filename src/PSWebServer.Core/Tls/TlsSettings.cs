using System;
using System.Collections.Generic;
using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace PSWebServer.Tls;

/// <summary>
/// One server's TLS configuration, made once at start and shared by every handshake: the certificate context (its
/// chain built once here, not per handshake), the protocols (TLS 1.2 and 1.3 only, the platform's cipher defaults, no
/// renegotiation, no client certificates), the ALPN protocols offered, and the answer to plain HTTP on this port.
/// </summary>
internal sealed class TlsSettings
{
    public TlsSettings(X509Certificate2 certificate, string httpsUrl, IReadOnlyList<SslApplicationProtocol>? applicationProtocols = null)
    {
        Certificate = certificate;
        // offline: the chain is built from what this machine has; a start never waits for a download of intermediates.
        CertificateContext = SslStreamCertificateContext.Create(certificate, additionalCertificates: null, offline: true);
        ApplicationProtocols = new List<SslApplicationProtocol>(applicationProtocols ?? new[] { SslApplicationProtocol.Http11 });
        ServerOptions = new SslServerAuthenticationOptions
        {
            ServerCertificateContext = CertificateContext,
            EnabledSslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
            AllowRenegotiation = false,
            ClientCertificateRequired = false,
            CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
            ApplicationProtocols = ApplicationProtocols,
        };
        PlainHttpAnswer = BuildPlainHttpAnswer(httpsUrl);
    }

    /// <summary>The certificate with its private key, as loaded and checked.</summary>
    public X509Certificate2 Certificate { get; }

    public SslStreamCertificateContext CertificateContext { get; }

    /// <summary>
    /// Offered in this order, the client's preference among them wins per RFC 7301 as SslStream applies it. http/1.1
    /// today; HTTP/2 adds h2 by passing its own list.
    /// </summary>
    public List<SslApplicationProtocol> ApplicationProtocols { get; }

    /// <summary>
    /// Shared by all handshakes and never changed after this constructor: SslStream copies what it needs from it as a
    /// handshake begins, so one instance serves every connection without an allocation each.
    /// </summary>
    public SslServerAuthenticationOptions ServerOptions { get; }

    /// <summary>The whole response a plain-HTTP request to this port gets (a 400 naming the https URL), built once.</summary>
    public byte[] PlainHttpAnswer { get; }

    private static byte[] BuildPlainHttpAnswer(string httpsUrl)
    {
        string body = "This port speaks HTTPS, not plain HTTP. Use " + httpsUrl + " instead.\n";
        string head = "HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: "
            + Encoding.UTF8.GetByteCount(body).ToString(System.Globalization.CultureInfo.InvariantCulture)
            + "\r\nConnection: close\r\n\r\n";
        return Encoding.UTF8.GetBytes(head + body);
    }

    /// <summary>The name ServerRequest shows for a negotiated protocol, in OpenSSL's spelling ("TLSv1.3").</summary>
    public static string ProtocolText(SslProtocols protocol) => protocol switch
    {
        SslProtocols.Tls13 => "TLSv1.3",
        SslProtocols.Tls12 => "TLSv1.2",
        _ => protocol.ToString(),
    };
}
