"""SVG bar charts of a benchmark run, for docs/benchmarks.md: one group of horizontal bars per row
(workload), one bar per server, each number divided by nginx's in the same row.

Standard library only. The SVG is plain shapes and text: no scripts, no external fonts or styles (the
generic sans-serif family), so that GitHub's image proxy and any browser show it the same.
Called by report.py; report.summarize() gives the numbers.
"""
import math
from xml.sax.saxutils import escape, quoteattr

# One colour per server, the same in every chart. PSWebServer's builds are blues (the build under
# test dark, the baseline light), the peers other hues; keys not listed take the fallback palette.
COLOURS = {"psweb": "#1f5fa8", "baseline": "#8fb8e3", "nginx": "#2e8b57", "lighttpd": "#e08a1e", "h2o": "#8e5bb5"}
FALLBACK = ("#c0504d", "#4d8f8f", "#7f7f7f", "#b5a642", "#d46fa0")
REFERENCE = "nginx"
AXIS_CAP = 3.0  # ratios above this are drawn to the edge and marked, so one outlier does not squash the rest

WIDTH = 900
LEFT = 96        # server names, right-aligned before the bars
RIGHT = 70       # room for the value after the longest bar
BAR = 13
BAR_GAP = 3
GROUP_HEAD = 22  # the row's title above its bars
GROUP_GAP = 12
FONT = "DejaVu Sans, Liberation Sans, Arial, Helvetica, sans-serif"


def colour(key, keys):
    if key in COLOURS:
        return COLOURS[key]
    others = [k for k in keys if k not in COLOURS]
    return FALLBACK[others.index(key) % len(FALLBACK)]


def _nice_max(v):
    """The axis end: the largest ratio rounded up to a step of 0.25 (0.5 above 2), at least 1.25."""
    v = min(max(v, 1.0) * 1.04, AXIS_CAP)
    step = 0.25 if v <= 2 else 0.5
    return max(1.25, math.ceil(v / step) * step), step


def ratios(data, summary, field, client_bound):
    """{(row, server): value ÷ nginx's value in the same row, or None}, plus the marks of each bar
    (* disturbed; † wrk-bound for both, only where client_bound: it matters for req/s, not CPU time)."""
    keys = [v["key"] for v in data["servers"]]
    out, marks = {}, {}
    for r in data["rows"]:
        ref = summary.get((r["key"], REFERENCE), {})
        for k in keys:
            c = summary.get((r["key"], k), {})
            a, b = c.get(field), ref.get(field)
            out[(r["key"], k)] = a / b if a is not None and b else None
            m = ""
            if c.get("disturbed") or ref.get("disturbed"):
                m += "*"
            if client_bound and c.get("client_bound") and ref.get("client_bound"):
                m += "†"
            marks[(r["key"], k)] = m
    return out, marks


def svg(data, summary, field, title, better, client_bound_note=None):
    """One chart as SVG text. field: a key of report.summarize()'s cells; better: 'higher' or 'lower';
    client_bound_note: the footnote for † (bars where wrk was the limit), or None not to mark them."""
    meta, args = data["meta"], data["args"]
    srvs = data["servers"]
    keys = [v["key"] for v in srvs]
    label = {v["key"]: v["label"] for v in srvs}
    ours = [k for k in keys if k in ("psweb", "baseline")]  # report.OURS: PSWebServer's builds
    vals, marks = ratios(data, summary, field, client_bound_note is not None)
    present = [v for v in vals.values() if v is not None]
    top, step = _nice_max(max(present) if present else 1.0)

    # A mark carried by every bar says nothing per bar: it moves to the subtitle instead.
    all_bound = bool(marks) and all("†" in m for m in marks.values())
    if all_bound:
        marks = {k: m.replace("†", "") for k, m in marks.items()}
    any_dagger = any("†" in m for m in marks.values())
    any_star = any("*" in m for m in marks.values())

    plot_x, plot_w = LEFT, WIDTH - LEFT - RIGHT
    x_of = lambda v: plot_x + plot_w * min(v, top) / top  # noqa: E731

    S = []
    w = S.append
    y = 28
    w(_text(16, y, f"{title} · {meta['date']}", size=17, weight="bold"))
    y += 20
    smoke = args["duration"] < 3 or args["rounds"] < 2
    sub = (f"{args['rounds']} round{'s' if args['rounds'] != 1 else ''} of "
           f"{args['duration']} s{', median' if args['rounds'] > 1 else ''} · {meta['pinning']} · "
           f"{meta['cpus']} CPUs ({meta['cpu']})")
    w(_text(16, y, sub, size=12, fill="#444"))
    y += 17
    how = (f"Each bar: the server's number ÷ {REFERENCE}'s in the same row ({REFERENCE} = 1.00, dashed line). "
           + ("Higher is better." if better == "higher" else "Lower is better."))
    w(_text(16, y, how, size=12, fill="#444", weight="bold"))
    if smoke:
        y += 17
        w(_text(16, y, "A smoke run: these numbers check that the benchmark works, they are not a measurement.",
                size=12, fill="#b00020", weight="bold"))
    if all_bound and client_bound_note:
        y += 17
        w(_text(16, y, client_bound_note, size=12, fill="#444"))

    # Legend: one swatch per server, PSWebServer's builds named as such.
    y += 14
    lx = 16
    for k in keys:
        name = label[k] + (" (PSWebServer)" if k in ours else "")
        w(f'<rect x="{lx}" y="{y}" width="14" height="14" fill="{colour(k, keys)}"/>')
        w(_text(lx + 19, y + 11.5, name, size=12))
        lx += 19 + _width(name, 12) + 18
    y += 14 + 30

    plot_top = y
    rows = data["rows"]
    group_h = GROUP_HEAD + len(keys) * (BAR + BAR_GAP) - BAR_GAP + GROUP_GAP
    plot_bottom = plot_top + len(rows) * group_h - GROUP_GAP + 6

    # Grid first, so bars and text lie over it.
    ticks = [i * step for i in range(int(round(top / step)) + 1)]
    for t in ticks:
        gx = x_of(t)
        w(f'<line x1="{gx:.1f}" y1="{plot_top - 4}" x2="{gx:.1f}" y2="{plot_bottom}" stroke="#e3e3e3" stroke-width="1"/>')
        w(_text(gx, plot_bottom + 15, f"{t:.2f}", size=11, fill="#555", anchor="middle"))
    w(f'<line x1="{plot_x}" y1="{plot_top - 4}" x2="{plot_x}" y2="{plot_bottom}" stroke="#888" stroke-width="1"/>')

    gy = plot_top
    values = []  # drawn last, over the reference line
    for r in rows:
        w(_text(16, gy + 14, r["title"], size=13, weight="bold"))
        by = gy + GROUP_HEAD
        for k in keys:
            v, m = vals[(r["key"], k)], marks[(r["key"], k)]
            w(_text(plot_x - 6, by + BAR - 2.5, label[k], size=11, anchor="end",
                    weight="bold" if k in ours else None, fill="#222"))
            if v is None:
                ref = summary.get((r["key"], REFERENCE), {}).get(field)
                why = "not measured" if summary.get((r["key"], k), {}).get(field) is None or ref else \
                    f"no ratio: {REFERENCE} not measured"
                w(_text(plot_x + 4, by + BAR - 2.5, why, size=11, fill="#888", style="italic"))
            else:
                bx = x_of(v)
                w(f'<rect x="{plot_x}" y="{by}" width="{max(bx - plot_x, 1):.1f}" height="{BAR}" '
                  f'fill="{colour(k, keys)}"><title>{escape(label[k] + ", " + r["title"] + f": {v:.2f}")}</title></rect>')
                text = f"{v:.2f}" + (" ›" if v > top else "") + (f" {m}" if m else "")
                # A white box under the number, so it stays readable where the reference line crosses it.
                values.append(f'<rect x="{bx + 2:.1f}" y="{by}" width="{_width(text, 11) + 4:.1f}" height="{BAR}" '
                              'fill="#ffffff" fill-opacity="0.9"/>')
                values.append(_text(bx + 4, by + BAR - 2.5, text, size=11, fill="#111", halo=True))
            by += BAR + BAR_GAP
        gy += group_h

    # The reference line over the bars, labelled at the top.
    rx = x_of(1.0)
    w(f'<line x1="{rx:.1f}" y1="{plot_top - 10}" x2="{rx:.1f}" y2="{plot_bottom}" stroke="#222" '
      f'stroke-width="1.5" stroke-dasharray="5,4"/>')
    w(_text(rx, plot_top - 13, f"{REFERENCE} = 1.00", size=11, fill="#222", anchor="middle", weight="bold"))
    S.extend(values)
    caption = (f"ratio to {REFERENCE}: higher is better →" if better == "higher"
               else f"← better: less CPU per request than {REFERENCE} · ratio to {REFERENCE}")
    w(_text(plot_x + plot_w / 2, plot_bottom + 32, caption, size=12, fill="#333", anchor="middle", weight="bold"))

    y = plot_bottom + 56
    notes = []
    if any(v is not None and v > top for v in vals.values()):
        notes.append(f"› above {top:.2f}: the bar is cut at the edge, the number is the ratio.")
    if any_dagger and client_bound_note:
        notes.append("† " + client_bound_note)
    if any_star:
        notes.append("* measured while other processes used 25 % of a core or more: skewed.")
    notes.append("Numbers and method: the tables in benchmarks.md and bench/README.md.")
    for n in notes:
        w(_text(16, y, n, size=11, fill="#555"))
        y += 15
    height = y + 4

    head = (f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" '
            f'viewBox="0 0 {WIDTH} {height}" font-family={quoteattr(FONT)} role="img">')
    desc = f"<title>{escape(title)}</title><desc>{escape(sub + '. ' + how)}</desc>"
    bg = f'<rect x="0" y="0" width="{WIDTH}" height="{height}" fill="#ffffff"/>'
    return "\n".join([head, desc, bg] + S + ["</svg>"]) + "\n"


def _width(text, size):
    """A rough width of sans-serif text, for laying out the legend (no font metrics without a renderer)."""
    return len(text) * size * 0.58


def _text(x, y, s, size=12, fill="#111", anchor=None, weight=None, style=None, halo=False):
    a = f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" fill="{fill}"'
    if anchor:
        a += f' text-anchor="{anchor}"'
    if weight:
        a += f' font-weight="{weight}"'
    if style:
        a += f' font-style="{style}"'
    if halo:  # a white outline under the glyphs, so a number stays readable where it crosses a line
        a += ' stroke="#ffffff" stroke-width="3" stroke-linejoin="round" paint-order="stroke"'
    return a + ">" + escape(s) + "</text>"
