using System;
using System.IO;
using System.Text;
using PSWebServer.StaticFiles;
using PSWebServer.Tests.Support;
using Xunit;

namespace PSWebServer.Tests;

/// <summary>The cache's bounds: what it stops counting it stops holding, and "missing" entries stay few and short-lived.</summary>
public sealed class FileCacheTests : IDisposable
{
    private readonly TempFolder _site = new();
    private readonly FileHeadSettings _settings = new(new StaticServerOptions());

    public void Dispose() => _site.Dispose();

    private CachedFile Load(string path, long now)
    {
        using FileStream stream = RegularFile.Open(path, out long length, out DateTime lastWrite)!;
        return CachedFile.Load(path, stream, length, lastWrite, _settings, now);
    }

    [Fact]
    public void ADeletedFile_IsDroppedWithEveryPathToIt_AndItsBytesUncounted()
    {
        string path = _site.File("a.txt", "some bytes");
        var cache = new FileCache(1 << 20);
        CachedFile file = cache.Add("/a.txt"u8, Load(path, 0));
        cache.Add("/"u8, file); // a second spelling of the same file (a folder's default document)
        Assert.Equal(2, cache.KeyCount);
        Assert.Equal(10, cache.Bytes);

        File.Delete(path);
        Assert.Null(cache.GetRevalidated("/a.txt"u8, FileCache.RecheckMilliseconds + 1));

        Assert.Equal(0, cache.Bytes);
        Assert.Equal(0, cache.KeyCount); // no chain still references the body
        Assert.Equal(CacheLookup.Unknown, cache.TryGet("/"u8, FileCache.RecheckMilliseconds + 2, out _));
        Assert.Empty(file.Keys);
    }

    [Fact]
    public void AnEditedFile_ReplacesTheOldCopy_CountedOnce()
    {
        string path = _site.File("a.txt", "first");
        var cache = new FileCache(1 << 20);
        cache.Add("/a.txt"u8, Load(path, 0));

        File.WriteAllText(path, "second, longer");
        File.SetLastWriteTimeUtc(path, DateTime.UtcNow.AddMinutes(1));
        long later = FileCache.RecheckMilliseconds + 1;
        Assert.Null(cache.GetRevalidated("/a.txt"u8, later));
        cache.Add("/a.txt"u8, Load(path, later));

        Assert.Equal(14, cache.Bytes);
        Assert.Equal(1, cache.KeyCount);
        Assert.Equal(CacheLookup.Hit, cache.TryGet("/a.txt"u8, later, out CachedFile? hit));
        Assert.Equal(14, hit!.Length);
    }

    [Fact]
    public void MissingEntries_AreBounded_AndSweptOnceExpired()
    {
        var cache = new FileCache(1 << 20);
        for (int i = 0; i < 10_000; i++) cache.AddMissing(System.Text.Encoding.ASCII.GetBytes("/m" + i), 0);
        Assert.Equal(4096, cache.MissingKeyCount);
        Assert.Equal(CacheLookup.Missing, cache.TryGet("/m0"u8, 1, out _));
        Assert.Equal(CacheLookup.Unknown, cache.TryGet("/m9999"u8, 1, out _)); // not kept: the budget was full

        long later = FileCache.RecheckMilliseconds;
        Assert.Equal(CacheLookup.Unknown, cache.TryGet("/m0"u8, later, out _)); // a second on: look again
        cache.AddMissing("/new"u8, later); // full: the expired ones are swept first
        Assert.Equal(1, cache.MissingKeyCount);
        Assert.Equal(CacheLookup.Missing, cache.TryGet("/new"u8, later, out _));
    }

    [Fact]
    public void OnlyPlainSpellings_AreRememberedAsMissing()
    {
        var cache = new FileCache(1 << 20);
        cache.AddMissing("/%61"u8, 0);
        cache.AddMissing("/x/../y"u8, 0);
        Assert.Equal(0, cache.MissingKeyCount);
    }

    // ---- only the plain spelling of a path becomes a key ----

    [Theory]
    [InlineData("/a.txt")]
    [InlineData("/dir/")]
    [InlineData("/")]
    [InlineData("/sub/index.html")]
    [InlineData("/.well-known/x")] // a dot at the start of a name is not a dot segment
    [InlineData("/a..b.txt")]
    public void IsCacheableSpelling_PlainPaths_AreTrue(string path)
    {
        Assert.True(FileCache.IsCacheableSpelling(Encoding.ASCII.GetBytes(path)));
    }

    [Theory]
    [InlineData("/%61.txt")]
    [InlineData("//a.txt")]
    [InlineData("/./a.txt")]
    [InlineData("/x/../a.txt")]
    [InlineData("/a/.")]
    [InlineData("/a/..")]
    [InlineData("/dir//")]
    [InlineData("a.txt")]
    [InlineData("")]
    public void IsCacheableSpelling_Aliases_AreFalse(string path)
    {
        Assert.False(FileCache.IsCacheableSpelling(Encoding.ASCII.GetBytes(path)));
    }

    [Fact]
    public void IsCacheableSpelling_A2000BytePath_IsFalse()
    {
        Assert.False(FileCache.IsCacheableSpelling(Encoding.ASCII.GetBytes("/" + new string('a', 1999))));
    }
}
