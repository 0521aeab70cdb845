using System;
using System.IO;

namespace PSWebServer.Tests.Support;

/// <summary>
/// A served folder with a secret beside it, and links in and out of it:
/// <code>
/// base/secret.txt              outside the root
/// base/root-evil/x.txt         outside, with a name that starts like the root's
/// base/outside/o.txt           a folder outside
/// base/root/index.html, a.txt, sub/b.txt, sub/index.htm, .hidden.txt, .git/config, sub/.env, evil.com/, empty/
/// base/root/link-out.txt → ../secret.txt, link-out-abs.txt → /…/secret.txt, linkdir-out → ../outside
/// base/root/link-in.txt → a.txt, linkdir-in → sub, link-loop-a ↔ link-loop-b, link-round.txt → ../root/a.txt
/// </code>
/// </summary>
public sealed class SiteFixture : IDisposable
{
    private readonly TempFolder _base = new();

    public SiteFixture()
    {
        Secret = _base.File("secret.txt", "SECRET");
        _base.File("root-evil/x.txt", "EVIL");
        Outside = _base.Folder("outside");
        _base.File("outside/o.txt", "OUTSIDE");
        Root = _base.Folder("root");
        _base.File("root/index.html", "<h1>home</h1>");
        _base.File("root/a.txt", "A");
        _base.File("root/sub/b.txt", "B");
        _base.File("root/sub/index.htm", "<p>sub</p>");
        _base.File("root/.hidden.txt", "HIDDEN");
        _base.File("root/.git/config", "[core]");
        _base.File("root/sub/.env", "KEY=1");
        _base.Folder("root/evil.com");
        _base.Folder("root/empty");
        _base.File("root/a b/c.txt", "C");

        LinksSupported = TryLinks();
    }

    public string Base => _base.Path;
    public string Root { get; }
    public string Secret { get; }
    public string Outside { get; }
    /// <summary>False where the OS or account cannot make symbolic links; link tests then prove nothing and say so.</summary>
    public bool LinksSupported { get; }

    private bool TryLinks()
    {
        try
        {
            File.CreateSymbolicLink(Path.Combine(Root, "link-out.txt"), Path.Combine("..", "secret.txt"));
            File.CreateSymbolicLink(Path.Combine(Root, "link-out-abs.txt"), Secret);
            Directory.CreateSymbolicLink(Path.Combine(Root, "linkdir-out"), Path.Combine("..", "outside"));
            File.CreateSymbolicLink(Path.Combine(Root, "link-in.txt"), "a.txt");
            Directory.CreateSymbolicLink(Path.Combine(Root, "linkdir-in"), "sub");
            File.CreateSymbolicLink(Path.Combine(Root, "link-loop-a"), "link-loop-b");
            File.CreateSymbolicLink(Path.Combine(Root, "link-loop-b"), "link-loop-a");
            File.CreateSymbolicLink(Path.Combine(Root, "link-round.txt"), Path.Combine("..", "root", "a.txt"));
            Directory.CreateDirectory(Path.Combine(Root, "outdoc"));
            File.CreateSymbolicLink(Path.Combine(Root, "outdoc", "index.html"), Secret);
            Directory.CreateSymbolicLink(Path.Combine(Base, "root-link"), Root);
            return true;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or PlatformNotSupportedException)
        {
            return false;
        }
    }

    public void Dispose() => _base.Dispose();
}
