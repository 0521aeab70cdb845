using System;
using System.Collections.Generic;
using System.Text;
using CsCheck;
using PSWebServer.Http2;
using PSWebServer.Tests.Support;
using Xunit;

namespace PSWebServer.Tests;

/// <summary>
/// <see cref="HpackDecoder"/> against a plain model of the tables: blocks built from random representations
/// (indexed static and dynamic fields, literals of all three kinds with new or indexed names, plain or Huffman
/// strings, size updates at the start) decode to the model's fields and leave the model's dynamic table, block
/// after block on one decoder, so indexing, eviction and size updates are checked together.
/// </summary>
public sealed class HpackDecoderPropertyTests
{
    private const int Capacity = 400;

    // (kind, pick, name, value, huffman): kind 0 indexed, 1..3 literal with/without/never indexing with a new name,
    // 4..6 the same with an indexed name, 7 size update (only placed at the start of a block).
    private static readonly Gen<(int Kind, int Pick, string Name, string Value, bool Huffman)> Op =
        Gen.Select(Gen.Int[0, 7], Gen.Int[0, 1000], Gen.OneOf(Gen.String[Gen.Char['a', 'z'], 0, 12], Gen.String[Gen.Char['a', 'z'], 60, 160]),
            Gen.String[Gen.Char[(char)0, (char)255], 0, 80], Gen.Bool);

    [Fact]
    public void Blocks_decode_as_the_model_says()
    {
        Op.Array[1, 12].Array[1, 8].Sample(blocks =>
        {
            var decoder = new HpackDecoder(Capacity, 1 << 20);
            var model = new List<(string N, string V)>();
            int max = Capacity;
            foreach (var ops in blocks)
            {
                var block = new List<byte>();
                var expected = new List<(string, string)>();
                bool first = true;
                foreach (var (kind, pick, name, value, huffman) in ops)
                {
                    int entries = HpackStaticTable.Count + model.Count;
                    if (kind == 7)
                    {
                        if (!first)
                            continue;
                        max = pick % (Capacity + 1);
                        Integer(block, max, 5, 0x20);
                        Evict(model, max);
                        continue;
                    }
                    first = false;
                    if (kind == 0)
                    {
                        int index = 1 + pick % entries;
                        Integer(block, index, 7, 0x80);
                        expected.Add(Lookup(model, index));
                        continue;
                    }
                    bool indexedName = kind >= 4;
                    int form = indexedName ? kind - 3 : kind; // 1 with, 2 without, 3 never
                    var (prefix, flags) = form switch { 1 => (6, 0x40), 2 => (4, 0x00), _ => (4, 0x10) };
                    string fieldName = name;
                    if (indexedName)
                    {
                        int index = 1 + pick % entries;
                        fieldName = Lookup(model, index).Item1;
                        Integer(block, index, prefix, (byte)flags);
                    }
                    else
                    {
                        Integer(block, 0, prefix, (byte)flags);
                        String(block, fieldName, huffman);
                    }
                    String(block, value, !huffman);
                    expected.Add((fieldName, value));
                    if (form == 1)
                    {
                        if (fieldName.Length + value.Length + 32 > max)
                            model.Clear();
                        else
                        {
                            model.Insert(0, (fieldName, value));
                            Evict(model, max);
                        }
                    }
                }
                var sink = new HpackFieldRecorder();
                decoder.Decode(block.ToArray(), sink);
                Assert.Equal(expected, sink.Fields);
                Assert.Equal(model, HpackFieldRecorder.TableOf(decoder));
            }
        }, iter: 1000, threads: 1);
    }

    private static (string, string) Lookup(List<(string N, string V)> model, int index) =>
        index <= HpackStaticTable.Count
            ? (Encoding.Latin1.GetString(HpackStaticTable.GetName(index)), Encoding.Latin1.GetString(HpackStaticTable.GetValue(index)))
            : model[index - HpackStaticTable.Count - 1];

    private static void Evict(List<(string N, string V)> model, int max)
    {
        int total = 0;
        for (int i = 0; i < model.Count; i++)
        {
            total += model[i].N.Length + model[i].V.Length + 32;
            if (total > max)
            {
                model.RemoveRange(i, model.Count - i);
                return;
            }
        }
    }

    private static void Integer(List<byte> block, int value, int prefix, byte flags)
    {
        var buffer = new byte[8];
        int n = HpackEncoder.EncodeInteger(value, prefix, flags, buffer);
        block.AddRange(buffer.AsSpan(0, n).ToArray());
    }

    private static void String(List<byte> block, string s, bool huffman)
    {
        byte[] bytes = Encoding.Latin1.GetBytes(s);
        if (huffman)
        {
            var code = new byte[HpackHuffman.GetEncodedLength(bytes)];
            HpackHuffman.Encode(bytes, code);
            Integer(block, code.Length, 7, 0x80);
            block.AddRange(code);
        }
        else
        {
            Integer(block, bytes.Length, 7, 0x00);
            block.AddRange(bytes);
        }
    }
}
