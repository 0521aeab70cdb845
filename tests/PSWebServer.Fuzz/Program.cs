using System;
using System.IO;
using PSWebServer.Tests.Support;
using SharpFuzz;

namespace PSWebServer.Fuzz;

/// <summary>
/// AFL++ entry point: "PSWebServer.Fuzz TARGET" runs TARGET under afl-fuzz (input on stdin, SharpFuzz's in-process
/// loop); "PSWebServer.Fuzz TARGET --replay PATH..." runs files or folders through it once each and prints
/// what each did, exit code 1 when any threw (build.ps1 uses it to confirm and describe crashes).
/// </summary>
internal static class Program
{
    private static int Main(string[] args)
    {
        if (args.Length == 0 || Array.IndexOf(FuzzTargets.Names, args[0]) < 0)
        {
            Console.Error.WriteLine($"usage: PSWebServer.Fuzz {{{string.Join("|", FuzzTargets.Names)}}} [--replay PATH...]");
            return 2;
        }
        string target = args[0];
        if (args.Length > 1 && args[1] == "--replay") return Replay(target, args.AsSpan(2));

        // One buffer for the whole run: AFL feeds millions of inputs to this one process.
        var buffer = new MemoryStream();
        Fuzzer.Run(stream =>
        {
            buffer.SetLength(0);
            stream.CopyTo(buffer);
            FuzzTargets.Run(target, buffer.GetBuffer().AsSpan(0, (int)buffer.Length));
        });
        return 0;
    }

    private static int Replay(string target, ReadOnlySpan<string> paths)
    {
        int failed = 0, total = 0;
        foreach (string path in paths)
        {
            string[] files = Directory.Exists(path) ? Directory.GetFiles(path) : new[] { path };
            Array.Sort(files, StringComparer.Ordinal);
            foreach (string file in files)
            {
                total++;
                try
                {
                    FuzzTargets.Run(target, File.ReadAllBytes(file));
                }
                catch (Exception ex)
                {
                    failed++;
                    Console.WriteLine($"CRASH {file}");
                    Console.WriteLine($"      {ex.GetType().FullName}: {ex.Message}");
                    Console.WriteLine(ex.StackTrace);
                }
            }
        }
        Console.WriteLine($"replayed {total} inputs through '{target}': {failed} crashed");
        return failed == 0 ? 0 : 1;
    }
}
