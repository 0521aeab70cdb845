using System;
using System.Text;

namespace PSWebServer.LiveReload;

/// <summary>
/// The reserved paths live reload answers before the files (a file under the root with the same path is shadowed
/// while live reload is on), and the tag injected into pages.
/// </summary>
internal static class LiveReloadPaths
{
    public const string Prefix = "/__pswebserver/";
    public const string Script = Prefix + "livereload.js";
    public const string Events = Prefix + "events";

    public static ReadOnlySpan<byte> PrefixBytes => "/__pswebserver/"u8;
    public static ReadOnlySpan<byte> ScriptBytes => "/__pswebserver/livereload.js"u8;
    public static ReadOnlySpan<byte> EventsBytes => "/__pswebserver/events"u8;

    /// <summary>What goes into a page; a plain script (not a module, not deferred), so it runs in every page that allows scripts.</summary>
    public static readonly byte[] ScriptTag = Encoding.ASCII.GetBytes("<script src=\"" + Script + "\"></script>");
}
