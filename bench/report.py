#!/usr/bin/python3
"""Turns bench.py's results.json into docs/benchmarks.md and its two charts beside it
(benchmarks-throughput.svg, benchmarks-cpu.svg; drawn by chart.py).

Also runs alone, to rewrite a report from a past run:
    python3 bench/report.py bench/results/<run>/results.json --out docs/benchmarks.md   # the report and its charts
    python3 bench/report.py bench/results/<run>/results.json                            # the Markdown only, to stdout
"""
import json
import os
import statistics
import sys

sys.dont_write_bytecode = True  # no __pycache__ in bench/
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import chart  # noqa: E402

OURS = ("psweb", "baseline")  # the PSWebServer builds; every other server is a peer
CLIENT_BOUND = 90  # wrk above this % of its core: the client may be the limit
OTHER_LOAD = 25    # other processes above this % of a core during a run: the numbers are skewed


def summarize(data):
    """Per row and server: the median of each number over the rounds, errors summed, notes."""
    rows = {r["key"]: r for r in data["rows"]}
    out = {}
    for key, runs in data["runs"].items():
        row_key, srv = key.split("|")
        row, ok = rows[row_key], [m for m in runs if "rps" in m]
        notes = list(data["notes"].get(key, []))
        notes += [f"wrk failed: {m['failed']}" for m in runs if "failed" in m]
        if any(not m["alive"] for m in runs):
            notes.append("SERVER EXITED")
        s = {"rounds": len(ok), "notes": notes}
        if ok:
            for f in ("rps", "mbps", "p99_us", "cpu_us_per_req", "server_core_pct", "wrk_core_pct"):
                vals = [m[f] for m in ok if m.get(f) is not None]
                s[f] = statistics.median(vals) if vals else None
                if f in ("rps", "cpu_us_per_req"):
                    # how far the rounds lay apart ((max - min) / median): a ratio to a peer smaller than this, of the
                    # same or the peer's, is inside the machine's noise
                    s[f + "_spread"] = (max(vals) - min(vals)) / s[f] * 100 if len(vals) > 1 and s[f] else None
            # server + client CPU per request: on loopback the kernel's TCP work for a transfer runs on whichever side
            # drives it (a server that queues megabytes leaves the sending to the client's ACKs, on the client's
            # core), so this is the one CPU figure that side cannot move around
            both = [(m["server_core_pct"] + m["wrk_core_pct"]) * 1e4 / m["rps"] for m in ok
                    if m.get("server_core_pct") is not None and m.get("wrk_core_pct") is not None and m["rps"]]
            s["both_cpu_us_per_req"] = statistics.median(both) if both else None
            s["errors"] = sum(m["errors"] for m in ok)
            s["other_core_pct"] = max(m["other_core_pct"] for m in ok)
            s["client_bound"] = (s["wrk_core_pct"] or 0) >= CLIENT_BOUND
            s["disturbed"] = s["other_core_pct"] >= OTHER_LOAD
            if s["errors"]:
                notes.append("statuses " + " / ".join(m["statuses"] for m in ok))
            if row["size"] and not row["count"]:
                short = [m["bytes"] / m["requests"] for m in ok if m["requests"] and m["bytes"] / m["requests"] < row["size"]]
                if short:
                    notes.append(f"only {min(short):.0f} bytes read per response, the file is {row['size']}")
            if s["client_bound"]:
                notes.append(f"wrk at {s['wrk_core_pct']:.0f} % of its core †")
            if s["disturbed"]:
                notes.append(f"other load up to {s['other_core_pct']:.0f} % of a core *")
        out[(row_key, srv)] = s
    return out


def _int(v):
    return "–" if v is None else f"{v:,.0f}"


def _mbps(v):
    return "–" if v is None else (f"{v:,.0f}" if v >= 100 else f"{v:.1f}")


def _ms(us):
    return "–" if us is None else (f"{us / 1000:.0f} ms" if us >= 100000 else f"{us / 1000:.2f} ms")


def _us(v):
    return "–" if v is None else (f"{v:.2f}" if v < 10 else f"{v:.1f}")


def _spread(c):
    a, b = c.get("rps_spread"), c.get("cpu_us_per_req_spread")
    return "–" if a is None or b is None else f"{a:.0f} %, {b:.0f} %"


def _ratio(a, b):
    return "–" if a is None or not b else f"{a / b:.2f}"


def _marks(*cells):
    m = ""
    if any(c.get("disturbed") for c in cells):
        m += " \\*"
    if cells and all(c.get("client_bound") for c in cells):
        m += " †"
    return m


CLIENT_BOUND_NOTE = (f"wrk was above {CLIENT_BOUND} % of its core for the server and nginx: the client may set "
                     "both req/s figures, so compare the CPU time per request instead.")
CHARTS = (("throughput", "rps", "higher", "Requests per second ÷ nginx"),
          ("cpu", "cpu_us_per_req", "lower", "Server CPU µs per request ÷ nginx, lower is better"))


def chart_names(md_path):
    """The charts' file names beside the report: docs/benchmarks.md -> benchmarks-throughput.svg, ..."""
    stem = os.path.splitext(os.path.basename(md_path))[0]
    return {name: f"{stem}-{name}.svg" for name, *_ in CHARTS}


def charts(data):
    """{chart name: SVG text} for the run."""
    s = summarize(data)
    # † (wrk was the limit) marks the req/s chart only: CPU time per request is the number to read then.
    return {name: chart.svg(data, s, field, title, better, CLIENT_BOUND_NOTE if field == "rps" else None)
            for name, field, better, title in CHARTS}


def has_charts(data):
    return any(v["key"] == chart.REFERENCE for v in data["servers"])


def write(data, md_path):
    """Writes the report to md_path and its charts beside it; returns the Markdown.
    The charts are ratios to nginx: a run without nginx gets none."""
    names = chart_names(md_path) if has_charts(data) else {}
    text = markdown(data, names)
    folder = os.path.dirname(os.path.abspath(md_path))
    os.makedirs(folder, exist_ok=True)
    for name, svg in (charts(data) if names else {}).items():
        with open(os.path.join(folder, names[name]), "w", encoding="utf-8") as f:
            f.write(svg)
    kept = kept_part(md_path)
    with open(md_path, "w", encoding="utf-8") as f:
        f.write(text + (("\n" + kept) if kept else ""))
    return text


# Everything from this line on in an existing report is hand-written (the soak, the unpinned check, the notes on
# scaling): a new run rewrites what is above it and keeps it.
KEEP_MARKER = "<!-- report.py keeps everything from this line on: hand-written sections -->"


def kept_part(md_path):
    try:
        with open(md_path, encoding="utf-8") as f:
            old = f.read()
    except OSError:
        return ""
    at = old.find(KEEP_MARKER)
    return old[at:] if at >= 0 else ""


def markdown(data, chart_files=None):
    """The report. chart_files: {chart name: file name relative to the report} to link the charts, or None."""
    meta, rows, srvs = data["meta"], data["rows"], data["servers"]
    s = summarize(data)
    keys = [v["key"] for v in srvs]
    label = {v["key"]: v["label"] for v in srvs}
    peers = [k for k in keys if k not in OURS]
    ours = [k for k in keys if k in OURS]
    a = data["args"]
    L = []
    w = L.append
    w("# Benchmarks\n")
    if a["duration"] < 3 or a["rounds"] < 2:
        w(f"**A smoke run ({a['rounds']} round of {a['duration']} s): these numbers check that the benchmark "
          "works, they are not a measurement.**\n")
    if meta.get("unpinned"):
        w("Written by `bench/bench.py --unpinned` (method: [bench/README.md](../bench/README.md)). All servers run at once, "
          "**unpinned: each may use every core, and wrk shares those cores with it** (the client takes CPU from the server, "
          "so req/s is lower than a machine with a separate client would give); rows and servers are interleaved, round by round.\n")
    else:
        w("Written by `bench/bench.py` (method: [bench/README.md](../bench/README.md)). All servers run at once, "
          "each pinned to the same core, wrk on another; rows and servers are interleaved, round by round.\n")
    w(f"- Date: {meta['date']}; the run took {meta['run_minutes']:.1f} min")
    w(f"- Machine: {meta['cpus']} CPUs ({meta['cpu']}), {meta['mem_gib']} GiB, kernel {meta['kernel']}; "
      f"load average before the run: {' '.join(meta['load'])}")
    w(f"- Pinning: {meta['pinning']}; loopback (127.0.0.1)")
    w(f"- Warm-up: {a['warmup']} s per row and server before round 1 (not measured). Each run: {a['duration']} s measured with "
      f"`wrk -t{meta['cpus'] if meta.get('unpinned') else 1} -c N -d {a['duration']}s --timeout 5s --latency -s bench/status.lua`; "
      + (f"{a['rounds']} rounds, the median of each number is shown" if a['rounds'] > 1 else "1 round")
      + (" (a smoke run: its numbers are not for comparison)" if a["duration"] < 3 or a["rounds"] < 2 else ""))
    h2 = [r for r in rows if r.get("h2")]
    if h2:
        def windows(r):
            bits = r.get("window_bits")
            return f" -w{bits} -W{bits}" if bits else ""
        w("- HTTP/2 rows: " + "; ".join(f"{r['title']}: `h2load -t1 -c{r['conns']} -m{r['streams']}{windows(r)} -D {a['duration']}`"
                                        for r in h2) + " (h2load gives no percentiles: p99 is –)")
    w(f"- Access logs of the peers: {'on, in a file (see each config below)' if a['access_log'] == 'on' else 'off'}; "
      "PSWebServer's request journal is on in every run")
    w(f"- dotnet SDK {meta['dotnet']}; {meta['wrk']}")
    for v in srvs:
        w(f"- {v['label']}: {v['version']}")
    if meta.get("not_up"):
        w(f"- Not measured (did not start or did not answer within 90 s; its output is in the run log): {', '.join(meta['not_up'])}")
    w("")

    def summary(title, field, lower_better, intro, chart_name):
        w(f"## {title}\n")
        w(intro + "\n")
        if chart_files and chart_name in chart_files:
            alt = f"{title}, each server ÷ nginx, per row" + (" (lower is better)" if lower_better else "")
            w(f"![{alt}]({chart_files[chart_name]})\n")
        head = ["Row"] + [label[k] for k in keys] + ["best peer"]
        if ours:
            head += [f"{label[ours[0]]} ÷ best"] + [f"{label[k]} ÷ nginx" for k in ours if "nginx" in keys]
        w("| " + " | ".join(head) + " |")
        w("| --- |" + " ---: |" * len(keys) + " --- |" + " ---: |" * (len(head) - len(keys) - 2))
        fmt = _us if field == "cpu_us_per_req" else _int
        for r in rows:
            c = {k: s.get((r["key"], k), {}) for k in keys}
            vals = {k: c[k].get(field) for k in peers if c[k].get(field) is not None}
            best = (min if lower_better else max)(vals, key=vals.get) if vals else None
            line = [r["title"]] + [fmt(c[k].get(field)) for k in keys] + [label[best] if best else "–"]
            if ours:
                o = c[ours[0]]
                line.append(_ratio(o.get(field), vals.get(best)) + (_marks(o, c[best]) if best else ""))
                if "nginx" in keys:
                    line += [_ratio(c[k].get(field), c["nginx"].get(field)) + _marks(c[k], c["nginx"]) for k in ours]
            w("| " + " | ".join(line) + " |")
        w("")

    summary("Requests per second", "rps", False,
            "Higher is better. A ratio above 1.00 means more requests per second than the other server.", "throughput")
    summary("Server CPU time per request (µs)", "cpu_us_per_req", True,
            "Lower is better: the server's user + system CPU time over the measured interval, divided by the "
            "requests wrk completed in it. A ratio below 1.00 means less CPU per request than the other "
            "server. This tells two fast servers apart where wrk, not the server, sets the req/s.", "cpu")
    w("\\* a run of one of the two was measured while other processes used "
      f"{OTHER_LOAD} % of a core or more: skewed. † wrk was above {CLIENT_BOUND} % of its core for both: "
      "the client may set both req/s figures, so compare the CPU time per request instead.\n")

    w("## All numbers\n")
    w("MB/s: 10^6 bytes per second read by wrk, headers included. p99: wrk's 99th-percentile latency. "
      "Errors: socket errors (connect, read, write, timeout) plus responses whose status is not the row's "
      "(200, 404 or 304), summed over the rounds; on the 64 KiB and 10 MiB rows wrk does not count statuses "
      "(that would make wrk the limit), so there only statuses of 400 and above count, and a body shorter "
      "than the file is noted. Server core: the server's CPU time over the interval in % of one core "
      "(about 100 % = its core was saturated). wrk core: the same for wrk. Server + wrk µs/req: both processes' "
      "CPU time per request. On loopback the kernel's TCP work for a response runs on whichever side drives it, so "
      "a server that leaves megabytes queued in its socket has the client's core send them (on its ACKs) and looks "
      "cheap per request while the client slows; this sum is the figure neither side can shift. Spread: how far the "
      "rounds lay apart, (max − min) ÷ median, for req/s and for CPU per request; a difference to a peer smaller "
      "than both servers' spread is inside this machine's noise.\n")
    w("| Row | Server | req/s | MB/s | p99 | Errors | CPU µs/req | Server core | wrk core | Server + wrk µs/req "
      "| req/s ÷ nginx | CPU/req ÷ nginx | Spread (req/s, CPU) | Note |")
    w("| --- | --- |" + " ---: |" * 11 + " --- |")
    for r in rows:
        n = s.get((r["key"], "nginx"), {})
        for k in keys:
            c = s.get((r["key"], k), {"notes": ["not measured"]})
            pct = lambda v: "–" if v is None else f"{v:.0f} %"  # noqa: E731
            w(f"| {r['title']} | {label[k]} | {_int(c.get('rps'))} | {_mbps(c.get('mbps'))} | {_ms(c.get('p99_us'))} "
              f"| {c.get('errors', '–')} | {_us(c.get('cpu_us_per_req'))} | {pct(c.get('server_core_pct'))} "
              f"| {pct(c.get('wrk_core_pct'))} | {_us(c.get('both_cpu_us_per_req'))} | {_ratio(c.get('rps'), n.get('rps'))} "
              f"| {_ratio(c.get('cpu_us_per_req'), n.get('cpu_us_per_req'))} | {_spread(c)} | {'; '.join(c['notes'])} |")
    w("")

    w("## Servers\n")
    w("RSS: resident memory of the processes that hold the listening socket (nginx: master + worker; "
      "PSWebServer: the pwsh process, without the `dotnet pwsh` launchers above it, which are idle), "
      "right after start and at the end of the run. Server CPU time counts every process of the server's "
      "tree (for PSWebServer the launchers too).\n")
    for v in srvs:
        k = v["key"]
        w(f"### {v['label']}\n")
        runs = [m for key, ms in data["runs"].items() if key.endswith("|" + k) for m in ms if m.get("requests")]
        logged = sum(m["log_bytes"] for m in runs) / max(1, sum(m["requests"] for m in runs))
        w(f"{v['version']}. Port {v['port']}, {v['processes']} process{'es' if v['processes'] != 1 else ''}; RSS "
          f"{meta['rss_start_mib'].get(k, 0):.0f} MiB after start, {meta['rss_end_mib'].get(k, 0):.0f} MiB at the end"
          + (f"; access log: {logged:.0f} bytes per request measured" if k not in OURS else "") + ".\n")
        w("<details><summary>configuration</summary>\n\n```\n" + v["config"].rstrip() + "\n```\n")
        if v.get("object"):
            w("What `Start-StaticServer` returned:\n\n```\n" + v["object"].rstrip() + "\n```\n")
        w("</details>\n")
    w(f"Raw wrk output and results.json of this run: `{data['results_dir']}/` (git-ignored).")
    return "\n".join(L) + "\n"


if __name__ == "__main__":
    argv = sys.argv[1:]
    out = None
    if len(argv) == 3 and argv[1] == "--out":
        out = argv[2]
    elif len(argv) != 1:
        sys.exit("usage: report.py results.json [--out docs/benchmarks.md]  (with --out: writes the report and its charts)")
    with open(argv[0]) as f:
        run = json.load(f)
    if out:
        write(run, out)
        print(f"wrote {out}" + (" and " + ", ".join(chart_names(out).values()) + " beside it" if has_charts(run)
                                else " (no charts: nginx, their reference, was not in the run)"), file=sys.stderr)
    else:
        print(markdown(run), end="")
