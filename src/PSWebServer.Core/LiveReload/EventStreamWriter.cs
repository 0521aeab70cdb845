using System;
using System.Text;
using System.Threading;
using System.Threading.Channels;
using System.Threading.Tasks;
using PSWebServer.Http;

namespace PSWebServer.LiveReload;

/// <summary>
/// One page's Server-Sent Events stream (text/event-stream, chunked): a first line at once, then a <c>data:</c> line
/// per event, each flushed, and a comment now and then so proxies and the page see a live connection and a vanished
/// client is found by a failing send. While it waits for an event it tells the sink so: the connection then has no
/// client deadline and counts as idle for Stop. It ends when the hub ends (the server stops) or the connection does.
/// </summary>
internal sealed class EventStreamWriter : IResponseBodyWriter
{
    private static readonly byte[] Preamble = Encoding.ASCII.GetBytes("retry: 1000\n: pswebserver live reload\n\n");
    private static readonly byte[] Heartbeat = Encoding.ASCII.GetBytes(": ping\n\n");

    private readonly LiveReloadHub _hub;
    private readonly TimeSpan _heartbeat;

    public EventStreamWriter(LiveReloadHub hub, TimeSpan heartbeat)
    {
        _hub = hub;
        _heartbeat = heartbeat;
    }

    public async ValueTask WriteBodyAsync(IResponseBodySink sink, CancellationToken cancel)
    {
        Channel<string>? channel = _hub.Subscribe();
        if (channel is null) return; // the server is stopping: an empty stream, and the page tries again later
        try
        {
            await sink.WriteAsync(Preamble).ConfigureAwait(false);
            await sink.FlushAsync().ConfigureAwait(false);
            sink.AwaitingEvents(true);
            ChannelReader<string> reader = channel.Reader;
            while (true)
            {
                bool more;
                // One wait per event, bounded by the heartbeat: no timer task beside it, so an event (or the hub's
                // end at stop) resumes the stream in one step.
                using (var tick = CancellationTokenSource.CreateLinkedTokenSource(cancel))
                {
                    tick.CancelAfter(_heartbeat);
                    try
                    {
                        more = await reader.WaitToReadAsync(tick.Token).ConfigureAwait(false);
                    }
                    catch (OperationCanceledException) when (!cancel.IsCancellationRequested)
                    {
                        await sink.WriteAsync(Heartbeat).ConfigureAwait(false);
                        await sink.FlushAsync().ConfigureAwait(false);
                        continue;
                    }
                }
                if (!more) return; // the hub ended: the stream ends, the connection closes
                while (reader.TryRead(out string? message))
                {
                    await sink.WriteAsync(Encoding.UTF8.GetBytes("data: " + message + "\n\n")).ConfigureAwait(false);
                }
                await sink.FlushAsync().ConfigureAwait(false);
            }
        }
        finally
        {
            sink.AwaitingEvents(false);
            _hub.Unsubscribe(channel); // after the sink left its idle phase: stop's drain now waits for the end to be sent
        }
    }
}
