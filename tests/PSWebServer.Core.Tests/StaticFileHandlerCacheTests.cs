using System;
using System.IO;
using System.Threading.Tasks;
using PSWebServer.Tests.Support;
using Xunit;

namespace PSWebServer.Tests;

/// <summary>Files kept in memory must follow the disk: an edit or a removal shows within about a second.</summary>
public sealed class StaticFileHandlerCacheTests : IDisposable
{
    private static readonly TimeSpan Recheck = TimeSpan.FromMilliseconds(1200);
    private readonly ConnectionHarness _h = new();

    public void Dispose() => _h.Dispose();

    private static string Get(string path) => "GET " + path + " HTTP/1.1\r\nHost: t\r\n\r\n";

    [Fact]
    public async Task EditedFile_IsServedFresh()
    {
        string path = _h.Site.File("edit.txt", "before");
        var (t, loop) = _h.Open();
        t.Send(Get("/edit.txt"));
        TestResponse first = await t.Client.ReadAsync();

        File.WriteAllText(path, "after, and longer");
        File.SetLastWriteTimeUtc(path, DateTime.UtcNow.AddMinutes(1));
        _h.Clock.Advance(Recheck); // the cache reads the handler's clock: no real second to sleep through
        t.Send(Get("/edit.txt"));
        TestResponse second = await t.Client.ReadAsync();

        Assert.Equal("before", first.BodyText);
        Assert.Equal("after, and longer", second.BodyText);
        Assert.NotEqual(first.Header("ETag"), second.Header("ETag"));
        t.CloseClientSend();
        await loop.WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task EditedFile_SameLengthNewTime_IsServedFresh()
    {
        string path = _h.Site.File("same.txt", "aaaa");
        var (t, loop) = _h.Open();
        t.Send(Get("/same.txt"));
        Assert.Equal("aaaa", (await t.Client.ReadAsync()).BodyText);

        File.WriteAllText(path, "bbbb");
        File.SetLastWriteTimeUtc(path, DateTime.UtcNow.AddMinutes(1));
        _h.Clock.Advance(Recheck); // the cache reads the handler's clock: no real second to sleep through
        t.Send(Get("/same.txt"));

        Assert.Equal("bbbb", (await t.Client.ReadAsync()).BodyText);
        t.CloseClientSend();
        await loop.WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task DeletedFile_Is404()
    {
        string path = _h.Site.File("gone.txt", "here");
        var (t, loop) = _h.Open();
        t.Send(Get("/gone.txt"));
        Assert.Equal(200, (await t.Client.ReadAsync()).StatusCode);

        File.Delete(path);
        _h.Clock.Advance(Recheck); // the cache reads the handler's clock: no real second to sleep through
        t.Send(Get("/gone.txt"));

        Assert.Equal(404, (await t.Client.ReadAsync()).StatusCode);
        t.CloseClientSend();
        await loop.WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task OtherSpellingOfACachedPath_IsStillCheckedByTheResolver()
    {
        var (t, loop) = _h.Open();
        t.Send(Get("/a.txt") + Get("/%61.txt") + Get("/sub/../a.txt") + Get("/../a.txt"));

        Assert.Equal(ConnectionHarness.TextA, (await t.Client.ReadAsync()).BodyText);
        Assert.Equal(ConnectionHarness.TextA, (await t.Client.ReadAsync()).BodyText);
        Assert.Equal(ConnectionHarness.TextA, (await t.Client.ReadAsync()).BodyText);
        Assert.Equal(400, (await t.Client.ReadAsync()).StatusCode);
        t.CloseClientSend();
        await loop.WaitAsync(TimeSpan.FromSeconds(10));
    }
}
