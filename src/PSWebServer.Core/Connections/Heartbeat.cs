using System;
using System.Threading;

namespace PSWebServer.Connections;

/// <summary>
/// Once a second: the server's periodic work (the Date header's refresh), then the connection deadlines. One timer for
/// the whole server instead of one per connection, so 10,000 idle clients cost no timers.
/// </summary>
internal sealed class Heartbeat : IDisposable
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);

    private readonly ConnectionManager _connections;
    private readonly ServerStatistics _statistics;
    private readonly Action? _beat;
    private Timer? _timer;

    /// <param name="connections">Whose deadlines to enforce.</param>
    /// <param name="statistics">Where an error in a beat is reported (a timer callback must never throw).</param>
    /// <param name="beat">Work of the layers above run first on every beat; passed in so this layer needs none of them.</param>
    public Heartbeat(ConnectionManager connections, ServerStatistics statistics, Action? beat = null)
    {
        _connections = connections;
        _statistics = statistics;
        _beat = beat;
    }

    public void Start() => _timer = new Timer(static state => ((Heartbeat)state!).Beat(), this, Interval, Interval);

    private void Beat()
    {
        try
        {
            _beat?.Invoke();
            _connections.CheckTimeouts();
        }
        catch (Exception ex)
        {
            _statistics.ReportError(ex); // a timer callback must never throw: it would end the process
        }
    }

    public void Dispose() => _timer?.Dispose();
}
