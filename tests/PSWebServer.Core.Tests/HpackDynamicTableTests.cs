using System.Text;
using CsCheck;
using PSWebServer.Http2;
using Xunit;

namespace PSWebServer.Tests;

/// <summary>
/// <see cref="HpackDynamicTable"/>: sizes of name + value + 32, newest first, eviction of the oldest, size updates,
/// an entry larger than the table emptying it (§4.4), and the ring and its compaction against a plain model.
/// </summary>
public sealed class HpackDynamicTableTests
{
    private static byte[] B(string s) => Encoding.ASCII.GetBytes(s);

    [Fact]
    public void Entries_are_newest_first_and_sized_with_32_octets_each()
    {
        var t = new HpackDynamicTable(4096);
        t.Add(B("a"), B("1"));
        t.Add(B("bb"), B("22"));
        Assert.Equal(2, t.Count);
        Assert.Equal(34 + 36, t.Size);
        Assert.Equal("bb", Encoding.ASCII.GetString(t.GetName(0)));
        Assert.Equal("22", Encoding.ASCII.GetString(t.GetValue(0)));
        Assert.Equal("a", Encoding.ASCII.GetString(t.GetName(1)));
    }

    [Fact]
    public void Oldest_entries_are_evicted_to_fit()
    {
        var t = new HpackDynamicTable(100);
        t.Add(B("a"), B("1"));   // 34
        t.Add(B("b"), B("2"));   // 68
        t.Add(B("c"), B("3"));   // 102 > 100: a goes
        Assert.Equal(2, t.Count);
        Assert.Equal(68, t.Size);
        Assert.Equal("b", Encoding.ASCII.GetString(t.GetName(1)));
    }

    [Fact]
    public void An_entry_larger_than_the_table_empties_it()
    {
        var t = new HpackDynamicTable(64);
        t.Add(B("a"), B("1"));
        t.Add(B("name"), B(new string('v', 40)));
        Assert.Equal(0, t.Count);
        Assert.Equal(0, t.Size);
    }

    [Fact]
    public void Size_update_evicts_and_a_zero_table_holds_nothing()
    {
        var t = new HpackDynamicTable(4096);
        t.Add(B("a"), B("1"));
        t.Add(B("b"), B("2"));
        t.SetMaxSize(40);
        Assert.Equal(1, t.Count);
        Assert.Equal("b", Encoding.ASCII.GetString(t.GetName(0)));
        t.SetMaxSize(0);
        Assert.Equal(0, t.Count);
        t.Add(B("c"), B("3"));
        Assert.Equal(0, t.Count);
        Assert.Throws<System.ArgumentOutOfRangeException>(() => t.SetMaxSize(4097));
    }

    [Fact]
    public void Matches_a_plain_list_under_any_sequence_of_adds_and_size_updates()
    {
        // Small capacity so the ring wraps and the octet buffer compacts many times per run.
        var op = Gen.Select(Gen.Int[0, 9], Gen.String[Gen.Char['a', 'z'], 0, 20], Gen.String[Gen.Char['0', '9'], 0, 60], Gen.Int[0, 200]);
        op.Array[1, 200].Sample(ops =>
        {
            var t = new HpackDynamicTable(200);
            var model = new System.Collections.Generic.List<(string N, string V)>();
            int max = 200;
            foreach (var (kind, name, value, size) in ops)
            {
                if (kind == 0)
                {
                    max = size;
                    t.SetMaxSize(size);
                }
                else
                {
                    t.Add(B(name), B(value));
                    if (name.Length + value.Length + 32 > max)
                        model.Clear();
                    else
                        model.Insert(0, (name, value));
                }
                int total = 0;
                int keep = 0;
                foreach (var e in model)
                {
                    if (total + e.N.Length + e.V.Length + 32 > max)
                        break;
                    total += e.N.Length + e.V.Length + 32;
                    keep++;
                }
                model.RemoveRange(keep, model.Count - keep);
                Assert.Equal(model.Count, t.Count);
                Assert.Equal(total, t.Size);
                for (int i = 0; i < model.Count; i++)
                {
                    Assert.Equal(model[i].N, Encoding.ASCII.GetString(t.GetName(i)));
                    Assert.Equal(model[i].V, Encoding.ASCII.GetString(t.GetValue(i)));
                }
            }
        }, iter: 500, threads: 1);
    }
}
