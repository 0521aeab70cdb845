#!/usr/bin/python3
"""Soak: PSWebServer at full load for minutes, its memory sampled, and a verdict on whether it stays flat.

Two wrk processes run at once for the whole time against one PSWebServer (its request journal on, as always):
1 KiB keep-alive on 64 connections and 10 MiB keep-alive on 4 connections. Every --interval seconds the
script samples the serving pwsh process: RSS, open descriptors and threads (from /proc). The server is pinned
to CPU 0; the two wrk are not pinned (on one core of their own they could not keep the server's core busy).

Verdict: "flat" when the median RSS of the last minute is at most max(8 MiB, 5 %) above the median RSS of the
second minute (the first minute is warm-up: JIT, the file cache, the journal's ring filling, the GC finding its
heap size), the open descriptors at the end are at most 8 more than in the second minute, and wrk saw no errors. The slope of RSS over the second half (MiB per minute) is printed too. Exit status 0 when flat, 1 when not.

  python3 bench/soak.py                       # 5 minutes, a sample every 10 s
  python3 bench/soak.py --minutes 1 --interval 5 --module /path/to/out/PSWebServer

Not part of CI. Standard library only; needs wrk (and taskset). Stops what it started by PID."""
import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.dont_write_bytecode = True
sys.path.insert(0, HERE)
import bench  # noqa: E402
import servers  # noqa: E402


def sample(pid):
    """(RSS MiB, open descriptors, threads) of one process."""
    rss, threads = 0.0, 0
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                rss = int(line.split()[1]) / 1024
            elif line.startswith("Threads:"):
                threads = int(line.split()[1])
    return rss, len(os.listdir(f"/proc/{pid}/fd")), threads


def start_wrk(pin, conns, seconds, url, out_path, count):
    cmd = pin + ["wrk", "-t1", f"-c{conns}", f"-d{seconds}s", "--timeout", "5s", "-s", os.path.join(HERE, "status.lua"), url]
    env = dict(os.environ, BENCH_EXPECT="200", BENCH_COUNT="1" if count else "0")
    return subprocess.Popen(cmd, stdout=open(out_path, "w"), stderr=subprocess.STDOUT, env=env)


def bench_fields(path):
    with open(path) as f:
        for line in f:
            if line.startswith("BENCH "):
                return dict(kv.split("=", 1) for kv in line.split()[1:])
    return None


def slope(points):
    """Least-squares slope of (t seconds, MiB) in MiB per minute."""
    if len(points) < 2:
        return 0.0
    mt = statistics.fmean(t for t, _ in points)
    mv = statistics.fmean(v for _, v in points)
    den = sum((t - mt) ** 2 for t, _ in points)
    return 60 * sum((t - mt) * (v - mv) for t, v in points) / den if den else 0.0


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--minutes", type=float, default=5)
    p.add_argument("--interval", type=float, default=10, help="seconds between samples (default 10)")
    p.add_argument("--module", default=os.path.join(bench.REPO, "out", "PSWebServer"))
    p.add_argument("--port-base", type=int, default=18380)
    a = p.parse_args()
    if not shutil.which("wrk"):
        sys.exit("needs wrk")
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    pinned = (os.cpu_count() or 1) >= 2
    # The server gets CPU 0; the two wrk may use both CPUs, so that together they load the server's core fully
    # (on one core of their own they were the limit: the server used a third of its core).
    server_pin = ["taskset", "-c", "0"] if pinned else []
    client_pin = []
    work = tempfile.mkdtemp(prefix="psweb-soak.")
    site = os.path.join(work, "site")
    bench.make_site(site)
    port = bench.free_ports(a.port_base, 1)[0]
    srv = servers.PSWebServer(work, site, port, server_pin, True, a.module, bench.REPO, "psweb", "PSWebServer")
    srv.start()
    wrks = []
    seconds = int(a.minutes * 60)
    try:
        if not bench.wait_ready(srv):
            sys.exit(f"PSWebServer did not come up:\n{bench._tail(srv.stdout)}")
        srv.ready()
        pid = srv.rss_pids[0]
        base = f"http://127.0.0.1:{port}"
        small_out, big_out = os.path.join(work, "wrk-1k.txt"), os.path.join(work, "wrk-10m.txt")
        wrks = [start_wrk(client_pin, 64, seconds, base + "/1k.html", small_out, True),
                start_wrk(client_pin, 4, seconds, base + "/10m.bin", big_out, False)]
        t0 = time.monotonic()
        cpu0 = srv.cpu_ticks()
        samples = []
        print(f"PSWebServer pid {pid} on port {port}; {a.minutes:g} min of wrk 1 KiB x 64 conns + 10 MiB x 4 conns; "
              f"a sample every {a.interval:g} s", flush=True)
        print(f"{'t (s)':>6} {'RSS MiB':>8} {'fds':>5} {'threads':>7}", flush=True)
        while True:
            t = time.monotonic() - t0
            rss, fds, threads = sample(pid)
            samples.append((t, rss, fds, threads))
            print(f"{t:6.0f} {rss:8.1f} {fds:5d} {threads:7d}", flush=True)
            if t >= seconds or any(w.poll() is not None for w in wrks):
                break
            time.sleep(max(0.0, min(a.interval, seconds - t)))
        for w in wrks:
            try:
                w.wait(timeout=30)
            except subprocess.TimeoutExpired:
                w.kill()
        cpu_s = (srv.cpu_ticks() - cpu0) / servers.CLK_TCK
        small, big = bench_fields(small_out), bench_fields(big_out)
        alive = srv.alive()
    finally:
        for w in wrks:
            if w.poll() is None:
                w.kill()
        servers.stop_all([srv])
        shutil.rmtree(work, ignore_errors=True)

    if not small or not big:
        sys.exit("wrk printed no result")
    requests = int(small["requests"]) + int(big["requests"])
    errors = int(small["errors"]) + int(big["errors"])
    second = [s[1] for s in samples if 60 <= s[0] < 120] or [samples[len(samples) // 3][1]]
    last = [s[1] for s in samples if s[0] >= samples[-1][0] - 60] or [samples[-1][1]]
    start_mib, end_mib = statistics.median(second), statistics.median(last)
    allowed = max(8.0, 0.05 * start_mib)
    half = [(s[0], s[1]) for s in samples if s[0] >= samples[-1][0] / 2]
    # descriptors: the second minute's (the 68 connections open, the 10 MiB files being sent) against the last
    fd_start = statistics.median([s[2] for s in samples if 60 <= s[0] < 120] or [samples[len(samples) // 3][2]])
    fd_end = samples[-1][2]
    flat = end_mib - start_mib <= allowed and fd_end <= fd_start + 8 and errors == 0 and alive
    print(f"\n1 KiB: {int(small['requests']):,} requests, {float(small['rps']):,.0f} req/s, {small['errors']} errors; "
          f"10 MiB: {int(big['requests']):,} requests, {float(big['rps']):,.0f} req/s, {float(big['mbps']):,.0f} MB/s, "
          f"{big['errors']} errors; server CPU {cpu_s:.0f} s ({cpu_s * 1e6 / max(requests, 1):.1f} µs per request)")
    print(f"RSS: min {min(s[1] for s in samples):.1f}, max {max(s[1] for s in samples):.1f} MiB; median of the second "
          f"minute {start_mib:.1f} MiB, of the last minute {end_mib:.1f} MiB ({end_mib - start_mib:+.1f} MiB, allowed "
          f"+{allowed:.1f}); slope over the second half {slope(half):+.2f} MiB/min; open descriptors {fd_start:.0f} in the "
          f"second minute, {fd_end} at the end (min {min(s[2] for s in samples)}, max {max(s[2] for s in samples)}); "
          f"threads {min(s[3] for s in samples)}..{max(s[3] for s in samples)}")
    print("verdict: " + ("memory flat" if flat else "NOT flat" + ("" if alive else " (the server died)")
                         + (f" ({errors} errors)" if errors else "")))
    sys.exit(0 if flat else 1)


if __name__ == "__main__":
    main()
