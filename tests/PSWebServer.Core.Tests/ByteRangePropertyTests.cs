using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using CsCheck;
using PSWebServer.StaticFiles;
using PSWebServer.Tests.Support;
using Xunit;

namespace PSWebServer.Tests;

/// <summary>
/// Properties of <see cref="ByteRange.Parse"/> (RFC 9110 §14.1.2, §14.6). Contract: at most maxRanges ranges, each
/// inside [0, length), overlapping and nearby ones merged (so none overlap or touch and the total never exceeds the
/// length), in the order the client asked; Unsatisfiable when the list is valid but no range overlaps the content;
/// Ignore for anything malformed or over the count. The merge distance is the parser's choice and is not assumed.
/// </summary>
public sealed class ByteRangePropertyTests
{
    /// <summary>One element of a valid range list, with the bytes it asks for (null when it asks for none).</summary>
    private readonly record struct Spec(string Text, long? First, long? Last, bool Suffix);

    private static readonly Gen<long> Number = Gen.Frequency(
        (6, Gen.Long[0, 2_000]),
        (2, Gen.Long[0, 2_000_000]),
        (1, Gen.Long[0, 999_999_999_999_999_999]));

    private static readonly Gen<string> Ows = Gen.OneOfConst("", "", " ", "\t", "  ");

    private static readonly Gen<Spec> Element = Gen.Frequency(
        (4, Gen.Select(Number, Number, Ows, (a, b, w) => { long lo = Math.Min(a, b), hi = Math.Max(a, b); return new Spec($"{w}{lo}-{hi}{w}", lo, hi, false); })),
        (2, Gen.Select(Number, Ows, (a, w) => new Spec($"{w}{a}-", a, null, false))),
        (2, Gen.Select(Number, Ows, (n, w) => new Spec($"{w}-{n}", null, n, true))));

    private static readonly Gen<long> Length = Gen.Frequency(
        (1, Gen.OneOfConst(0L, 1L, 80L, 81L, long.MaxValue, long.MaxValue - 1)),
        (6, Gen.Long[0, 3_000]),
        (2, Gen.Long[0, 5_000_000]),
        (1, Gen.Long[0, long.MaxValue]));

    [Fact]
    public void ArbitraryBytes_KeepTheContract()
    {
        Gen.Byte.Array[0, 200].Sample(bytes => FuzzTargets.Ranges(bytes), iter: 5000, threads: 1);
    }

    [Fact]
    public void RangeShapedText_KeepsTheContract()
    {
        Gen.Select(Gen.OneOfConst("bytes=", "BYTES=", "bytes =", "items=", " bytes=", "bytes=-", "bytes=,"),
                Gen.OneOfConst("0", "1", "-", ",", " ", "9", "99999999999999999999", "9223372036854775807", "x", "\t").Array[0, 30],
                Length, Gen.Int[1, 40])
            .Sample((unit, parts, length, max) => FuzzTargets.CheckRanges(Encoding.ASCII.GetBytes(unit + string.Concat(parts)), length, max),
                iter: 5000, threads: 1);
    }

    [Fact]
    public void ValidRangeLists_GiveTheRangesAsked_MergedAndInOrder()
    {
        Gen.Select(Element.Array[1, 24], Length, Gen.Int[1, 20], Gen.Bool).Sample((elements, length, maxRanges, emptyElements) =>
        {
            string header = "bytes=" + string.Join(emptyElements ? ", ," : ",", elements.Select(e => e.Text));
            RangeOutcome outcome = ByteRange.Parse(Encoding.ASCII.GetBytes(header), length, maxRanges, out List<ByteRange> ranges);
            FuzzTargets.CheckRanges(Encoding.ASCII.GetBytes(header), length, maxRanges);

            if (elements.Length > maxRanges)
            {
                Assert.Equal(RangeOutcome.Ignore, outcome); // more than allowed: the whole, not a 416
                return;
            }
            // What each element asks for, clipped to the content, in the order asked.
            var asked = new List<(long Start, long End, int Index)>();
            for (int i = 0; i < elements.Length; i++)
            {
                Spec e = elements[i];
                if (e.Suffix)
                {
                    if (e.Last!.Value > 0 && length > 0) asked.Add((Math.Max(0, length - e.Last.Value), length - 1, i));
                }
                else if (e.First!.Value < length)
                {
                    asked.Add((e.First.Value, Math.Min(e.Last ?? long.MaxValue, length - 1), i));
                }
            }
            if (asked.Count == 0)
            {
                Assert.Equal(RangeOutcome.Unsatisfiable, outcome);
                return;
            }
            Assert.Equal(RangeOutcome.Satisfiable, outcome);

            // Each range asked lies in exactly one part, and each part spans exactly its members.
            var members = new List<(long Start, long End, int Index)>[ranges.Count];
            for (int p = 0; p < ranges.Count; p++) members[p] = new();
            foreach (var a in asked)
            {
                int[] holders = Enumerable.Range(0, ranges.Count).Where(p => ranges[p].Start <= a.Start && a.End <= ranges[p].End).ToArray();
                Assert.True(holders.Length == 1, $"{a.Start}-{a.End} lies in {holders.Length} parts of {Show(ranges)} ({header}, length {length})");
                members[holders[0]].Add(a);
            }
            for (int p = 0; p < ranges.Count; p++)
            {
                Assert.True(members[p].Count > 0, $"part {ranges[p].Start}-{ranges[p].End} holds nothing asked ({header})");
                Assert.Equal(members[p].Min(m => m.Start), ranges[p].Start);
                Assert.Equal(members[p].Max(m => m.End), ranges[p].End);
            }
            // The parts come in the order their first member was asked (RFC 9110 §14.6 lets a server merge, not reorder at will).
            int[] firstAsked = members.Select(m => m.Min(x => x.Index)).ToArray();
            Assert.True(firstAsked.SequenceEqual(firstAsked.OrderBy(i => i)), $"parts {Show(ranges)} out of the order asked ({header})");
        }, iter: 5000, threads: 1);
    }

    [Fact]
    public void ManyTinyOverlappingRanges_NeverAddUpToMoreThanTheContent()
    {
        Gen.Select(Gen.Long[1, 5_000], Gen.Long[0, 4_999].Array[1, 200]).Sample((length, starts) =>
        {
            string header = "bytes=" + string.Join(",", starts.Select(s => $"{s}-{s + 1}"));
            RangeOutcome outcome = ByteRange.Parse(Encoding.ASCII.GetBytes(header), length, 200, out List<ByteRange> ranges);
            if (outcome == RangeOutcome.Satisfiable) Assert.True(ranges.Sum(r => r.Length) <= length);
            FuzzTargets.CheckRanges(Encoding.ASCII.GetBytes(header), length, 200);
        }, iter: 1000, threads: 1);
    }

    private static string Show(List<ByteRange> ranges) => string.Join(",", ranges.Select(r => $"{r.Start}-{r.End}"));
}
