using System;
using System.IO;
using System.Text;
using PSWebServer.StaticFiles;
using PSWebServer.Tests.Support;
using Xunit;

namespace PSWebServer.Tests;

/// <summary>Compressed forms of large files, and the markers for files not worth compressing, stay within their bounds.</summary>
public sealed class CompressedVariantsTests : IDisposable
{
    private readonly TempFolder _site = new();
    private readonly FileHeadSettings _settings = new(new StaticServerOptions());

    public void Dispose() => _site.Dispose();

    private Representation Identity(string path)
    {
        var info = new FileInfo(path);
        return Representation.Identity(path, info.LastWriteTimeUtc, info.Length, body: null, _settings);
    }

    private static string Text(int length, int seed)
    {
        var text = new StringBuilder();
        for (int line = 0; text.Length < length; line++) text.Append("line ").Append(line * seed).Append(" of some text\n");
        return text.ToString(0, length);
    }

    [Fact]
    public void Entries_AreBoundedInNumber_MarkersIncluded()
    {
        var variants = new CompressedVariants(1 << 30, 8 << 20, _settings, _ => true, maxEntries: 8);
        for (int i = 0; i < 40; i++)
        {
            string path = _site.File("f" + i + ".txt", Text(4000, i + 1));
            variants.ForDiskFile(path, Identity(path), ContentCoding.Gzip);
            Assert.True(variants.Count <= 8, $"{variants.Count} entries after {i + 1} files");
        }
    }

    [Fact]
    public void Bytes_StayWithinTheBudget_OldestDroppedFirst()
    {
        var variants = new CompressedVariants(3000, 8 << 20, _settings, _ => true);
        string[] paths = new string[10];
        for (int i = 0; i < paths.Length; i++)
        {
            paths[i] = _site.File("g" + i + ".txt", Text(20_000, i + 3));
            variants.ForDiskFile(paths[i], Identity(paths[i]), ContentCoding.Gzip);
            Assert.True(variants.Bytes <= 3000 + 2000, $"{variants.Bytes} bytes held"); // one form may pass the line before eviction
        }
        // The newest file still gets its form, in memory: eviction made room rather than refusing new files forever.
        Representation? newest = variants.ForDiskFile(paths[^1], Identity(paths[^1]), ContentCoding.Gzip);
        Assert.NotNull(newest);
        Assert.Equal(ContentCoding.Gzip, newest!.Coding);
    }

    [Fact]
    public void AFileEditedAgainAndAgain_KeepsOneEntry_AndTheEvictionQueueBounded()
    {
        var variants = new CompressedVariants(1 << 30, 8 << 20, _settings, _ => true, maxEntries: 8);
        string path = _site.File("edited.txt", Text(4000, 7));
        for (int i = 0; i < 100; i++)
        {
            File.SetLastWriteTimeUtc(path, new DateTime(2024, 1, 1, 0, 0, 0, DateTimeKind.Utc).AddMinutes(i)); // a new version each time
            variants.ForDiskFile(path, Identity(path), ContentCoding.Gzip);
        }
        Assert.Equal(1, variants.Count);
        Assert.True(variants.QueuedKeys <= 16, $"{variants.QueuedKeys} keys queued for one entry");
    }

    [Fact]
    public void AFifoSidecar_IsIgnored_NotWaitedOn()
    {
        if (!OperatingSystem.IsLinux()) return;
        string path = _site.File("h.txt", Text(4000, 5));
        RegularFileTests.MakeFifo(path + ".br");
        var variants = new CompressedVariants(1 << 20, 8 << 20, _settings, _ => true);

        Representation? form = variants.ForDiskFile(path, Identity(path), ContentCoding.Brotli); // would hang on a blocking open

        Assert.NotNull(form);
        Assert.Null(form!.FilePath); // compressed here, not "sent from the sidecar"
    }
}
