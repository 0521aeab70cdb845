using System.Management.Automation;

namespace PSWebServer.Commands;

public sealed partial class StartStaticServerCommand
{
    /// <summary>
    /// The HTTP versions the server speaks: Auto (HTTP/2 to clients that ask for it — ALPN h2 over HTTPS, the h2c
    /// preface in cleartext — and HTTP/1.1 to the rest), Http1, or Http2 only.
    /// </summary>
    [Parameter]
    public ServerProtocol Protocol { get; set; } = ServerProtocol.Auto;
}
