using System;
using System.Threading;
using PSWebServer.Http;

namespace PSWebServer.Transport;

/// <summary>
/// Once a second: refresh the Date header and enforce connection deadlines. One timer for the whole server
/// instead of one per connection, so 10,000 idle clients cost no timers.
/// </summary>
internal sealed class Heartbeat : IDisposable
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);

    private readonly ConnectionManager _connections;
    private readonly ServerStatistics _statistics;
    private Timer? _timer;

    public Heartbeat(ConnectionManager connections, ServerStatistics statistics)
    {
        _connections = connections;
        _statistics = statistics;
    }

    public void Start() => _timer = new Timer(static state => ((Heartbeat)state!).Beat(), this, Interval, Interval);

    private void Beat()
    {
        try
        {
            DateHeaderCache.Refresh();
            _connections.CheckTimeouts();
        }
        catch (Exception ex)
        {
            _statistics.ReportError(ex); // a timer callback must never throw: it would end the process
        }
    }

    public void Dispose() => _timer?.Dispose();
}
