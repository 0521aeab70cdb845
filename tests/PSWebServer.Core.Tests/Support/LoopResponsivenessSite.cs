using System;
using System.IO;
using System.Runtime.InteropServices;
using System.Text;

namespace PSWebServer.Tests.Support;

/// <summary>
/// The site the loop-responsiveness tests serve, made once per test class (the 50,000-file folder is the slow part):
/// <code>
/// small.txt               1 KiB, the file the measuring client asks for
/// fifo0 … fifo3           named pipes nobody writes to (Linux only)
/// many/                   50,000 empty files, no default document
/// js/app0.js … app3.js    6 MiB of compressible JavaScript each
/// </code>
/// Each test starts its own server, so the JavaScript files are cold (never compressed) for every test.
/// </summary>
public sealed class LoopResponsivenessSite : IDisposable
{
    public const int SmallLength = 1024;
    public const int FifoCount = 4;
    public const int ListingEntries = 50_000;
    public const int ScriptCount = 4;
    public const int ScriptLength = 6 * 1024 * 1024;

    private const int O_WRONLY = 1;
    private const int O_NONBLOCK = 0x800; // the same on x86-64 and arm64 Linux

    private readonly TempFolder _site = new();

    public LoopResponsivenessSite()
    {
        _site.File("small.txt", new string('s', SmallLength));
        FifosSupported = OperatingSystem.IsLinux() && MakeFifos();
        MakeListingFolder();
        MakeScripts();
    }

    public string Root => _site.Path;

    /// <summary>False off Linux: there the FIFO test has nothing to ask for.</summary>
    public bool FifosSupported { get; }

    public static string FifoName(int i) => "fifo" + i;

    public static string ScriptName(int i) => "js/app" + i + ".js";

    /// <summary>
    /// Lets any server thread stuck opening a FIFO go on: opening the write end (non-blocking, so it fails with ENXIO
    /// when no reader waits) completes the readers' open, and closing it gives them end of file.
    /// </summary>
    public void ReleaseFifoReaders()
    {
        if (!FifosSupported) return;
        for (int i = 0; i < FifoCount; i++)
        {
            int fd = open(Path.Combine(Root, FifoName(i)), O_WRONLY | O_NONBLOCK);
            if (fd >= 0) close(fd);
        }
    }

    private bool MakeFifos()
    {
        for (int i = 0; i < FifoCount; i++)
        {
            if (mkfifo(Path.Combine(Root, FifoName(i)), Convert.ToUInt32("644", 8)) != 0) return false;
        }
        return true;
    }

    private void MakeListingFolder()
    {
        string folder = _site.Folder("many");
        // Empty files: a create and a close each, no data written, so 50,000 take about a second.
        for (int i = 0; i < ListingEntries; i++)
        {
            File.OpenHandle(Path.Combine(folder, "entry-" + i.ToString("D5", System.Globalization.CultureInfo.InvariantCulture) + ".txt"),
                FileMode.CreateNew, FileAccess.Write).Dispose();
        }
    }

    private void MakeScripts()
    {
        // Code-like text from a fixed seed: a vocabulary of identifiers in a few statement shapes, with numbers and
        // strings, so it compresses about as well as real bundles do (3 to 4 times) and the compressor does real work;
        // random bytes would be skipped as not worth compressing, and one repeated line would cost the compressor nothing.
        var random = new Random(7);
        var words = new string[600];
        for (int w = 0; w < words.Length; w++)
        {
            var word = new char[random.Next(3, 11)];
            for (int c = 0; c < word.Length; c++) word[c] = (char)('a' + random.Next(26));
            words[w] = new string(word);
        }
        string Word() => words[random.Next(words.Length)];
        var text = new StringBuilder(ScriptLength + 256);
        while (text.Length < ScriptLength)
        {
            switch (random.Next(5))
            {
                case 0:
                    text.Append("export function ").Append(Word()).Append('(').Append(Word()).Append(", ").Append(Word()).Append(") {\n");
                    break;
                case 1:
                    text.Append("  const ").Append(Word()).Append(" = ").Append(Word()).Append('.').Append(Word()).Append(" ?? ")
                        .Append(random.Next(100_000)).Append(";\n");
                    break;
                case 2:
                    text.Append("  if (").Append(Word()).Append(" === \"").Append(Word()).Append("\") return ").Append(Word()).Append(" * ")
                        .Append(random.Next(1000)).Append(";\n");
                    break;
                case 3:
                    text.Append("  ").Append(Word()).Append('(').Append(Word()).Append(", { ").Append(Word()).Append(": ").Append(Word())
                        .Append(", ").Append(Word()).Append(": ").Append(random.Next(10_000)).Append(" });\n");
                    break;
                default:
                    text.Append("}\n");
                    break;
            }
        }
        text.Length = ScriptLength;
        byte[] bytes = Encoding.ASCII.GetBytes(text.ToString());
        for (int i = 0; i < ScriptCount; i++)
        {
            string full = Path.Combine(Root, ScriptName(i));
            Directory.CreateDirectory(Path.GetDirectoryName(full)!);
            File.WriteAllBytes(full, bytes);
        }
    }

    public void Dispose() => _site.Dispose();

    [DllImport("libc", SetLastError = true)]
    private static extern int mkfifo(string path, uint mode);

    [DllImport("libc", SetLastError = true)]
    private static extern int open(string path, int flags);

    [DllImport("libc", SetLastError = true)]
    private static extern int close(int fd);
}
