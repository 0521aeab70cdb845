using System;
using System.Threading.Channels;
using System.Threading.Tasks;
using PSWebServer.LiveReload;
using Xunit;

namespace PSWebServer.Tests;

/// <summary>What pages are told for a set of changes, and the hub's end.</summary>
public sealed class LiveReloadHubTests
{
    [Fact]
    public void OnlyStylesheets_AreSwapped_EachByPath()
    {
        Assert.Equal(new[] { "css /a.css", "css /b/C.CSS" }, LiveReloadHub.Messages(new[] { "/a.css", "/b/C.CSS" }));
    }

    [Fact]
    public void AnythingElseAmongTheChanges_IsOneReload()
    {
        Assert.Equal(new[] { "reload" }, LiveReloadHub.Messages(new[] { "/a.css", "/index.html", "/b.css" }));
        Assert.Equal(new[] { "reload" }, LiveReloadHub.Messages(new[] { "/img/logo.png" }));
    }

    [Fact]
    public async Task Broadcast_ReachesEverySubscriber_AndEndAll_CompletesThem_AndRefusesNewOnes()
    {
        var hub = new LiveReloadHub();
        Channel<string> a = hub.Subscribe()!, b = hub.Subscribe()!;
        Assert.Equal(2, hub.SubscriberCount);

        hub.Publish(new[] { "/site.css" });
        hub.EndAll();

        Assert.True(a.Reader.TryRead(out string? message) && message == "css /site.css");
        Assert.True(b.Reader.TryRead(out message) && message == "css /site.css");
        await a.Reader.Completion.WaitAsync(TimeSpan.FromSeconds(1));
        Assert.Null(hub.Subscribe());
        hub.Unsubscribe(a);
        Assert.Equal(1, hub.SubscriberCount);
    }
}
