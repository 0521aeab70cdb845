namespace PSWebServer.StaticFiles;

/// <summary>What the file cache knows of a request path without touching the disk.</summary>
internal enum CacheLookup : byte
{
    /// <summary>Not known, or due for a look at the disk: resolve it off the loop.</summary>
    Unknown,
    /// <summary>A file held in memory, confirmed within the last second.</summary>
    Hit,
    /// <summary>Resolved within the last second to nothing servable (missing, hidden, a FIFO): answer 404.</summary>
    Missing,
}
