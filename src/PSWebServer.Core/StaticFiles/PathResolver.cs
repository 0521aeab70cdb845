using System;
using System.Buffers;
using System.Collections.Generic;
using System.IO;
using System.Text;
using PSWebServer.Http;

namespace PSWebServer.StaticFiles;

/// <summary>
/// Maps a request path to a file under the root, and refuses every way out of it. The rules, in order:
/// a raw backslash, a malformed escape, NUL, an encoded '/' or '\', invalid or overlong UTF-8, or ".." above the
/// root → 400; on Windows, each segment then passes <see cref="WindowsPathRules"/> (trailing dots and spaces,
/// streams, device names, 8.3 short names, reserved characters); a hidden name (leading dot, which has no case to
/// fold) → 404; then the file's canonical path, links followed, must lie inside the root's canonical path, else 404.
/// Percent-decoding happens exactly once.
/// </summary>
internal sealed class PathResolver
{
    private readonly string _root;
    private readonly string _realRoot;
    private readonly IReadOnlyList<string> _defaultDocuments;
    private readonly bool _serveHidden;
    private readonly bool _windowsRules;

    /// <param name="windowsRules">
    /// Whether segments must pass <see cref="WindowsPathRules"/>; null (the default) turns them on when running on
    /// Windows. Tests turn them on elsewhere to run them against a real folder.
    /// </param>
    public PathResolver(string root, IReadOnlyList<string> defaultDocuments, bool serveHidden, bool? windowsRules = null)
    {
        _root = root;
        _realRoot = RealPath.Of(root) ?? root;
        _defaultDocuments = defaultDocuments;
        _serveHidden = serveHidden;
        _windowsRules = windowsRules ?? OperatingSystem.IsWindows();
    }

    public ResolvedPath Resolve(ReadOnlySpan<byte> rawPath)
    {
        if (rawPath.IsEmpty) rawPath = "/"u8; // absolute-form target with no path
        if (rawPath[0] != (byte)'/' || rawPath.IndexOf((byte)'\\') >= 0) return new(ResolutionKind.BadRequest);

        byte[] rented = ArrayPool<byte>.Shared.Rent(rawPath.Length);
        string decoded;
        try
        {
            int length = PercentDecoding.Decode(rawPath, rented);
            if (length < 0) return new(ResolutionKind.BadRequest);
            ReadOnlySpan<byte> bytes = rented.AsSpan(0, length);
            if (bytes.IndexOfAny((byte)0, (byte)'\\') >= 0) return new(ResolutionKind.BadRequest);
            if (HasEncodedSlash(rawPath)) return new(ResolutionKind.BadRequest);
            try
            {
                decoded = PercentDecoding.StrictUtf8.GetString(bytes);
            }
            catch (DecoderFallbackException)
            {
                return new(ResolutionKind.BadRequest); // invalid and overlong sequences alike
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }

        var segments = new List<string>();
        foreach (string segment in decoded.Split('/'))
        {
            if (segment.Length == 0 || segment == ".") continue;
            if (segment == "..")
            {
                if (segments.Count == 0) return new(ResolutionKind.BadRequest);
                segments.RemoveAt(segments.Count - 1);
                continue;
            }
            if (_windowsRules && WindowsPathRules.Refusal(segment) is { } refusal) return new(refusal);
            if (!_serveHidden && segment[0] == '.') return new(ResolutionKind.NotFound);
            segments.Add(segment);
        }

        bool folderForm = decoded.EndsWith('/') || decoded.EndsWith("/.", StringComparison.Ordinal) || decoded.EndsWith("/..", StringComparison.Ordinal);
        string full = segments.Count == 0 ? _root : Path.Join(_root, string.Join(Path.DirectorySeparatorChar, segments));

        if (File.Exists(full))
        {
            return IsInsideRoot(full) ? new(ResolutionKind.File, full) : new(ResolutionKind.NotFound);
        }
        if (!Directory.Exists(full) || !IsInsideRoot(full)) return new(ResolutionKind.NotFound);

        if (!folderForm && segments.Count > 0)
        {
            return new(ResolutionKind.RedirectToFolder, full, FolderLocation(segments));
        }
        foreach (string document in _defaultDocuments)
        {
            string candidate = Path.Join(full, document);
            if (File.Exists(candidate) && IsInsideRoot(candidate)) return new(ResolutionKind.File, candidate);
        }
        return new(ResolutionKind.Folder, full);
    }

    public bool IsInsideRoot(string path)
    {
        string? real = RealPath.Of(path);
        return real != null && RealPath.IsWithin(real, _realRoot);
    }

    private static bool HasEncodedSlash(ReadOnlySpan<byte> raw)
    {
        for (int i = raw.IndexOf((byte)'%'); i >= 0 && i + 2 < raw.Length; )
        {
            if (raw[i + 1] == (byte)'2' && (raw[i + 2] | 0x20) == (byte)'f') return true;
            int next = raw.Slice(i + 1).IndexOf((byte)'%');
            if (next < 0) break;
            i += next + 1;
        }
        return false;
    }

    /// <summary>
    /// The path of the folder with its slash, re-encoded from the normalised segments. It always starts with
    /// exactly one '/', so it can never be read as "//host" (the open redirect of python's http.server).
    /// </summary>
    private static string FolderLocation(List<string> segments)
    {
        var location = new StringBuilder();
        foreach (string segment in segments)
        {
            location.Append('/').Append(PathEncoding.EncodeSegment(segment));
        }
        return location.Append('/').ToString();
    }
}
