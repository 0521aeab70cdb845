using System;
using System.Collections.Generic;
using System.Net.Sockets;
using System.Text;
using System.Threading.Tasks;
using PSWebServer.Tests.Support;
using Xunit;

namespace PSWebServer.Tests;

/// <summary>
/// A peer's FIN that arrives together with its last bytes (one epoll edge for both) must still end the connection:
/// with edge triggering no second edge comes, so a short read cannot be taken to mean "nothing more is pending".
/// </summary>
[Collection(SocketTestCollection.Name)]
public sealed class EpollTransportPeerCloseTests
{
    [Theory]
    [InlineData("epoll")]
    [InlineData("socket")]
    public async Task ARequestFollowedAtOnceByTheClientsFin_IsAnswered_AndTheConnectionEnds(string engine)
    {
        var failures = new List<string>();
        for (int round = 0; round < 20; round++)
        {
            using var scope = new ServerScope();
            StaticServer server = scope.Start(engine: engine);
            using TestClient client = await TestClient.ConnectAsync(server.Port);

            client.Socket.Send(Encoding.ASCII.GetBytes(TestClient.Get("/a.txt")));
            client.Socket.Shutdown(SocketShutdown.Send); // the request and the FIN back to back
            TestResponse response = await client.ReadAsync();

            if (response.StatusCode != 200) failures.Add($"round {round}: {response.StatusLine}");
            else if (!await ServerScope.EventuallyAsync(() => server.ActiveConnections == 0, TimeSpan.FromSeconds(1)))
                failures.Add($"round {round}: still {server.ActiveConnections} connection(s) 1 s after the request and its FIN");
        }
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }
}
