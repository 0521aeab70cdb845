using System;
using System.Diagnostics;
using System.Threading;
using System.Threading.Tasks;
using PSWebServer.Connections;
using PSWebServer.Tests.Support;
using Xunit;

namespace PSWebServer.Tests;

/// <summary>
/// The manager over stand-in connections: it knows them only as <see cref="ITrackedConnection"/>, so any phase (a TLS
/// handshake, an HTTP/2 session) is tracked, timed out and drained the same way as HTTP/1.1.
/// </summary>
public sealed class ConnectionManagerTests
{
    private readonly ManualTimeProvider _clock = new();

    private ConnectionManager NewManager(int maxConnections = 10) =>
        new(new ServerLimits { MaxConnections = maxConnections }, _clock);

    [Fact]
    public void CheckTimeouts_AbortsOnlyThePhasesPastTheirOwnDeadline()
    {
        ConnectionManager manager = NewManager();
        var handshake = new Phase(manager);
        var session = new Phase(manager);
        Assert.True(manager.TryReserve());
        Assert.True(manager.TryReserve());
        manager.Register(handshake);
        manager.Register(session);
        handshake.Deadline.Enter(TimeSpan.FromSeconds(5), idle: false);
        session.Deadline.Enter(TimeSpan.FromSeconds(60), idle: true);

        _clock.Advance(TimeSpan.FromSeconds(4));
        manager.CheckTimeouts();
        Assert.Equal(0, handshake.Aborts);

        _clock.Advance(TimeSpan.FromSeconds(2));
        manager.CheckTimeouts();
        Assert.Equal(1, handshake.Aborts);
        Assert.Equal(0, session.Aborts);
    }

    [Fact]
    public void APhaseWithNoDeadlineYet_IsNeverLate()
    {
        ConnectionManager manager = NewManager();
        var phase = new Phase(manager);
        Assert.True(manager.TryReserve());
        manager.Register(phase);

        _clock.Advance(TimeSpan.FromDays(365));
        manager.CheckTimeouts();

        Assert.Equal(0, phase.Aborts);
    }

    [Fact]
    public void Replace_HandsTheRegistrationOn_KeepingTheCount()
    {
        ConnectionManager manager = NewManager(maxConnections: 1);
        var handshake = new Phase(manager);
        var http = new Phase(manager);
        Assert.True(manager.TryReserve());
        long id = manager.Register(handshake);
        handshake.Deadline.Enter(TimeSpan.FromSeconds(5), idle: false);

        Assert.True(manager.Replace(id, http));
        http.Deadline.Enter(TimeSpan.FromSeconds(60), idle: true);

        Assert.Equal(1, manager.Count);
        Assert.False(manager.TryReserve()); // still one connection against the limit of one
        _clock.Advance(TimeSpan.FromSeconds(10));
        manager.CheckTimeouts();
        Assert.Equal(0, handshake.Aborts); // no longer asked
        Assert.Equal(0, http.Aborts);
        manager.Unregister(id);
        Assert.Equal(0, manager.Count);
        Assert.False(manager.Replace(id, handshake)); // an ended connection is not brought back
    }

    [Fact]
    public void RegisterOrReplace_AfterStopBegan_ClosesAnIdlePhaseAtOnce()
    {
        ConnectionManager manager = NewManager();
        Assert.True(manager.Drain(TimeSpan.Zero)); // nothing open: stop begins and ends at once
        Assert.True(manager.Stopping);
        Assert.False(manager.TryReserve());

        var late = new Phase(manager);
        late.Deadline.Enter(TimeSpan.FromSeconds(60), idle: true);
        long id = manager.Register(late); // reserved before the stop, registered after it
        Assert.Equal(1, late.Closes);

        var next = new Phase(manager);
        next.Deadline.Enter(TimeSpan.FromSeconds(60), idle: true);
        Assert.True(manager.Replace(id, next));
        Assert.Equal(1, next.Closes);
    }

    [Fact]
    public void Drain_ClosesIdleAtOnce_GivesBusyTheGrace_ThenAborts()
    {
        ConnectionManager manager = NewManager();
        var idle = new Phase(manager, endOnClose: true);
        var busy = new Phase(manager);
        foreach (Phase phase in new[] { idle, busy })
        {
            Assert.True(manager.TryReserve());
            phase.Id = manager.Register(phase);
        }
        idle.Deadline.Enter(TimeSpan.FromSeconds(60), idle: true);
        busy.Deadline.Enter(TimeSpan.FromSeconds(60), idle: false);
        var clock = Stopwatch.StartNew();

        bool graceful = manager.Drain(TimeSpan.FromMilliseconds(300));

        Assert.False(graceful);
        Assert.True(clock.Elapsed >= TimeSpan.FromMilliseconds(250), clock.Elapsed.ToString());
        Assert.Equal(1, idle.Closes);
        Assert.True(idle.Ended);
        Assert.Equal(0, idle.Aborts); // it ended when closed: the abort after the grace no longer reached it
        Assert.Equal(1, busy.Closes); // asked, but not idle: left to finish
        Assert.Equal(1, busy.Aborts);
        Assert.Equal(0, manager.Count);
    }

    [Fact]
    public async Task Drain_WithAGraceEndedByAnotherThread_StopsWaitingAtOnce()
    {
        ConnectionManager manager = NewManager();
        var busy = new Phase(manager);
        Assert.True(manager.TryReserve());
        busy.Id = manager.Register(busy);
        busy.Deadline.Enter(TimeSpan.FromSeconds(60), idle: false);
        var grace = new GracePeriod(TimeSpan.FromSeconds(30));
        var clock = Stopwatch.StartNew();

        Task<bool> draining = Task.Run(() => manager.Drain(grace));
        await Task.Delay(200);
        grace.EndNow(); // Ctrl+C, a second Stop with no grace, a fault

        Assert.False(await draining.WaitAsync(TimeSpan.FromSeconds(5)));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), clock.Elapsed.ToString());
        Assert.Equal(1, busy.Aborts);
    }

    [Fact]
    public void Drain_IsGraceful_WhenTheBusyOnesFinishInTime()
    {
        ConnectionManager manager = NewManager();
        var busy = new Phase(manager);
        Assert.True(manager.TryReserve());
        busy.Id = manager.Register(busy);
        busy.Deadline.Enter(TimeSpan.FromSeconds(60), idle: false);
        using var finish = new Timer(_ => manager.Unregister(busy.Id), null, 100, Timeout.Infinite);

        Assert.True(manager.Drain(TimeSpan.FromSeconds(10)));
    }

    /// <summary>A stand-in for a connection phase: keeps a <see cref="ConnectionDeadline"/>, as a real one would, and counts what the manager asks.</summary>
    private sealed class Phase : ITrackedConnection
    {
        private readonly ConnectionManager _manager;
        private readonly bool _endOnClose;
        private int _closes;
        private int _aborts;

        public Phase(ConnectionManager manager, bool endOnClose = false)
        {
            _manager = manager;
            _endOnClose = endOnClose;
            Deadline = new ConnectionDeadline(manager);
        }

        public ConnectionDeadline Deadline { get; }
        public long Id { get; set; }
        public int Closes => Volatile.Read(ref _closes);
        public int Aborts => Volatile.Read(ref _aborts);
        public bool Ended { get; private set; }

        public void CloseIfIdle()
        {
            Interlocked.Increment(ref _closes);
            if (Deadline.IsIdle && _endOnClose) End();
        }

        public void AbortIfPastDeadline(long now)
        {
            if (Deadline.IsPast(now)) Abort();
        }

        public void Abort()
        {
            if (Ended) return;
            Interlocked.Increment(ref _aborts);
            End();
        }

        private void End()
        {
            Ended = true;
            _manager.Unregister(Id);
        }
    }
}
