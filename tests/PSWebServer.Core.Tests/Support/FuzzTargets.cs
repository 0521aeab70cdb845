using System;
using System.Collections.Generic;
using System.IO;
using System.Text;
using PSWebServer.Http;
using PSWebServer.StaticFiles;

namespace PSWebServer.Tests.Support;

/// <summary>
/// The fuzz targets: each takes arbitrary bytes, runs one engine unit on them and throws when the unit breaks
/// its contract (an escaping exception or a violated invariant alike). The AFL harness (tests/PSWebServer.Fuzz)
/// compiles this same file, so the xunit suite replays every kept crash and seed through exactly the code the
/// fuzzer ran. Invariants are the units' documented contracts, not today's exact rejection lists, because the
/// parser grows new rejections over time.
/// </summary>
internal static class FuzzTargets
{
    public static readonly string[] Names = { "parser", "percent-decoding", "ranges", "paths", "chunked" };

    // Engine objects are made lazily: under AFL, instrumented engine code must not run before SharpFuzz has
    // set up its coverage map (the static constructor runs when the harness first reads Names).

    /// <summary>Small limits, so the fuzzer reaches every limit with short inputs; the defaults run too.</summary>
    private static readonly Lazy<HttpRequestParser> SmallParser = new(() => new HttpRequestParser(new ServerLimits
    {
        MaxRequestLineBytes = 64,
        MaxHeaderBytes = 256,
        MaxHeaderCount = 6,
    }));

    private static readonly Lazy<HttpRequestParser> DefaultParser = new(() => new HttpRequestParser(new ServerLimits()));

    /// <summary>Http1Connection grows its receive buffer to this much past MaxHeadBytes, then gives up.</summary>
    private const int ConnectionBufferSlack = 1024;

    public static void Run(string target, ReadOnlySpan<byte> input)
    {
        switch (target)
        {
            case "parser": Parser(input); break;
            case "percent-decoding": PercentDecodingTarget(input); break;
            case "ranges": Ranges(input); break;
            case "paths": Paths(input); break;
            case "chunked": Chunked(input); break;
            default: throw new ArgumentException($"Unknown fuzz target '{target}'; known: {string.Join(", ", Names)}.", nameof(target));
        }
    }

    // ---------------------------------------------------------------- parser

    /// <summary>Parses with both limit sets, whole and fed in pieces cut where the input's own hash says.</summary>
    public static void Parser(ReadOnlySpan<byte> input)
    {
        Span<int> cuts = stackalloc int[6];
        int count = CutsFromHash(input, cuts);
        CheckParser(SmallParser.Value, input, cuts.Slice(0, count));
        CheckParser(DefaultParser.Value, input, cuts.Slice(0, count));
    }

    /// <summary>
    /// The parser's contract on one input: a status with a consistent reason and consumed count; a complete head whose
    /// pieces lie inside the bytes consumed and do not depend on the bytes after it; never waiting for more once past
    /// the bound the connection's buffer has; and the same answer whether the bytes come whole or in pieces with one
    /// cursor (the first non-Incomplete answer of a prefix is final: the whole input gets the same status).
    /// </summary>
    public static void CheckParser(HttpRequestParser parser, ReadOnlySpan<byte> input, ReadOnlySpan<int> cuts)
    {
        var whole = new HttpRequestHead();
        var cursor = default(HttpRequestParser.Cursor);
        ParseStatus status = parser.TryParse(input, ref cursor, whole, out int consumed, out RequestRejectionReason reason);
        CheckOutcome(parser, input, status, consumed, reason, whole);

        if (status == ParseStatus.Complete)
        {
            // Pipelining: what follows the head must not change it.
            var alone = new HttpRequestHead();
            var fresh = default(HttpRequestParser.Cursor);
            ParseStatus again = parser.TryParse(input.Slice(0, consumed), ref fresh, alone, out int consumedAlone, out RequestRejectionReason reasonAlone);
            Check(again == ParseStatus.Complete && consumedAlone == consumed && reasonAlone == RequestRejectionReason.None,
                $"the head alone ({consumed} bytes) gave {again}/{reasonAlone}/{consumedAlone}");
            Check(Snapshot(alone).Equals(Snapshot(whole)), "the head alone parsed to other fields than with the bytes after it");
        }

        // Incremental: one head and one cursor, fed growing prefixes.
        var pieces = new HttpRequestHead();
        var incremental = default(HttpRequestParser.Cursor);
        int previous = -1;
        for (int i = 0; i <= cuts.Length; i++)
        {
            int length = i < cuts.Length ? cuts[i] : input.Length;
            if (length <= previous || length > input.Length) continue;
            previous = length;
            ReadOnlySpan<byte> prefix = input.Slice(0, length);
            ParseStatus step = parser.TryParse(prefix, ref incremental, pieces, out int stepConsumed, out RequestRejectionReason stepReason);
            CheckOutcome(parser, prefix, step, stepConsumed, stepReason, pieces);

            // The cursor only saves rescanning: a fresh parse of the same prefix answers the same.
            var freshHead = new HttpRequestHead();
            var freshCursor = default(HttpRequestParser.Cursor);
            ParseStatus freshStatus = parser.TryParse(prefix, ref freshCursor, freshHead, out int freshConsumed, out RequestRejectionReason freshReason);
            Check(freshStatus == step && freshConsumed == stepConsumed && freshReason == stepReason,
                $"prefix of {length} bytes: with a cursor {step}/{stepReason}/{stepConsumed}, fresh {freshStatus}/{freshReason}/{freshConsumed}");
            if (step == ParseStatus.Complete) Check(Snapshot(freshHead).Equals(Snapshot(pieces)), $"prefix of {length} bytes: fields differ with a cursor");

            if (step == ParseStatus.Incomplete) continue;
            // A prefix's verdict is final: more bytes never turn a rejection or a complete head into something else.
            Check(status == step, $"prefix of {length} bytes gave {step}/{stepReason}, the whole input {status}/{reason}");
            if (step == ParseStatus.Complete)
            {
                Check(stepConsumed == consumed, $"prefix of {length} bytes consumed {stepConsumed}, the whole input {consumed}");
                Check(Snapshot(pieces).Equals(Snapshot(whole)), $"prefix of {length} bytes: fields differ from the whole input's");
            }
            else if (length == input.Length)
            {
                Check(stepReason == reason, $"fed in pieces rejected for {stepReason}, whole for {reason}");
            }
            break;
        }
    }

    private static void CheckOutcome(HttpRequestParser parser, ReadOnlySpan<byte> input, ParseStatus status, int consumed, RequestRejectionReason reason, HttpRequestHead head)
    {
        switch (status)
        {
            case ParseStatus.Incomplete:
                Check(consumed == 0 && reason == RequestRejectionReason.None, $"Incomplete with consumed {consumed}, reason {reason}");
                // Waiting for more past this would make the connection's buffer overflow instead of answering 414/431.
                Check(input.Length < parser.MaxHeadBytes + ConnectionBufferSlack,
                    $"Incomplete after {input.Length} bytes, beyond MaxHeadBytes {parser.MaxHeadBytes} + {ConnectionBufferSlack}");
                break;
            case ParseStatus.Rejected:
                Check(reason != RequestRejectionReason.None, "Rejected without a reason");
                Check(consumed == 0, $"Rejected with consumed {consumed}");
                break;
            case ParseStatus.Complete:
                Check(reason == RequestRejectionReason.None, $"Complete with reason {reason}");
                Check(consumed > 0 && consumed <= input.Length, $"Complete with consumed {consumed} of {input.Length}");
                Check(input[consumed - 1] == (byte)'\n', "a complete head does not end in LF");
                Check(consumed < parser.MaxHeadBytes + ConnectionBufferSlack, $"a complete head of {consumed} bytes, beyond the buffer bound");
                CheckHead(input.Slice(0, consumed), head);
                break;
            default:
                throw new FuzzInvariantException($"unknown status {status}");
        }
    }

    private static void CheckHead(ReadOnlySpan<byte> bytes, HttpRequestHead head)
    {
        Check(head.Version is HttpVersion.Http10 or HttpVersion.Http11, $"complete head with version {head.Version}");
        CheckSegment(bytes, head.MethodText, "method", required: true);
        CheckSegment(bytes, head.Target, "target", required: true);
        CheckSegment(bytes, head.Path, "path", required: true);
        foreach (byte b in head.MethodText.Of(bytes)) Check(HttpCharacters.IsTokenChar(b), "the method holds a non-token byte");
        foreach (byte b in head.Target.Of(bytes)) Check(b > 0x20 && b < 0x7F, $"the target holds byte 0x{b:X2}");
        Check(head.Path.Start >= head.Target.Start && head.Path.Start + head.Path.Length <= head.Target.Start + head.Target.Length,
            "the path lies outside the target");
        ReadOnlySpan<byte> method = head.MethodText.Of(bytes);
        HttpMethod expected = method.SequenceEqual("GET"u8) ? HttpMethod.Get
            : method.SequenceEqual("HEAD"u8) ? HttpMethod.Head
            : method.SequenceEqual("OPTIONS"u8) ? HttpMethod.Options
            : HttpMethod.Other;
        Check(head.Method == expected, $"method {head.Method} for '{Encoding.ASCII.GetString(method)}'");
        Check(head.HeaderCount >= 0 && head.ContentLength >= -1, "negative count or length");

        HeaderSegment[] values =
        {
            head.Host, head.Connection, head.UserAgent, head.Referer, head.Range, head.IfNoneMatch, head.IfModifiedSince,
            head.IfMatch, head.IfUnmodifiedSince, head.IfRange, head.Accept, head.AcceptEncoding, head.TransferEncoding,
            head.Expect, head.Origin, head.AccessControlRequestMethod, head.AccessControlRequestHeaders,
        };
        foreach (HeaderSegment value in values)
        {
            CheckSegment(bytes, value, "field value", required: false);
            ReadOnlySpan<byte> text = value.Of(bytes);
            foreach (byte b in text) Check((b >= 0x20 && b != 0x7F) || b == (byte)'\t', $"a field value holds byte 0x{b:X2}");
            if (!text.IsEmpty) Check(text[0] is not ((byte)' ' or (byte)'\t') && text[^1] is not ((byte)' ' or (byte)'\t'), "a field value keeps its surrounding whitespace");
        }
    }

    private static void CheckSegment(ReadOnlySpan<byte> bytes, HeaderSegment segment, string what, bool required)
    {
        if (!segment.IsPresent)
        {
            Check(!required, $"a complete head without its {what}");
            return;
        }
        Check(segment.Length >= 0 && segment.Start + segment.Length <= bytes.Length,
            $"the {what} ({segment.Start}+{segment.Length}) lies outside the {bytes.Length} bytes of the head");
    }

    /// <summary>The fields a handler reads, as one comparable value.</summary>
    private static object Snapshot(HttpRequestHead h) =>
        (h.Method, h.Version, Seg(h.MethodText), Seg(h.Target), Seg(h.Path), h.HeaderCount, h.HostCount,
         (h.ContentLength, h.KeepAlive, Seg(h.Host), Seg(h.Connection), Seg(h.Range), Seg(h.TransferEncoding), Seg(h.UserAgent)));

    private static (int, int) Seg(HeaderSegment s) => (s.Start, s.Length);

    /// <summary>Up to <paramref name="cuts"/>.Length increasing cut points, chosen by the input itself so a crash replays exactly.</summary>
    public static int CutsFromHash(ReadOnlySpan<byte> input, Span<int> cuts)
    {
        if (input.Length < 2) return 0;
        uint hash = 2166136261;
        foreach (byte b in input) hash = (hash ^ b) * 16777619;
        int count = (int)(hash % (uint)(cuts.Length + 1));
        int position = 0;
        for (int i = 0; i < count; i++)
        {
            hash = hash * 1103515245 + 12345;
            int room = input.Length - position - 1;
            if (room <= 0) return i;
            position += 1 + (int)((hash >> 8) % (uint)room);
            cuts[i] = position;
        }
        return count;
    }

    // ---------------------------------------------------------------- chunked bodies

    /// <summary>
    /// Decodes as a chunked body, whole and again in pieces cut where the input's hash says into a small destination:
    /// the two runs must agree on the outcome, the bytes consumed, the reason and the data; data never outgrows the
    /// input, nor the limit; consumed never passes what was given.
    /// </summary>
    public static void Chunked(ReadOnlySpan<byte> input)
    {
        const long Limit = 4096;
        var whole = new ChunkedBodyDecoder(Limit, 256, 4);
        whole.Reset();
        byte[] wholeData = new byte[input.Length];
        ChunkedStatus wholeStatus = whole.Decode(input, wholeData, out int wholeConsumed, out int wholeWritten);
        if (wholeStatus == ChunkedStatus.DestinationFull) throw new FuzzInvariantException("a destination as large as the input was full");
        if (wholeConsumed > input.Length || wholeWritten > wholeConsumed) throw new FuzzInvariantException("consumed or wrote more than given");
        if (whole.DecodedLength > Limit) throw new FuzzInvariantException("decoded past the limit");
        if ((wholeStatus == ChunkedStatus.Rejected) != (whole.Rejection != RequestRejectionReason.None)) throw new FuzzInvariantException("status and reason disagree");

        Span<int> cuts = stackalloc int[6];
        int count = CutsFromHash(input, cuts);
        var pieces = new ChunkedBodyDecoder(Limit, 256, 4);
        pieces.Reset();
        byte[] data = new byte[input.Length];
        int read = 0, written = 0, cut = 0, room = 1 + (input.Length % 7);
        ChunkedStatus status = ChunkedStatus.NeedMoreData;
        int available = count > 0 ? cuts[0] : input.Length;
        for (int guard = 0; guard < 4 * input.Length + 16; guard++)
        {
            int limit = Math.Min(data.Length, written + room);
            status = pieces.Decode(input.Slice(read, available - read), data.AsSpan(written, limit - written), out int consumed, out int produced);
            read += consumed;
            written += produced;
            if (status is ChunkedStatus.Complete or ChunkedStatus.Rejected) break;
            if (status == ChunkedStatus.NeedMoreData)
            {
                if (read != available) throw new FuzzInvariantException("NeedMoreData with input left");
                if (available == input.Length) break;
                cut++;
                available = cut < count ? cuts[cut] : input.Length;
            }
        }
        if (status != wholeStatus) throw new FuzzInvariantException($"whole: {wholeStatus}, in pieces: {status}");
        if (read != wholeConsumed || written != wholeWritten) throw new FuzzInvariantException("the pieces consumed or produced otherwise");
        if (pieces.Rejection != whole.Rejection) throw new FuzzInvariantException($"whole: {whole.Rejection}, in pieces: {pieces.Rejection}");
        if (!data.AsSpan(0, written).SequenceEqual(wholeData.AsSpan(0, wholeWritten))) throw new FuzzInvariantException("the pieces decoded other data");
    }

    // ---------------------------------------------------------------- percent decoding

    /// <summary>
    /// Decode's contract: -1 exactly when a '%' lacks two hex digits after it; otherwise each escape becomes its one
    /// byte and every other byte stays, decoded once (an escaped '%' stays a '%'). Display decoding never throws.
    /// </summary>
    public static void PercentDecodingTarget(ReadOnlySpan<byte> input)
    {
        byte[] destination = new byte[input.Length];
        int length = PercentDecoding.Decode(input, destination);

        bool malformed = false;
        int escapes = 0;
        for (int i = 0; i < input.Length; i++)
        {
            if (input[i] != (byte)'%') continue;
            if (i + 2 >= input.Length || !IsHex(input[i + 1]) || !IsHex(input[i + 2])) { malformed = true; break; }
            escapes++;
            i += 2;
        }
        if (malformed)
        {
            Check(length == -1, $"a malformed escape decoded to {length} bytes");
        }
        else
        {
            Check(length == input.Length - 2 * escapes, $"decoded to {length} bytes, expected {input.Length - 2 * escapes}");
            int o = 0;
            for (int i = 0; i < input.Length; i++, o++)
            {
                byte want = input[i];
                if (want == (byte)'%')
                {
                    want = (byte)(Convert.ToByte(Encoding.ASCII.GetString(input.Slice(i + 1, 2)), 16));
                    i += 2;
                }
                Check(destination[o] == want, $"decoded byte {o} is 0x{destination[o]:X2}, expected 0x{want:X2}");
            }

            // Decoding is an inverse of escaping every byte: so it decodes once and loses nothing.
            byte[] escaped = new byte[length * 3];
            for (int i = 0; i < length; i++)
            {
                escaped[3 * i] = (byte)'%';
                escaped[3 * i + 1] = (byte)"0123456789ABCDEF"[destination[i] >> 4];
                escaped[3 * i + 2] = (byte)"0123456789abcdef"[destination[i] & 0xF];
            }
            byte[] back = new byte[escaped.Length];
            int backLength = PercentDecoding.Decode(escaped, back);
            Check(backLength == length && back.AsSpan(0, backLength).SequenceEqual(destination.AsSpan(0, length)), "escaping then decoding lost bytes");
        }

        string display = PercentDecoding.DecodeForDisplay(input);
        if (input.IndexOf((byte)'%') < 0)
        {
            Check(display == Encoding.Latin1.GetString(input), "display text of a path without escapes is not the path");
        }
        else if (!malformed && IsValidUtf8(destination.AsSpan(0, length)))
        {
            Check(display == Encoding.UTF8.GetString(destination, 0, length), "display text of valid UTF-8 is not its decoding");
        }
        else
        {
            Check(display == Encoding.Latin1.GetString(input), "display text of an undecodable path is not the raw path");
        }
    }

    private static bool IsHex(byte b) => b is >= (byte)'0' and <= (byte)'9' or >= (byte)'a' and <= (byte)'f' or >= (byte)'A' and <= (byte)'F';

    private static bool IsValidUtf8(ReadOnlySpan<byte> bytes) => System.Text.Unicode.Utf8.IsValid(bytes);

    // ---------------------------------------------------------------- ranges

    /// <summary>
    /// Input: byte 0 picks the representation's length, byte 1 the most ranges allowed, the rest is the Range value.
    /// Contract: Satisfiable gives 1..max ranges, each inside [0, length), none overlapping or touching another
    /// (they are merged), so their total never exceeds the length; Unsatisfiable only when the length admits none.
    /// </summary>
    public static void Ranges(ReadOnlySpan<byte> input)
    {
        if (input.Length < 2) return;
        long length = input[0] switch
        {
            0 => 0,
            1 => 1,
            < 128 => input[0] * 7L,
            < 192 => 1_000_000L + input[0],
            < 255 => (1L << 40) + input[0],
            _ => long.MaxValue,
        };
        int maxRanges = 1 + input[1] % 32;
        CheckRanges(input.Slice(2), length, maxRanges);
    }

    public static void CheckRanges(ReadOnlySpan<byte> header, long length, int maxRanges)
    {
        RangeOutcome outcome = ByteRange.Parse(header, length, maxRanges, out List<ByteRange> ranges);
        Check(ranges != null, "no list");
        switch (outcome)
        {
            case RangeOutcome.Satisfiable:
                Check(ranges!.Count >= 1 && ranges.Count <= maxRanges, $"{ranges.Count} ranges with at most {maxRanges} allowed");
                long total = 0;
                foreach (ByteRange r in ranges)
                {
                    Check(r.Start >= 0 && r.Start <= r.End && r.End < length, $"range {r.Start}-{r.End} outside [0, {length})");
                    total += r.Length;
                }
                Check(total <= length, $"ranges total {total} bytes of a {length}-byte representation");
                var sorted = new List<ByteRange>(ranges);
                sorted.Sort((a, b) => a.Start.CompareTo(b.Start));
                for (int i = 1; i < sorted.Count; i++)
                {
                    Check(sorted[i].Start > sorted[i - 1].End + 1, $"ranges {sorted[i - 1].Start}-{sorted[i - 1].End} and {sorted[i].Start}-{sorted[i].End} were not merged");
                }
                break;
            case RangeOutcome.Unsatisfiable:
            case RangeOutcome.Ignore:
                break;
            default:
                throw new FuzzInvariantException($"unknown outcome {outcome}");
        }
    }

    // ---------------------------------------------------------------- paths

    private static readonly Lazy<(string Root, PathResolver Resolver)> PathFixture = new(CreatePathFixture);

    /// <summary>
    /// Resolves the input as a request path against a fixed root that holds files, a folder, hidden names and links
    /// out of the root. Contract: whatever the path, a File, Folder or redirect lies inside the root (links followed)
    /// and, hidden names not served, passes through no name starting with '.'.
    /// </summary>
    public static void Paths(ReadOnlySpan<byte> input)
    {
        (string root, PathResolver resolver) = PathFixture.Value;
        ResolvedPath resolved = resolver.Resolve(input);
        switch (resolved.Kind)
        {
            case ResolutionKind.File:
            case ResolutionKind.Folder:
            case ResolutionKind.RedirectToFolder:
                string full = resolved.FullPath;
                Check(full.Length > 0, $"{resolved.Kind} without a path");
                string? real = RealPath.Of(full);
                string? realRoot = RealPath.Of(root);
                Check(real != null && realRoot != null && RealPath.IsWithin(real, realRoot), $"{resolved.Kind} '{full}' lies outside the root");
                string relative = Path.GetRelativePath(root, full);
                Check(!relative.StartsWith("..", StringComparison.Ordinal) && !Path.IsPathRooted(relative), $"'{full}' is not under '{root}'");
                if (relative != ".")
                {
                    foreach (string name in relative.Split(Path.DirectorySeparatorChar))
                    {
                        Check(!name.StartsWith('.'), $"'{full}' passes through the hidden name '{name}'");
                    }
                }
                if (resolved.Kind == ResolutionKind.File) Check(File.Exists(full), $"File '{full}' does not exist");
                else Check(Directory.Exists(full), $"{resolved.Kind} '{full}' is not a folder");
                if (resolved.Kind == ResolutionKind.RedirectToFolder)
                {
                    Check(resolved.Location.StartsWith('/') && !resolved.Location.StartsWith("//", StringComparison.Ordinal),
                        $"redirect to '{resolved.Location}' could leave the site");
                }
                break;
            case ResolutionKind.NotFound:
            case ResolutionKind.BadRequest:
                break;
            default:
                throw new FuzzInvariantException($"unknown kind {resolved.Kind}");
        }
    }

    private static (string, PathResolver) CreatePathFixture()
    {
        // One fixed folder per user, rebuilt idempotently: the fuzzer runs this millions of times in one process.
        string root = Path.Combine(Path.GetTempPath(), $"pswebserver-fuzz-root-{Environment.UserName}", "site");
        string outside = Path.Combine(Path.GetDirectoryName(root)!, "outside");
        Directory.CreateDirectory(Path.Combine(root, "sub", "deeper"));
        Directory.CreateDirectory(Path.Combine(root, ".hidden"));
        Directory.CreateDirectory(Path.Combine(root, "sub", ".git"));
        Directory.CreateDirectory(outside);
        WriteIfMissing(Path.Combine(root, "index.html"), "<p>index</p>");
        WriteIfMissing(Path.Combine(root, "a.txt"), "a");
        WriteIfMissing(Path.Combine(root, "sp ace é.txt"), "unicode");
        WriteIfMissing(Path.Combine(root, "sub", "b.txt"), "b");
        WriteIfMissing(Path.Combine(root, "sub", "deeper", "c.txt"), "c");
        WriteIfMissing(Path.Combine(root, ".hidden", "secret.txt"), "secret");
        WriteIfMissing(Path.Combine(root, "sub", ".git", "config"), "secret");
        WriteIfMissing(Path.Combine(root, ".env"), "secret");
        WriteIfMissing(Path.Combine(outside, "secret.txt"), "secret");
        LinkIfMissing(Path.Combine(root, "out-file"), Path.Combine(outside, "secret.txt"), directory: false);
        LinkIfMissing(Path.Combine(root, "out-dir"), outside, directory: true);
        LinkIfMissing(Path.Combine(root, "sub", "up"), "..", directory: true);
        LinkIfMissing(Path.Combine(root, "in-link.txt"), Path.Combine(root, "a.txt"), directory: false);
        return (root, new PathResolver(root, new[] { "index.html" }, serveHidden: false));
    }

    private static void WriteIfMissing(string path, string content)
    {
        if (!File.Exists(path)) File.WriteAllText(path, content);
    }

    private static void LinkIfMissing(string path, string target, bool directory)
    {
        if (new FileInfo(path).LinkTarget != null) return;
        try
        {
            if (directory) Directory.CreateSymbolicLink(path, target);
            else File.CreateSymbolicLink(path, target);
        }
        catch (IOException) { } // no links on this file system (or no right to make them): the target runs without them
        catch (UnauthorizedAccessException) { }
    }

    // ---------------------------------------------------------------- shared

    private static void Check(bool condition, string message)
    {
        if (!condition) throw new FuzzInvariantException(message);
    }
}
