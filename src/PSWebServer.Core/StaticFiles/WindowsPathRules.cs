using System;

namespace PSWebServer.StaticFiles;

/// <summary>
/// The ways Windows lets one request-path segment name something other than the file of exactly that name, and
/// the answer each gets. Pure (no file system, no OS check), so it is tested on every OS; <see cref="PathResolver"/>
/// applies it to each decoded segment when it runs on Windows, or when a test asks it to.
/// <para>
/// Two answers, decided by the text alone, so neither can tell a client whether anything lies behind the name:
/// 400 for a segment that would change which folder is meant (a separator or a climb in disguise), the same class
/// as an encoded '/' or ".." above the root; 404 for a segment Windows would send to something other than a
/// regular file of that exact name (an alias, a stream, a device) or that no Windows file can have, the same class
/// as a dotfile. nginx for Windows answers the same way: a name with a stream, trailing dots or spaces, or that is not
/// its own long name (a short name) fails to open as "not found"; only "::$" in the URI itself gets its 400, and
/// here streams stay with the other aliases at 404 so that one kind of name gets one answer.
/// </para>
/// </summary>
internal static class WindowsPathRules
{
    /// <summary>
    /// Null when <paramref name="segment"/> (one decoded, non-empty path segment) names an ordinary file or folder on
    /// Windows, else <see cref="ResolutionKind.BadRequest"/> or <see cref="ResolutionKind.NotFound"/>. The dot segments
    /// "." and ".." pass: they are the resolver's normalisation to apply, not a name.
    /// </summary>
    public static ResolutionKind? Refusal(ReadOnlySpan<char> segment)
    {
        if (segment.IsEmpty) return null;

        // A backslash is a separator to Win32 and NUL ends the name the kernel sees: either makes the segment mean
        // another folder. The resolver refuses both on every OS already; the rule holds here too so that it is whole.
        if (segment.IndexOfAny('\\', '\0') >= 0) return ResolutionKind.BadRequest;

        if (segment is "." or "..") return null;

        // Win32 path normalisation strips trailing dots and spaces, so "...", ".. ", ". ." or " " become "..", "."
        // or nothing: a climb or a self-reference in disguise. 400, as for ".." above the root.
        if (segment.IndexOfAnyExcept('.', ' ') < 0) return ResolutionKind.BadRequest;

        // "a.txt." and "a.txt " open "a.txt", "sub." opens "sub": a second name for a file, which would slip past any
        // rule keyed on the name (its extension picks the Content-Type; IIS once served script source this way).
        char last = segment[^1];
        if (last is '.' or ' ') return ResolutionKind.NotFound;

        // ':' introduces a stream: "a.txt::$DATA" is the file again under another name, "a.txt:x" data no listing
        // shows, "sub::$INDEX_ALLOCATION" the folder, "C:" a drive. The other characters Win32 forbids in names
        // ('?', '*', '<', '>', '"' are wildcards to the directory query; '|' and controls are simply invalid)
        // cannot name a file there at all.
        foreach (char c in segment)
        {
            if (c < ' ' || c is ':' or '<' or '>' or '"' or '|' or '?' or '*') return ResolutionKind.NotFound;
        }

        if (IsDeviceName(segment) || IsShortName(segment)) return ResolutionKind.NotFound;
        return null;
    }

    /// <summary>
    /// Whether Windows opens a device for this name: CON, PRN, AUX, NUL, COM0-9, LPT0-9 (also with the superscript
    /// digits ¹ ² ³), CONIN$ and CONOUT$, in any case, with or without an extension ("nul.tar.gz") and with spaces
    /// around the stem ("aux .txt"; leading spaces too, on the safe side). Windows 11 stopped treating most of these
    /// specially when an extension follows, but older Windows and the SMB server still do, and a read from CON or
    /// CONIN$ would wait on the console.
    /// </summary>
    public static bool IsDeviceName(ReadOnlySpan<char> segment)
    {
        int dot = segment.IndexOf('.');
        ReadOnlySpan<char> stem = (dot < 0 ? segment : segment.Slice(0, dot)).Trim(' ');
        switch (stem.Length)
        {
            case 3:
                return stem.Equals("CON", StringComparison.OrdinalIgnoreCase) || stem.Equals("PRN", StringComparison.OrdinalIgnoreCase)
                    || stem.Equals("AUX", StringComparison.OrdinalIgnoreCase) || stem.Equals("NUL", StringComparison.OrdinalIgnoreCase);
            case 4:
                return (stem.StartsWith("COM", StringComparison.OrdinalIgnoreCase) || stem.StartsWith("LPT", StringComparison.OrdinalIgnoreCase))
                    && (char.IsAsciiDigit(stem[3]) || stem[3] is '\u00B9' or '\u00B2' or '\u00B3');
            case 6:
                return stem.Equals("CONIN$", StringComparison.OrdinalIgnoreCase);
            case 7:
                return stem.Equals("CONOUT$", StringComparison.OrdinalIgnoreCase);
            default:
                return false;
        }
    }

    /// <summary>
    /// Whether the name has the shape of a generated 8.3 short name: a stem of at most 8 characters ending in '~' and
    /// digits ("GIT~1", "INDEX~12", "AB12C~1"), then at most one extension of 1-3 characters ("INDEX~1.HTM").
    /// Windows matches short names case-insensitively, so "git~1" opens ".git" and would dodge the hidden rule.
    /// A long name of that shape ("draft~2.txt") is refused too: telling it from an alias needs the disk (nginx asks
    /// GetLongPathNameW), this check must stay pure, and a 404 for a rare name is the safe side. A short name an
    /// administrator set by hand without '~' is not caught.
    /// </summary>
    public static bool IsShortName(ReadOnlySpan<char> segment)
    {
        int dot = segment.IndexOf('.');
        ReadOnlySpan<char> stem = dot < 0 ? segment : segment.Slice(0, dot);
        if (dot >= 0)
        {
            ReadOnlySpan<char> extension = segment.Slice(dot + 1);
            if (extension.Length is 0 or > 3 || extension.IndexOf('.') >= 0) return false;
        }
        if (stem.Length is < 3 or > 8) return false;
        int tilde = stem.LastIndexOf('~');
        if (tilde < 1 || tilde == stem.Length - 1) return false;
        return stem.Slice(tilde + 1).IndexOfAnyExceptInRange('0', '9') < 0;
    }
}
