using System;
using CsCheck;
using PSWebServer.StaticFiles;
using Xunit;

namespace PSWebServer.Tests;

/// <summary>The Windows segment rules are pure, so every case runs on every OS.</summary>
public sealed class WindowsPathRulesTests
{
    [Theory]
    [InlineData("a.txt")]
    [InlineData("index.html")]
    [InlineData("a b")]
    [InlineData(" leading-space.txt")]          // Win32 keeps leading spaces: a different name, not an alias
    [InlineData("a.b.c.txt")]
    [InlineData("a..b")]
    [InlineData("~user")]
    [InlineData("backup~old.txt")]
    [InlineData("x~")]
    [InlineData("~1")]                          // nothing before the '~': not a generated short name
    [InlineData("longername~1.txt")]            // stem of 12: longer than a short name can be
    [InlineData("INDEX~1.HTML")]                // extension of 4: longer than a short name's
    [InlineData("a~1.b.c")]
    [InlineData("caf\u00e9")]
    [InlineData("console")]
    [InlineData("nully.txt")]
    [InlineData("com10")]
    [InlineData("lpt")]
    [InlineData("COM\u2074")]                   // superscript four is no device
    [InlineData("conin")]
    [InlineData("prn-notes.txt")]
    [InlineData("$DATA")]
    [InlineData("a%3a")]                        // still encoded text: the resolver decodes before asking
    [InlineData(".")]
    [InlineData("..")]
    [InlineData(".hidden")]                     // the hidden rule is the resolver's, not Windows'
    public void OrdinaryNames_Pass(string segment)
    {
        Assert.Null(WindowsPathRules.Refusal(segment));
    }

    [Theory]
    [InlineData("a\\b")]
    [InlineData("\\")]
    [InlineData("..\\..")]
    [InlineData("a\0b")]
    [InlineData("...")]
    [InlineData("....")]
    [InlineData(".. ")]
    [InlineData(". ")]
    [InlineData(" ..")]
    [InlineData(" ")]
    [InlineData("   ")]
    [InlineData(". . .")]
    public void SeparatorsAndClimbsInDisguise_AreBadRequest(string segment)
    {
        Assert.Equal(ResolutionKind.BadRequest, WindowsPathRules.Refusal(segment));
    }

    [Theory]
    [InlineData("a.txt.")]
    [InlineData("a.txt ")]
    [InlineData("a.txt. . ")]
    [InlineData("sub.")]
    [InlineData("index.html...")]
    [InlineData(".git.")]
    [InlineData(".git ")]
    public void TrailingDotsAndSpaces_AreNotFound(string segment)
    {
        Assert.Equal(ResolutionKind.NotFound, WindowsPathRules.Refusal(segment));
    }

    [Theory]
    [InlineData("a.txt::$DATA")]
    [InlineData("a.txt::$data")]
    [InlineData("a.txt:stream")]
    [InlineData("a.txt:stream:$DATA")]
    [InlineData("sub::$INDEX_ALLOCATION")]
    [InlineData("sub:$I30:$INDEX_ALLOCATION")]
    [InlineData("C:")]
    [InlineData(":")]
    [InlineData("a:")]
    [InlineData("index.html::$DATA")]
    public void StreamsAndDrives_AreNotFound(string segment)
    {
        Assert.Equal(ResolutionKind.NotFound, WindowsPathRules.Refusal(segment));
    }

    [Theory]
    [InlineData("a?b")]
    [InlineData("*")]
    [InlineData("*.txt")]
    [InlineData("a<b")]
    [InlineData("a>b")]
    [InlineData("a\"b")]
    [InlineData("a|b")]
    [InlineData("a\u0001b")]
    [InlineData("a\tb")]
    [InlineData("\u001f")]
    public void CharactersWindowsForbids_AreNotFound(string segment)
    {
        Assert.Equal(ResolutionKind.NotFound, WindowsPathRules.Refusal(segment));
    }

    [Theory]
    [InlineData("CON")]
    [InlineData("con")]
    [InlineData("Con")]
    [InlineData("PRN")]
    [InlineData("AUX")]
    [InlineData("aux.txt")]
    [InlineData("NUL")]
    [InlineData("nul.tar.gz")]
    [InlineData("nul .txt")]
    [InlineData(" nul.txt")]
    [InlineData("COM1")]
    [InlineData("com9.log")]
    [InlineData("COM0")]
    [InlineData("LPT1")]
    [InlineData("lpt9")]
    [InlineData("LPT0.txt")]
    [InlineData("COM\u00b9")]
    [InlineData("com\u00b2.txt")]
    [InlineData("LPT\u00b3")]
    [InlineData("CONIN$")]
    [InlineData("conin$.txt")]
    [InlineData("CONOUT$")]
    [InlineData("ConOut$.log")]
    public void DeviceNames_AreNotFound(string segment)
    {
        Assert.True(WindowsPathRules.IsDeviceName(segment));
        Assert.Equal(ResolutionKind.NotFound, WindowsPathRules.Refusal(segment));
    }

    [Theory]
    [InlineData("INDEX~1.HTM")]
    [InlineData("index~1.htm")]
    [InlineData("GIT~1")]
    [InlineData("git~1")]
    [InlineData("HIDDEN~1.TXT")]
    [InlineData("PROGRA~1")]
    [InlineData("AB12C~1")]
    [InlineData("DOCUM~12")]
    [InlineData("X~123456")]
    [InlineData("A~1.B")]
    [InlineData("draft~2.txt")]                 // a long name of the same shape: refused too, see IsShortName
    public void ShortNames_AreNotFound(string segment)
    {
        Assert.True(WindowsPathRules.IsShortName(segment));
        Assert.Equal(ResolutionKind.NotFound, WindowsPathRules.Refusal(segment));
    }

    [Theory]
    [InlineData("INDEX~X.HTM")]
    [InlineData("INDEX~.HTM")]
    [InlineData("~1.HTM")]
    [InlineData("VERYLONG~1")]
    [InlineData("GIT~1.")]
    [InlineData("A~1.TOOL")]
    public void NamesShapedAlmostLikeShortNames_AreNotShortNames(string segment)
    {
        Assert.False(WindowsPathRules.IsShortName(segment));
    }

    [Fact]
    public void EmptySegment_Passes()
    {
        Assert.Null(WindowsPathRules.Refusal(""));
    }

    // Properties: what Windows does to a name, applied to generated names, never turns an accepted name into another.

    private const int Iterations = 20_000;

    /// <summary>Names from the characters that matter: device and short-name letters, digits, '~', dots, spaces, ':', '$'.</summary>
    private static readonly Gen<string> Names =
        Gen.Frequency(
            (3, Gen.Char["CONPRAUXLTIabcdefgnoprstux0123456789~.  :$\u00b9\u00b2"].Array[1, 12].Select(chars => new string(chars))),
            (1, Gen.String[1, 12]));

    private static readonly Gen<string> DotsAndSpaces = Gen.Char[". "].Array[1, 4].Select(chars => new string(chars));

    [Fact]
    public void AnyName_GetsOneOfTheThreeAnswers()
    {
        Names.Sample(name =>
        {
            ResolutionKind? refusal = WindowsPathRules.Refusal(name);
            Assert.True(refusal is null or ResolutionKind.NotFound or ResolutionKind.BadRequest, $"{refusal}");
        }, iter: Iterations, threads: 1);
    }

    [Fact]
    public void AcceptedNames_WithDotsOrSpacesAppended_AreRefused()
    {
        // Win32 strips trailing dots and spaces, so "name" + "." would open "name": the longer form must never pass.
        Gen.Select(Names, DotsAndSpaces).Sample((name, tail) =>
        {
            string longer = name + tail;
            if (longer is "." or "..") return; // the dot segments themselves: the resolver's to normalise
            Assert.NotNull(WindowsPathRules.Refusal(longer));
        }, iter: Iterations, threads: 1);
    }

    [Fact]
    public void AnyNameWithAStream_IsRefused()
    {
        Gen.Select(Names, Gen.OneOfConst(":", "::$DATA", ":x", ":$I30:$INDEX_ALLOCATION")).Sample((name, stream) =>
        {
            Assert.NotNull(WindowsPathRules.Refusal(name + stream));
        }, iter: Iterations, threads: 1);
    }

    [Fact]
    public void Answers_DoNotDependOnAsciiCase()
    {
        // NTFS matches names without regard to case, so CON, con and cOn must get one answer, as must GIT~1 and git~1.
        Names.Sample(name =>
        {
            ResolutionKind? refusal = WindowsPathRules.Refusal(name);
            Assert.Equal(refusal, WindowsPathRules.Refusal(AsciiUpper(name)));
            Assert.Equal(refusal, WindowsPathRules.Refusal(AsciiLower(name)));
        }, iter: Iterations, threads: 1);
    }

    [Fact]
    public void DeviceNames_InAnyCaseWithAnyExtension_AreNotFound()
    {
        var devices = new[] { "CON", "PRN", "AUX", "NUL", "COM0", "COM5", "COM9", "LPT1", "LPT9", "COM\u00b9", "LPT\u00b3", "CONIN$", "CONOUT$" };
        Gen.Select(Gen.OneOfConst(devices), Gen.Bool.Array[7], Gen.OneOfConst("", " ", "  "), Gen.OneOfConst("", ".txt", ".tar.gz", ".", ".x y", ".$"))
            .Sample((device, upper, spaces, extension) =>
            {
                char[] chars = device.ToCharArray();
                for (int i = 0; i < chars.Length; i++) chars[i] = upper[i] ? char.ToUpperInvariant(chars[i]) : char.ToLowerInvariant(chars[i]);
                string name = new string(chars) + spaces + extension;

                Assert.Equal(ResolutionKind.NotFound, WindowsPathRules.Refusal(name));
            }, iter: 2_000, threads: 1);
    }

    private static string AsciiUpper(string s) => string.Create(s.Length, s, (span, source) =>
    {
        for (int i = 0; i < span.Length; i++) span[i] = source[i] is >= 'a' and <= 'z' ? (char)(source[i] - 32) : source[i];
    });

    private static string AsciiLower(string s) => string.Create(s.Length, s, (span, source) =>
    {
        for (int i = 0; i < span.Length; i++) span[i] = source[i] is >= 'A' and <= 'Z' ? (char)(source[i] + 32) : source[i];
    });
}
