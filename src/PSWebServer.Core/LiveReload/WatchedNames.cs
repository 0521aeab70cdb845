using System;
using PSWebServer.StaticFiles;

namespace PSWebServer.LiveReload;

/// <summary>
/// Which changes under the root a page could see. Ignored: hidden names (a dot segment anywhere in the path, as the
/// server refuses them; on Windows also what <see cref="WindowsPathRules"/> refuses: device names, short names, …),
/// and the scratch files editors write beside the real one: vim's swap files (.swp, .swx, .swo) and its write test
/// "4913", backups ending in "~", emacs' "#name#", and ".tmp" files that a save then renames onto the real name.
/// </summary>
internal static class WatchedNames
{
    /// <param name="relativePath">The path from the root, either separator.</param>
    public static bool IsIgnored(string relativePath, bool windowsRules)
    {
        ReadOnlySpan<char> rest = relativePath.AsSpan();
        ReadOnlySpan<char> last = default;
        while (!rest.IsEmpty)
        {
            int slash = rest.IndexOfAny('/', '\\');
            ReadOnlySpan<char> segment = slash < 0 ? rest : rest.Slice(0, slash);
            rest = slash < 0 ? default : rest.Slice(slash + 1);
            if (segment.IsEmpty) continue;
            if (segment[0] == '.') return true;
            if (windowsRules && WindowsPathRules.Refusal(segment) != null) return true;
            last = segment;
        }
        if (last.IsEmpty) return true; // the root itself
        return last.EndsWith("~")
            || last.EndsWith(".swp", StringComparison.OrdinalIgnoreCase)
            || last.EndsWith(".swx", StringComparison.OrdinalIgnoreCase)
            || last.EndsWith(".swo", StringComparison.OrdinalIgnoreCase)
            || last.EndsWith(".tmp", StringComparison.OrdinalIgnoreCase)
            || last.SequenceEqual("4913")
            || (last.Length > 1 && last[0] == '#' && last[^1] == '#');
    }
}
