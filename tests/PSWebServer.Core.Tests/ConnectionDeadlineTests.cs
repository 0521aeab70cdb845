using System;
using PSWebServer.Connections;
using PSWebServer.Tests.Support;
using Xunit;

namespace PSWebServer.Tests;

public sealed class ConnectionDeadlineTests
{
    private readonly ManualTimeProvider _clock = new();
    private readonly ConnectionDeadline _deadline;

    public ConnectionDeadlineTests()
    {
        _deadline = new ConnectionDeadline(new ConnectionManager(new ServerLimits(), _clock));
    }

    private long Now => _clock.GetTimestamp();

    [Fact]
    public void BeforeAnyPhase_ThereIsNoDeadline_AndItIsNotIdle()
    {
        Assert.Equal(long.MaxValue, _deadline.Deadline);
        Assert.False(_deadline.IsIdle);
        Assert.False(_deadline.IsPast(long.MaxValue - 1));
    }

    [Fact]
    public void Enter_SetsTheDeadlineFromTheManagersClock()
    {
        _deadline.Enter(TimeSpan.FromSeconds(10), idle: true);

        Assert.True(_deadline.IsIdle);
        _clock.Advance(TimeSpan.FromSeconds(10));
        Assert.False(_deadline.IsPast(Now)); // at the deadline is still in time
        _clock.Advance(TimeSpan.FromTicks(1));
        Assert.True(_deadline.IsPast(Now));
    }

    [Fact]
    public void ANestedPhase_RestoresTheOuterDeadlineUnchanged()
    {
        _deadline.Enter(TimeSpan.FromSeconds(10), idle: false); // a head begun: the header timeout runs
        var saved = _deadline.Save();
        _deadline.Enter(TimeSpan.FromSeconds(60), idle: false); // a send inside it
        _clock.Advance(TimeSpan.FromSeconds(30));
        Assert.False(_deadline.IsPast(Now));

        _deadline.Restore(saved);

        Assert.True(_deadline.IsPast(Now)); // the send's time was not added to the head's
    }

    [Fact]
    public void Clear_LeavesAPhaseWithNoDeadline_ThatIsNotIdle()
    {
        _deadline.Enter(TimeSpan.FromSeconds(1), idle: true);

        _deadline.Clear();

        _clock.Advance(TimeSpan.FromDays(1));
        Assert.False(_deadline.IsPast(Now));
        Assert.False(_deadline.IsIdle);
    }
}
