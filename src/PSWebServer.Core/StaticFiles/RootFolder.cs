using System;
using System.IO;

namespace PSWebServer.StaticFiles;

/// <summary>Checks the folder to serve once, at start, and gives its canonical full path.</summary>
internal static class RootFolder
{
    public static string Resolve(string root)
    {
        if (string.IsNullOrWhiteSpace(root))
            throw new ServerException(ServerErrorKind.RootNotFound, "No folder to serve was given.");
        string full = Path.GetFullPath(root);
        if (File.Exists(full))
            throw new ServerException(ServerErrorKind.RootNotDirectory, $"'{full}' is a file, not a folder. Give the folder that holds it.");
        if (!Directory.Exists(full))
            throw new ServerException(ServerErrorKind.RootNotFound, $"The folder '{full}' does not exist.");
        string trimmed = Path.TrimEndingDirectorySeparator(full);
        return trimmed.Length == 0 ? full : trimmed;
    }
}
