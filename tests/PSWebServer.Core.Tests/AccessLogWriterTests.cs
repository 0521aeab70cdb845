using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using PSWebServer.AccessLog;
using PSWebServer.Http;
using PSWebServer.Tests.Support;
using Xunit;

namespace PSWebServer.Tests;

public sealed class AccessLogWriterTests : IDisposable
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(10);
    private readonly TempFolder _folder = new();
    private readonly ConcurrentQueue<Exception> _errors = new();
    private long _lastId;

    public void Dispose() => _folder.Dispose();

    private string LogPath => Path.Combine(_folder.Path, "access.log");

    private AccessLogWriter NewWriter(int maxSegments = AccessLogQueue.DefaultMaxSegments) =>
        new(LogPath, AccessLogFormat.Common, "t", _errors.Enqueue, maxSegments);

    /// <summary>Records a request whose target carries a number, so each line says which request it is.</summary>
    private long Append(AccessLogWriter writer, int n, int padding = 0) =>
        writer.Append(ref _lastId, new RequestRecord
        {
            TimestampUtcTicks = DateTime.UtcNow.Ticks,
            ClientAddress = "127.0.0.1:1",
            Method = "GET"u8,
            Target = Encoding.ASCII.GetBytes("/r?n=" + n + new string('x', padding)),
            Version = HttpVersion.Http11,
            StatusCode = 200,
            BytesSent = 10,
            ContentEncoding = "",
        });

    private static List<int> Numbers(string path) =>
        File.Exists(path)
            ? File.ReadAllLines(path).Select(l => int.Parse(l.Split("n=")[1].Split(new[] { ' ', 'x' })[0])).ToList()
            : new List<int>();

    [Fact]
    public void Dispose_WritesEverythingQueued_AndClosesTheFile()
    {
        AccessLogWriter writer = NewWriter();
        for (int i = 1; i <= 5000; i++) Append(writer, i);
        writer.Dispose();

        Assert.Equal(Enumerable.Range(1, 5000), Numbers(LogPath));
        Assert.Equal(5000, writer.LinesWritten);
        using (new FileStream(LogPath, FileMode.Open, FileAccess.ReadWrite, FileShare.None)) { } // nobody holds it open
        Assert.Empty(_errors);
    }

    [Fact]
    public async Task Lines_AppearWhileRunning_WithoutWaitingForStop()
    {
        using AccessLogWriter writer = NewWriter();
        Append(writer, 1);
        Assert.True(await ServerScope.EventuallyAsync(() => Numbers(LogPath).Count == 1, Bound));
    }

    [Fact]
    public void ExistingFile_IsAppendedTo()
    {
        File.WriteAllText(LogPath, "127.0.0.1 - - [x] \"GET /r?n=0 HTTP/1.1\" 200 1\n");
        using (AccessLogWriter writer = NewWriter()) Append(writer, 1);
        Assert.Equal(new[] { 0, 1 }, Numbers(LogPath));
    }

    [Fact]
    public void ManyThreads_LinesAreInIdOrder_NoneLost()
    {
        AccessLogWriter writer = NewWriter();
        var ids = new ConcurrentDictionary<long, int>();
        Parallel.For(0, 4, t =>
        {
            for (int i = 0; i < 5000; i++)
            {
                int n = t * 100_000 + i;
                ids[Append(writer, n)] = n;
            }
        });
        writer.Dispose();

        List<int> numbers = Numbers(LogPath);
        Assert.Equal(20_000, numbers.Count);
        // The file's order is the id order: line k is the request that got id k.
        for (int k = 0; k < numbers.Count; k++) Assert.Equal(ids[k + 1], numbers[k]);
    }

    [Fact]
    public void FullQueue_WaitsForTheWriter_LosesNothing()
    {
        // One segment of room: records with 3 KiB targets fill it after about 85, so recorders must wait for the writer.
        AccessLogWriter writer = NewWriter(maxSegments: 1);
        for (int i = 1; i <= 3000; i++) Append(writer, i, padding: 3000);
        writer.Dispose();

        Assert.True(writer.Queue.BackPressureWaits > 0, "the queue never filled: the test did not test back-pressure");
        Assert.Equal(Enumerable.Range(1, 3000), Numbers(LogPath));
    }

    [Fact]
    public async Task MovedFile_IsReopenedAtThePath_OldLinesStayInTheMovedFile()
    {
        AccessLogWriter writer = NewWriter();
        for (int i = 1; i <= 10; i++) Append(writer, i);
        Assert.True(await ServerScope.EventuallyAsync(() => Numbers(LogPath).Count == 10, Bound));

        string rotated = LogPath + ".1";
        File.Move(LogPath, rotated);
        for (int i = 11; i <= 20; i++) Append(writer, i);
        Assert.True(await ServerScope.EventuallyAsync(() => Numbers(LogPath).Count == 10, Bound), "no new file at the path");
        writer.Dispose();

        Assert.Equal(Enumerable.Range(1, 10), Numbers(rotated));
        Assert.Equal(Enumerable.Range(11, 10), Numbers(LogPath));
        Assert.Equal(1, writer.Reopened);
        Assert.Empty(_errors);
    }

    [Fact]
    public async Task DeletedFile_IsCreatedAgain_EvenWithNoTraffic()
    {
        using AccessLogWriter writer = NewWriter();
        Append(writer, 1);
        Assert.True(await ServerScope.EventuallyAsync(() => Numbers(LogPath).Count == 1, Bound));

        File.Delete(LogPath);
        Assert.True(await ServerScope.EventuallyAsync(() => File.Exists(LogPath), TimeSpan.FromSeconds(5)), "not recreated within 5 s of idling");

        Append(writer, 2);
        Assert.True(await ServerScope.EventuallyAsync(() => Numbers(LogPath).SequenceEqual(new[] { 2 }), Bound));
        Assert.Empty(_errors);
    }

    [Fact]
    public async Task DeletedFile_NextWrite_GoesToTheNewFile()
    {
        AccessLogWriter writer = NewWriter();
        Append(writer, 1);
        Assert.True(await ServerScope.EventuallyAsync(() => Numbers(LogPath).Count == 1, Bound));

        File.Delete(LogPath);
        for (int i = 2; i <= 4; i++) Append(writer, i); // queued at once: written before the idle check could run
        writer.Dispose();

        Assert.Equal(new[] { 2, 3, 4 }, Numbers(LogPath));
    }

    [Fact]
    public void FolderThatDisappears_ReportsTheError_AndStopEnds()
    {
        string sub = _folder.Folder("gone");
        string path = Path.Combine(sub, "a.log");
        var writer = new AccessLogWriter(path, AccessLogFormat.Common, "t", _errors.Enqueue);
        File.Delete(path);
        Directory.Delete(sub);
        Append(writer, 1);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        writer.Dispose();

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), "stop waited " + clock.Elapsed);
        Assert.Contains(_errors, e => e.Message.Contains("could not be written", StringComparison.Ordinal));
    }
}
