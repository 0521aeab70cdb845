namespace PSWebServer.Http;

/// <summary>Methods the static handler tells apart; everything else is Other (answered 405).</summary>
internal enum HttpMethod : byte
{
    Other = 0,
    Get,
    Head,
    Options,
}
