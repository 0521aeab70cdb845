namespace PSWebServer;

/// <summary>Where a server is in its life. Only moves forward: Running → Stopping → Stopped, or → Faulted.</summary>
public enum ServerState
{
    Running,
    Stopping,
    Stopped,
    Faulted,
}
