namespace PSWebServer.Http2;

/// <summary>
/// SETTINGS parameters (RFC 9113 §6.5.2, plus RFC 8441's and RFC 9218's, which peers do send). Any other id is
/// ignored on receipt (§6.5.2), so this list only names those that have a meaning or a value rule here.
/// </summary>
internal enum Http2SettingId : ushort
{
    HeaderTableSize = 0x1,
    EnablePush = 0x2,
    MaxConcurrentStreams = 0x3,
    InitialWindowSize = 0x4,
    MaxFrameSize = 0x5,
    MaxHeaderListSize = 0x6,
    EnableConnectProtocol = 0x8,
    NoRfc7540Priorities = 0x9,
}
