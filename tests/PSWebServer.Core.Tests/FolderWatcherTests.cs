using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading;
using PSWebServer.LiveReload;
using PSWebServer.Tests.Support;
using Xunit;

namespace PSWebServer.Tests;

/// <summary>
/// Live reload's watcher on a real temp folder: quiet-period batching, ignored names, renames and write-then-move
/// saves. Every wait is bounded; "nothing reported" is checked over a window well past the quiet period.
/// </summary>
public sealed class FolderWatcherTests : IDisposable
{
    private static readonly TimeSpan Quiet = TimeSpan.FromMilliseconds(300); // wider than the server's 100 ms: a loaded CI machine may pause a writer
    private static readonly TimeSpan Arrives = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan Silence = TimeSpan.FromMilliseconds(800);

    private readonly TempFolder _site = new();
    private readonly BlockingCollection<string[]> _batches = new();
    private readonly ConcurrentQueue<Exception> _errors = new();
    private FolderWatcher? _watcher;

    public FolderWatcherTests()
    {
        _site.File("index.html", "<p>one</p>");
        _site.File("css/site.css", "p{}");
    }

    public void Dispose()
    {
        _watcher?.Dispose();
        _site.Dispose();
    }

    private FolderWatcher Watch(TimeSpan? maxDelay = null, IEnumerable<string>? ignoredFiles = null) =>
        _watcher = new FolderWatcher(_site.Path, batch => _batches.Add(batch.OrderBy(p => p, StringComparer.Ordinal).ToArray()),
            _errors.Enqueue, Quiet, maxDelay ?? TimeSpan.FromSeconds(5), ignoredFiles, windowsRules: false);

    private string[] NextBatch()
    {
        Assert.True(_batches.TryTake(out string[]? batch, Arrives), "no change was reported within " + Arrives);
        return batch!;
    }

    private void AssertNothingReported()
    {
        Assert.False(_batches.TryTake(out string[]? batch, Silence), "reported: " + string.Join(", ", batch ?? Array.Empty<string>()));
    }

    [Fact]
    public void AWrite_IsReported_AsItsPathFromTheRoot()
    {
        Watch();
        File.WriteAllText(Path.Combine(_site.Path, "css", "site.css"), "p{color:red}");
        Assert.Equal(new[] { "/css/site.css" }, NextBatch());
        Assert.Empty(_errors);
    }

    [Fact]
    public void ABurstOfChanges_IsOneBatch_OnceQuiet()
    {
        Watch();
        for (int i = 0; i < 5; i++)
        {
            File.WriteAllText(Path.Combine(_site.Path, "index.html"), "<p>" + i + "</p>");
            File.WriteAllText(Path.Combine(_site.Path, "page" + i + ".html"), "x");
            Thread.Sleep(40); // each change well within the quiet period of the one before
        }
        string[] batch = NextBatch();
        Assert.Equal(new[] { "/index.html", "/page0.html", "/page1.html", "/page2.html", "/page3.html", "/page4.html" }, batch);
        AssertNothingReported();
    }

    [Fact]
    public void ABurstThatNeverGoesQuiet_IsStillReported_WithinTheMaxDelay()
    {
        Watch(maxDelay: TimeSpan.FromMilliseconds(500));
        var clock = System.Diagnostics.Stopwatch.StartNew();
        bool reported = false;
        // A change every 50 ms, never quiet for the 300 ms the watcher waits for, until a batch comes: only the max
        // delay can report one. The burst may go on for 6 s, so a loaded machine's late timer does not fail the test.
        for (int i = 0; i < 120 && !reported; i++)
        {
            File.WriteAllText(Path.Combine(_site.Path, "index.html"), "<p>" + i + "</p>");
            reported = _batches.TryTake(out _, 50);
        }
        Assert.True(reported, "nothing reported during a burst of " + clock.Elapsed);
    }

    [Fact]
    public void HiddenAndScratchFiles_AndIgnoredFiles_AreNotReported()
    {
        string log = Path.Combine(_site.Path, "access.log");
        Watch(ignoredFiles: new[] { log });
        _site.File(".hidden/page.html", "x");
        _site.File(".index.html.swp", "x");
        _site.File("index.html~", "x");
        _site.File("4913", "x");
        _site.File("draft.tmp", "x");
        File.AppendAllText(log, "GET / 200\n");
        AssertNothingReported();
    }

    [Fact]
    public void WriteThenMoveSave_IsAChangeOfTheRealName()
    {
        Watch();
        string temp = _site.File("index.html.tmp", "<p>two</p>"); // an ignored name: nothing yet
        File.Move(temp, Path.Combine(_site.Path, "index.html"), overwrite: true);
        Assert.Equal(new[] { "/index.html" }, NextBatch());
    }

    [Fact]
    public void VimStyleSave_WithItsWriteTestAndBackup_IsAChangeOfTheRealNameOnly()
    {
        Watch();
        string test = _site.File("4913", "");
        File.Delete(test);
        File.Move(Path.Combine(_site.Path, "index.html"), Path.Combine(_site.Path, "index.html~"));
        _site.File("index.html", "<p>three</p>");
        File.Delete(Path.Combine(_site.Path, "index.html~"));
        Assert.Equal(new[] { "/index.html" }, NextBatch());
        AssertNothingReported();
    }

    [Fact]
    public void ARenameBetweenWatchedNames_ReportsBoth()
    {
        Watch();
        File.Move(Path.Combine(_site.Path, "index.html"), Path.Combine(_site.Path, "home.html"));
        Assert.Equal(new[] { "/home.html", "/index.html" }, NextBatch());
    }

    [Fact]
    public void AFileMovedInFromOutsideTheRoot_IsReported()
    {
        using var outside = new TempFolder();
        string source = outside.File("new.html", "<p>new</p>");
        Watch();
        File.Move(source, Path.Combine(_site.Path, "new.html"));
        Assert.Equal(new[] { "/new.html" }, NextBatch());
    }

    [Fact]
    public void ARootThatCannotBeWatched_FailsTheStart_AsWatchNotAvailable()
    {
        string gone = Path.Combine(_site.Path, "missing");
        ServerException e = Assert.Throws<ServerException>(() => new LiveReloadService(gone, watch: true, () => { }, _ => { }));
        Assert.Equal(ServerErrorKind.WatchNotAvailable, e.Kind);
        Assert.Contains(gone, e.Message);
    }

    [Fact]
    public void AfterDispose_NothingIsReported()
    {
        Watch().Dispose();
        File.WriteAllText(Path.Combine(_site.Path, "index.html"), "<p>after</p>");
        AssertNothingReported();
    }
}
