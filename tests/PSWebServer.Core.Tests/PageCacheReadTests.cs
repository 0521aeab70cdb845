using System;
using System.IO;
using PSWebServer.Http;
using PSWebServer.Tests.Support;
using Xunit;

namespace PSWebServer.Tests;

/// <summary>The read a loop thread may make: only what the page cache holds, never a wait for the disk.</summary>
public sealed class PageCacheReadTests : IDisposable
{
    // under the test's own output folder, on the disk: a tmpfs /tmp would keep every page cached
    private readonly string _folder = Path.Combine(AppContext.BaseDirectory, "pagecache-" + Guid.NewGuid().ToString("N"));
    private readonly byte[] _content = new byte[3 * 1024 * 1024 + 17];

    public PageCacheReadTests()
    {
        Directory.CreateDirectory(_folder);
        new Random(3).NextBytes(_content);
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private string Write()
    {
        string path = Path.Combine(_folder, "file.bin");
        File.WriteAllBytes(path, _content);
        return path;
    }

    [Fact]
    public void ACachedFile_IsReadWithoutWaiting_ByteExact_AndTheEndReadsZero()
    {
        if (!OperatingSystem.IsLinux()) return; // elsewhere it always says "read it on a work thread" (next test)
        string path = Write(); // just written: in the page cache
        using var handle = File.OpenHandle(path);
        var buffer = new byte[128 * 1024];

        int read = PageCacheRead.TryRead(handle, buffer, 1_000_000);

        Assert.Equal(buffer.Length, read);
        Assert.True(_content.AsSpan(1_000_000, read).SequenceEqual(buffer));
        Assert.Equal(17, PageCacheRead.TryRead(handle, buffer, _content.Length - 17));
        Assert.Equal(0, PageCacheRead.TryRead(handle, buffer, _content.Length));
    }

    [Fact]
    public void AFileOutOfTheCache_IsNotRead_ButLeftToAWorkThread()
    {
        string path = Write();
        using var handle = File.OpenHandle(path);
        if (OperatingSystem.IsLinux()) Assert.True(PageCache.Evict(path)); // (the folder must be on a disk, not tmpfs)

        // the first read after the eviction: a later one may find the pages that this one's failure had read ahead
        Assert.Equal(-1, PageCacheRead.TryRead(handle, new byte[4096], 0));
    }

    [Fact]
    public void AClosedHandle_IsNotRead()
    {
        string path = Write();
        var handle = File.OpenHandle(path);
        handle.Dispose();

        Assert.Equal(-1, PageCacheRead.TryRead(handle, new byte[16], 0));
    }
}
