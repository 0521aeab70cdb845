using System;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Threading;
using System.Threading.Tasks;

namespace PSWebServer.Tests.Support;

/// <summary>
/// An HTTPS client on 127.0.0.1 that trusts exactly the server's certificate (a chain built with it as the only root),
/// so validation stays on: the handshake fails if the server presents anything else.
/// </summary>
internal sealed class TlsTestClient : IDisposable
{
    private TlsTestClient(Socket socket, SslStream ssl)
    {
        Socket = socket;
        Ssl = ssl;
        Reader = new HttpResponseReader((memory, token) => ssl.ReadAsync(memory, token));
    }

    public Socket Socket { get; }
    public SslStream Ssl { get; }
    public HttpResponseReader Reader { get; }

    public static async Task<TlsTestClient> ConnectAsync(StaticServer server, SslProtocols protocols = SslProtocols.None,
        string targetHost = "localhost", TimeSpan? timeout = null)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(10));
            await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, server.Port), cts.Token).ConfigureAwait(false);
            var ssl = new SslStream(new NetworkStream(socket, ownsSocket: false), leaveInnerStreamOpen: false);
            await ssl.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
            {
                TargetHost = targetHost,
                EnabledSslProtocols = protocols,
                ApplicationProtocols = new() { SslApplicationProtocol.Http11 },
                RemoteCertificateValidationCallback = (_, certificate, _, errors) => Trusts(server.Certificate!, certificate, errors),
            }, cts.Token).ConfigureAwait(false);
            return new TlsTestClient(socket, ssl);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>The README's recipe: a chain whose only trusted root is the server's certificate, names checked by SslStream.</summary>
    public static bool Trusts(X509Certificate2 expected, X509Certificate? presented, SslPolicyErrors errors)
    {
        if (presented is null || (errors & ~SslPolicyErrors.RemoteCertificateChainErrors) != 0) return false;
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(expected);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        return chain.Build(new X509Certificate2(presented));
    }

    public async Task SendAsync(string text)
    {
        await Ssl.WriteAsync(Encoding.Latin1.GetBytes(text)).ConfigureAwait(false);
        await Ssl.FlushAsync().ConfigureAwait(false);
    }

    public async Task<TestResponse> RequestAsync(string request, bool noBody = false)
    {
        await SendAsync(request).ConfigureAwait(false);
        return await Reader.ReadAsync(noBody).ConfigureAwait(false);
    }

    public void Dispose()
    {
        Ssl.Dispose();
        Socket.Dispose();
    }
}
