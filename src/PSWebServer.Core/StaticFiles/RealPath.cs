using System;
using System.Collections.Generic;
using System.IO;

namespace PSWebServer.StaticFiles;

/// <summary>
/// The canonical path of a file: every symbolic link along the way replaced by its target, as realpath(3) does,
/// using only the base class library. Used to refuse links that lead out of the served folder.
/// </summary>
internal static class RealPath
{
    private const int MaxLinks = 40; // as the kernel's own limit on links followed in one lookup

    public static readonly StringComparison Comparison = OperatingSystem.IsWindows() || OperatingSystem.IsMacOS()
        ? StringComparison.OrdinalIgnoreCase
        : StringComparison.Ordinal;

    /// <summary>The canonical form of <paramref name="fullPath"/>, or null when links loop or cannot be read.</summary>
    public static string? Of(string fullPath)
    {
        string root = Path.GetPathRoot(fullPath) ?? "";
        var pending = new Stack<string>();
        PushReversed(pending, fullPath.Substring(root.Length));
        string current = root;
        int links = 0;
        try
        {
            while (pending.Count > 0)
            {
                string part = pending.Pop();
                if (part == ".") continue;
                if (part == "..")
                {
                    current = Path.GetDirectoryName(current) ?? current;
                    continue;
                }
                string next = Path.Join(current, part);
                string? target = new FileInfo(next).LinkTarget;
                if (target == null)
                {
                    current = next;
                    continue;
                }
                if (++links > MaxLinks) return null;
                if (Path.IsPathRooted(target))
                {
                    current = Path.GetPathRoot(target) ?? root;
                    PushReversed(pending, target.Substring(current.Length));
                }
                else
                {
                    PushReversed(pending, target);
                }
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
        return current;
    }

    /// <summary>Whether <paramref name="path"/> is <paramref name="folder"/> or lies inside it.</summary>
    public static bool IsWithin(string path, string folder)
    {
        if (path.Equals(folder, Comparison)) return true;
        string prefix = Path.EndsInDirectorySeparator(folder) ? folder : folder + Path.DirectorySeparatorChar;
        return path.StartsWith(prefix, Comparison);
    }

    private static void PushReversed(Stack<string> pending, string relative)
    {
        string[] parts = relative.Split(new[] { Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar }, StringSplitOptions.RemoveEmptyEntries);
        for (int i = parts.Length - 1; i >= 0; i--) pending.Push(parts[i]);
    }
}
