using System;
using System.IO;
using PSWebServer.StaticFiles;

namespace PSWebServer.AccessLog;

/// <summary>
/// Whether a path still names the file the writer has open: false once the file was moved away (log rotation) or
/// deleted, so the writer opens the path anew. On Linux it compares device and inode (statx on the path and on the
/// open descriptor); elsewhere, where an open log can be moved only with FILE_SHARE_DELETE, it compares the length
/// the path reports with the open file's, which a new file at the path does not share.
/// </summary>
internal static unsafe class AccessLogFileIdentity
{
    private const uint StatxIno = 0x100;
    private const int InoOffset = 32, DevMajorOffset = 136, DevMinorOffset = 140;

    public static bool StillNames(string path, FileStream file)
    {
        if (OperatingSystem.IsLinux())
        {
            byte* ofPath = stackalloc byte[UnixFileNative.StatxSize];
            byte* ofFile = stackalloc byte[UnixFileNative.StatxSize];
            if (UnixFileNative.statx(UnixFileNative.AT_FDCWD, path, 0, StatxIno, ofPath) != 0) return false;
            int fd = (int)file.SafeFileHandle.DangerousGetHandle();
            if (UnixFileNative.statx(fd, "", UnixFileNative.AT_EMPTY_PATH, StatxIno, ofFile) != 0) return false;
            return *(ulong*)(ofPath + InoOffset) == *(ulong*)(ofFile + InoOffset)
                && *(uint*)(ofPath + DevMajorOffset) == *(uint*)(ofFile + DevMajorOffset)
                && *(uint*)(ofPath + DevMinorOffset) == *(uint*)(ofFile + DevMinorOffset);
        }
        var info = new FileInfo(path);
        return info.Exists && info.Length == file.Length;
    }
}
