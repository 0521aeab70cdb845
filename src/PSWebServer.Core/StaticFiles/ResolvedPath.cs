namespace PSWebServer.StaticFiles;

internal enum ResolutionKind : byte
{
    /// <summary>A file inside the root: serve it.</summary>
    File,
    /// <summary>A folder asked for without its trailing slash: redirect to <see cref="ResolvedPath.Location"/>.</summary>
    RedirectToFolder,
    /// <summary>A folder with no default document.</summary>
    Folder,
    /// <summary>Nothing there, or something the rules hide (dotfiles, links out of the root; on Windows aliases, streams and devices).</summary>
    NotFound,
    /// <summary>A path no file can have: malformed escapes, NUL, encoded separators, invalid UTF-8, above the root (on Windows also a climb spelled with dots and spaces).</summary>
    BadRequest,
}

/// <summary>Where a request path leads. <see cref="FullPath"/> is set for File and Folder.</summary>
internal readonly record struct ResolvedPath(ResolutionKind Kind, string FullPath = "", string Location = "");
