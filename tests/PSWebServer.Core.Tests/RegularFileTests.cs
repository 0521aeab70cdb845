using System;
using System.Diagnostics;
using System.IO;
using PSWebServer.StaticFiles;
using PSWebServer.Tests.Support;
using Xunit;

namespace PSWebServer.Tests;

/// <summary>Only regular files are opened, and opening never waits: a FIFO with no writer answers at once.</summary>
public sealed class RegularFileTests : IDisposable
{
    private readonly TempFolder _site = new();

    public void Dispose() => _site.Dispose();

    internal static void MakeFifo(string path)
    {
        using var process = Process.Start(new ProcessStartInfo("mkfifo", path) { UseShellExecute = false })!;
        process.WaitForExit();
        Assert.Equal(0, process.ExitCode);
    }

    [Fact]
    public void RegularFile_OpensWithTheLengthAndTimeTheFileSystemReports()
    {
        string path = _site.File("a.txt", "hello there");
        File.SetLastWriteTimeUtc(path, new DateTime(2024, 5, 6, 7, 8, 9, 123, DateTimeKind.Utc).AddTicks(4567));

        using FileStream? stream = RegularFile.Open(path, out long length, out DateTime lastWrite);

        Assert.NotNull(stream);
        Assert.Equal(11, length);
        Assert.Equal(File.GetLastWriteTimeUtc(path), lastWrite);
        Assert.Equal("hello there", System.Text.Encoding.ASCII.GetString(RegularFile.ReadAll(stream!, length)));
    }

    [Fact]
    public void MissingFile_IsNull()
    {
        Assert.Null(RegularFile.Open(Path.Combine(_site.Path, "nope.txt"), out _, out _));
        Assert.Null(RegularFile.Open(Path.Combine(_site.Path, "nope", "deeper.txt"), out _, out _));
        Assert.False(RegularFile.TryStat(Path.Combine(_site.Path, "nope.txt"), out _, out _));
    }

    [Fact]
    public void Folder_IsNull()
    {
        string folder = Path.Combine(_site.Path, "sub");
        Directory.CreateDirectory(folder);
        Assert.Null(RegularFile.Open(folder, out _, out _));
        Assert.False(RegularFile.TryStat(folder, out _, out _));
    }

    [Fact]
    public void Fifo_IsNull_AtOnce()
    {
        if (!OperatingSystem.IsLinux()) return; // FIFOs in a served folder are a Unix matter; the rule is Linux's non-blocking open
        string fifo = Path.Combine(_site.Path, "pipe");
        MakeFifo(fifo);

        var clock = Stopwatch.StartNew();
        FileStream? stream = RegularFile.Open(fifo, out _, out _); // a blocking open would wait here for a writer forever

        Assert.Null(stream);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(1), $"took {clock.Elapsed}");
        Assert.False(RegularFile.TryStat(fifo, out _, out _));
    }

    [Fact]
    public void Device_IsNull()
    {
        if (!OperatingSystem.IsLinux()) return;
        Assert.Null(RegularFile.Open("/dev/zero", out _, out _));
        Assert.Null(RegularFile.Open("/dev/null", out _, out _));
    }
}
