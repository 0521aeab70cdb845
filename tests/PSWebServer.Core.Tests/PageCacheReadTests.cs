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

    [Theory]
    [InlineData(1_000_000, 3 * 16384 + 100, 3 * 16384 + 100)] // four slots, the last one short
    [InlineData(3 * 1024 * 1024 + 17 - 20_000, 64 * 1024, 20_000)] // the file ends in the second slot
    public void Slots_GetTheFileInOrder_AndTheGapsAreLeftAlone(int offset, int count, int expected)
    {
        if (!OperatingSystem.IsLinux()) return;
        string path = Write();
        using var handle = File.OpenHandle(path);
        const int gap = 9, slot = 16384;
        int slots = (count + slot - 1) / slot;
        var target = new byte[slots * gap + count + 5];
        target.AsSpan().Fill(0xEE);

        int read = PageCacheRead.TryReadSlots(handle, target, gap, slot, count, offset);

        Assert.Equal(expected, read);
        int position = 0, fileOffset = offset;
        for (int left = read; left > 0;)
        {
            int length = Math.Min(slot, left);
            Assert.True(target.AsSpan(position, gap).IndexOfAnyExcept((byte)0xEE) < 0, $"gap at {position} was written");
            Assert.True(_content.AsSpan(fileOffset, length).SequenceEqual(target.AsSpan(position + gap, length)), $"slot at {position}");
            position += gap + length;
            fileOffset += length;
            left -= length;
        }
        Assert.True(target.AsSpan(position).IndexOfAnyExcept((byte)0xEE) < 0, "bytes past what was read were written");
        Assert.Equal(0, PageCacheRead.TryReadSlots(handle, target, gap, slot, count, _content.Length));
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
