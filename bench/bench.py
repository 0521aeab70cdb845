#!/usr/bin/python3
"""PSWebServer beside nginx, lighttpd and h2o: every server up at once, each pinned to the same core,
wrk on another, rounds interleaved. See bench/README.md for the method. Standard library only."""
import argparse
import http.client
import json
import os
import platform
import re
import resource
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
sys.dont_write_bytecode = True  # no __pycache__ in bench/
sys.path.insert(0, HERE)
import report  # noqa: E402
import servers  # noqa: E402


class Row:
    def __init__(self, key, title, path, conns, expect, size, headers=(), count=True, reval=False, tls=False,
                 h2=None, paths=None, streams=1, window_bits=None):
        self.key, self.title, self.path, self.conns = key, title, path, conns
        # tls: over HTTPS, against the servers that have a TLS listener (PSWebServer and nginx, same certificate)
        self.tls = tls
        # h2: "h2" (TLS, ALPN) or "h2c" (cleartext, prior knowledge), measured with h2load instead of wrk, against
        # the servers that speak it; paths: the URLs h2load cycles through; streams: concurrent streams per connection
        self.h2, self.paths, self.streams = h2, list(paths or [path]), streams
        # window_bits: h2load's stream and connection windows, 2^bits - 1 (its default is 1 GiB; 16 is the 64 KiB
        # Python's h2 opens with, and .NET's HttpClient each stream before it grows the window): the server then
        # waits for a WINDOW_UPDATE about every 32 KiB
        self.window_bits = window_bits
        self.expect, self.size, self.headers = expect, size, list(headers)
        # count=False: wrk gets no response() hook, which would copy every body into Lua and make
        # wrk, not the server, the limit on large bodies; statuses are then not counted.
        self.count, self.reval = count, reval


ROWS = [
    Row("ka1k", "1 KiB, keep-alive, 64 conns", "/1k.html", 64, 200, 1024),
    Row("close1k", "1 KiB, Connection: close, 64 conns", "/1k.html", 64, 200, 1024, ["Connection: close"]),
    Row("ka64k", "64 KiB, keep-alive, 64 conns", "/64k.bin", 64, 200, 65536, count=False),
    Row("big10m", "10 MiB, keep-alive, 8 conns", "/10m.bin", 8, 200, 10485760, count=False),
    Row("notfound", "404, keep-alive, 64 conns", "/no-such-file.html", 64, 404, 0),
    Row("conn1000", "1 KiB, keep-alive, 1,000 conns", "/1k.html", 1000, 200, 1024),
    Row("reval304", "304 revalidation, 64 conns", "/1k.html", 64, 304, 0, reval=True),
    Row("tls1k", "HTTPS 1 KiB, keep-alive, 64 conns", "/1k.html", 64, 200, 1024, tls=True),
    Row("tlsnew1k", "HTTPS 1 KiB, a new TLS connection per request, 64 conns", "/1k.html", 64, 200, 1024,
        ["Connection: close"], tls=True),
    Row("tls10m", "HTTPS 10 MiB, keep-alive, 8 conns", "/10m.bin", 8, 200, 10485760, count=False, tls=True),
]

# ~20 small files of a page (0.5 to 8 KiB), for the HTTP/2 rows: many streams over few connections
H2_FILES = [f"/h2/s{i:02}.{('css', 'js', 'svg', 'json')[i % 4]}" for i in range(20)]
ROWS += [
    Row("h2small", "h2 (TLS) 20 small files, 4 conns x 32 streams", H2_FILES[0], 4, 200, 0, h2="h2",
        paths=H2_FILES, streams=32),
    Row("h2big", "h2 (TLS) 10 MiB, 8 conns", "/10m.bin", 8, 200, 10485760, h2="h2"),
    Row("h2big64k", "h2 (TLS) 10 MiB, 64 KiB client windows, 8 conns", "/10m.bin", 8, 200, 10485760, h2="h2",
        window_bits=16),
    Row("h2csmall", "h2c (prior knowledge) 20 small files, 4 conns x 32 streams", H2_FILES[0], 4, 200, 0, h2="h2c",
        paths=H2_FILES, streams=32),
]


def log(msg):
    print(f"[bench {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def parse_args():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--duration", type=int, default=3, help="measured seconds per run (default 3)")
    p.add_argument("--warmup", type=int, default=1, help="unmeasured seconds per row and server, once before round 1 (default 1)")
    p.add_argument("--rounds", type=int, default=3, help="rounds; the median is reported (default 3)")
    p.add_argument("--quick", action="store_true", help="smoke run: 1 round of 1 s, no warm-up pass")
    p.add_argument("--module", default=os.path.join(REPO, "out", "PSWebServer"),
                   help="the out/PSWebServer folder under test (default: this repository's)")
    p.add_argument("--baseline", help="a second out/PSWebServer folder, measured beside it ('before')")
    p.add_argument("--label", default="PSWebServer", help="label of the build under test")
    p.add_argument("--baseline-label", default="baseline", help="label of the --baseline build")
    p.add_argument("--servers", default="psweb,nginx,lighttpd,h2o", help="comma list (default: all)")
    p.add_argument("--rows", "--workloads", dest="rows", default=",".join(r.key for r in ROWS), help="comma list of rows (default: all)")
    p.add_argument("--access-log", choices=["on", "off"], default="on",
                   help="peers write an access log (default on; PSWebServer's journal is always on)")
    p.add_argument("--unpinned", action="store_true",
                   help="no pinning: servers and wrk share every core; nginx 2 workers (reuseport), h2o 2 threads, wrk -t2")
    p.add_argument("--server-cpu", type=int, default=0)
    p.add_argument("--client-cpu", type=int, default=1)
    p.add_argument("--port-base", type=int, default=18080, help="ports are taken from N..N+19")
    p.add_argument("--wait-quiet", type=float, default=0,
                   help="before each run wait up to N s until other processes use < 25 %% of a core")
    p.add_argument("--out", default=os.path.join(REPO, "docs", "benchmarks.md"))
    p.add_argument("--no-write", action="store_true", help="print the report only")
    p.add_argument("--build", action="store_true", help="build out/PSWebServer first (default: if missing)")
    a = p.parse_args()
    if a.quick:
        a.duration, a.warmup, a.rounds = 1, 0, 1
    return a


# ---------------------------------------------------------------- setup

def ensure_tools(names):
    need = {"wrk": "wrk", "taskset": "util-linux", "nginx": "nginx", "lighttpd": "lighttpd", "h2o": "h2o",
            "h2load": "nghttp2-client"}
    missing = [need[n] for n in names if not shutil.which(n, path="/usr/sbin:/usr/bin:/sbin:/bin")]
    if not missing:
        return
    if os.geteuid() != 0:
        sys.exit(f"missing {' '.join(missing)}: install them with apt-get")
    log(f"installing {' '.join(missing)}")
    for attempt in range(30):  # another apt may hold the dpkg lock: wait, bounded
        if subprocess.run(["apt-get", "install", "-y", "-q"] + missing, stdout=subprocess.DEVNULL,
                          stderr=subprocess.DEVNULL).returncode == 0:
            return
        if attempt == 0:
            subprocess.run(["apt-get", "update", "-q"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(10)
    sys.exit(f"could not install {' '.join(missing)}")


def build_module(results):
    log("building out/PSWebServer (build.ps1 -Task Build)")
    with open(os.path.join(results, "build.log"), "wb") as out:
        ok = subprocess.run("dotnet tool restore && dotnet pwsh -NoProfile -File ./build.ps1 -Task Build",
                            shell=True, cwd=REPO, stdout=out, stderr=subprocess.STDOUT).returncode == 0
    if not ok:
        sys.exit(f"build failed: see {results}/build.log")


def make_site(site):
    os.makedirs(os.path.join(site, "files"))
    body = b"<!doctype html><title>1k</title><p>" + os.urandom(1024).hex().encode()
    with open(os.path.join(site, "1k.html"), "wb") as f:
        f.write(body[:1019] + b"</p>\n")
    for name, size in (("64k.bin", 65536), ("10m.bin", 10485760)):
        with open(os.path.join(site, name), "wb") as f:
            f.write(os.urandom(size))
    with open(os.path.join(site, "index.html"), "w") as f:
        f.write("<!doctype html><title>bench</title><p>PSWebServer bench site</p>\n")
    for i in range(200):
        with open(os.path.join(site, "files", f"f{i:03}.txt"), "w") as f:
            f.write(f"small file {i}\n")
    os.makedirs(os.path.join(site, "h2"))
    for i, path in enumerate(H2_FILES):
        with open(os.path.join(site, path.lstrip("/")), "wb") as f:
            f.write(os.urandom(256 * (1 + (i * 7) % 16)).hex().encode())  # 0.5 to 8 KiB of text
    for root, dirs, files in os.walk(os.path.dirname(site)):
        os.chmod(root, 0o755)  # nginx workers run as nobody
        for n in files:
            os.chmod(os.path.join(root, n), 0o644)


def free_ports(base, count):
    ports = []
    for port in range(base, base + 20):
        with socket.socket() as s:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the servers do: TIME_WAIT is no owner
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
        ports.append(port)
        if len(ports) == count:
            return ports
    sys.exit(f"fewer than {count} free ports in {base}..{base + 19}")


def make_certificate(work):
    """One ECDSA P-256 certificate and key for every TLS listener (PEM files in the work folder)."""
    cert, key = os.path.join(work, "tls-cert.pem"), os.path.join(work, "tls-key.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                    "-keyout", key, "-out", cert, "-days", "7", "-subj", "/CN=localhost",
                    "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
                    "-addext", "extendedKeyUsage=serverAuth"],
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for path in (cert, key):
        os.chmod(path, 0o644)  # nginx reads them as root before it drops privileges; the folder is private anyway
    return cert, key


TLS_CONTEXT = None  # set in main: verifies against exactly the bench's certificate


def get(port, path, headers=None, timeout=5, tls=False):
    """One request: (status, headers dict with lower-case names, body length)."""
    c = (http.client.HTTPSConnection("127.0.0.1", port, timeout=timeout, context=TLS_CONTEXT) if tls
         else http.client.HTTPConnection("127.0.0.1", port, timeout=timeout))
    try:
        c.request("GET", path, headers=headers or {})
        r = c.getresponse()
        body = r.read()
        return r.status, {k.lower(): v for k, v in r.getheaders()}, len(body)
    finally:
        c.close()


def wait_ready(srv, timeout=90, tls=False):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and srv.alive():
        try:
            if get(srv.tls_port if tls else srv.port, "/1k.html", timeout=1, tls=tls)[0] == 200:
                return True
        except OSError:
            pass
        time.sleep(0.2)
    return False


def port_of(row, srv):
    if row.h2:
        return srv.h2_port if row.h2 == "h2" else srv.h2c_port
    return srv.tls_port if row.tls else srv.port


def serves(row, srv):
    """Whether srv takes part in row: every server in plain rows, those with a TLS listener in TLS rows, those
    that answered h2 (h2c) on their port in the HTTP/2 rows."""
    if row.h2:
        return port_of(row, srv) is not None
    return not row.tls or srv.tls_port is not None


def h2_url(row, srv, path):
    return f"{'https' if row.h2 == 'h2' else 'http'}://127.0.0.1:{port_of(row, srv)}{path}"


def speaks_h2(srv, proto, port):
    """Whether srv answers HTTP/2 on port: h2load's two requests succeed and it names the protocol it got."""
    url = f"{'https' if proto == 'h2' else 'http'}://127.0.0.1:{port}/1k.html"
    try:
        r = subprocess.run(["h2load", "-n2", "-c1", url], capture_output=True, text=True, timeout=20)
    except (OSError, subprocess.SubprocessError):
        return False
    out = r.stdout
    return (re.search(rf"^Application protocol: {proto}$", out, re.M) is not None
            and re.search(r"requests: 2 total, 2 started, 2 done, 2 succeeded", out) is not None)


def row_headers(row, srv, notes):
    """The request headers of a row for one server; for 304, the validator that server gave."""
    if row.h2:
        return list(row.headers)  # checked by speaks_h2 when the servers came up; h2load counts the statuses
    headers = dict(h.split(": ", 1) for h in row.headers)
    if row.reval:
        _, h, _ = get(port_of(row, srv), row.path, tls=row.tls)
        if "etag" in h:
            headers["If-None-Match"] = h["etag"]
        elif "last-modified" in h:
            headers["If-Modified-Since"] = h["last-modified"]
    status, _, length = get(port_of(row, srv), row.path, {k: v for k, v in headers.items() if k != "Connection"}, tls=row.tls)
    if status != row.expect or (row.size and length != row.size):
        notes.append(f"check request got {status} with {length} body bytes, expected {row.expect}")
    if row.reval:
        sent = "; ".join(f"{k}: {v}" for k, v in headers.items()) or "no validator given: plain GET"
        notes.append(f"{sent} -> {status}")
    return [f"{k}: {v}" for k, v in headers.items()]


# ---------------------------------------------------------------- measuring

def busy_ticks():
    """Busy clock ticks of all CPUs (user, nice, system, irq, softirq, steal) from /proc/stat."""
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:]]
    return v[0] + v[1] + v[2] + v[5] + v[6] + v[7]


def wait_quiet(limit):
    t0 = time.monotonic()
    while time.monotonic() - t0 < limit:
        b0 = busy_ticks()
        time.sleep(1)
        if (busy_ticks() - b0) * 100 / servers.CLK_TCK < 25:
            return
    if limit:
        log(f"machine still busy after {limit:.0f} s; measuring anyway")


def run_wrk(args, row, srv, headers, seconds, out_path):
    """Runs wrk (pinned) against srv; returns (BENCH fields or None, wrk's CPU seconds)."""
    pin = [] if getattr(args, "unpinned", False) else ["taskset", "-c", str(args.client_cpu)]
    threads = f"-t{min(os.cpu_count() or 1, row.conns)}" if getattr(args, "unpinned", False) else "-t1"
    cmd = pin + ["wrk", threads, f"-c{row.conns}", f"-d{seconds}s",
           "--timeout", "5s", "--latency", "-s", os.path.join(HERE, "status.lua")]
    for h in headers:
        cmd += ["-H", h]
    cmd.append(f"{'https' if row.tls else 'http'}://127.0.0.1:{port_of(row, srv)}{row.path}")
    env = dict(os.environ, BENCH_EXPECT=str(row.expect), BENCH_COUNT="1" if row.count else "0")
    with open(out_path, "w") as out:
        p = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, env=env)
        timer = threading.Timer(seconds + 30, p.kill)  # bounded, whatever wrk does
        timer.daemon = True
        timer.start()
        try:
            _, status, usage = os.wait4(p.pid, 0)  # wait4, not wait: it gives wrk's CPU time
        finally:
            timer.cancel()
        p.returncode = os.waitstatus_to_exitcode(status)
    with open(out_path) as f:
        for line in f:
            if line.startswith("BENCH "):
                fields = dict(kv.split("=", 1) for kv in line.split()[1:])
                return fields, usage.ru_utime + usage.ru_stime
    return None, usage.ru_utime + usage.ru_stime


def run_h2load(args, row, srv, headers, seconds, out_path):
    """Runs h2load (pinned) against srv; returns (the fields run_wrk's status.lua gives, h2load's CPU seconds).
    h2load reports no percentiles: p99_us is None, mean_us its mean time per request."""
    pin = [] if getattr(args, "unpinned", False) else ["taskset", "-c", str(args.client_cpu)]
    cmd = pin + ["h2load", "-t1", f"-c{row.conns}", f"-m{row.streams}", f"-D{seconds}"]
    if row.window_bits:
        cmd += [f"-w{row.window_bits}", f"-W{row.window_bits}"]
    for h in headers:
        cmd += ["-H", h]
    cmd += [h2_url(row, srv, p) for p in row.paths]
    with open(out_path, "w") as out:
        p = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT)
        timer = threading.Timer(seconds + 30, p.kill)
        timer.daemon = True
        timer.start()
        try:
            _, status, usage = os.wait4(p.pid, 0)
        finally:
            timer.cancel()
        p.returncode = os.waitstatus_to_exitcode(status)
    cpu = usage.ru_utime + usage.ru_stime
    with open(out_path) as f:
        text = f.read()
    fin = re.search(r"finished in ([\d.]+)(m?s), ([\d.]+) req/s", text)
    req = re.search(r"requests: (\d+) total, (\d+) started, (\d+) done, (\d+) succeeded, (\d+) failed, "
                    r"(\d+) errored, (\d+) timeout", text)
    codes = re.search(r"status codes: (\d+) 2xx, (\d+) 3xx, (\d+) 4xx, (\d+) 5xx", text)
    traffic = re.search(r"traffic: \S+ \((\d+)\) total", text)
    if not (fin and req and codes and traffic):
        return None, cpu
    duration = float(fin.group(1)) * (0.001 if fin.group(2) == "ms" else 1)
    done = int(req.group(3))
    by_class = dict(zip(("2xx", "3xx", "4xx", "5xx"), (int(g) for g in codes.groups())))
    expected = by_class[f"{row.expect // 100}xx"]
    mean = re.search(r"time for request:\s+\S+\s+\S+\s+([\d.]+)(us|ms|s)\b", text)
    mean_us = float(mean.group(1)) * {"us": 1, "ms": 1e3, "s": 1e6}[mean.group(2)] if mean else None
    return {"requests": str(done), "rps": fin.group(3), "mbps": str(int(traffic.group(1)) / 1e6 / max(duration, 1e-9)),
            "p99_us": None, "mean_us": mean_us, "bytes": traffic.group(1),
            "errors": str(int(req.group(5)) + int(req.group(6)) + int(req.group(7)) + sum(by_class.values()) - expected),
            "statuses": ",".join(f"{k}:{v}" for k, v in by_class.items() if v)}, cpu


def run_client(args, row, srv, headers, seconds, out_path):
    return (run_h2load if row.h2 else run_wrk)(args, row, srv, headers, seconds, out_path)


def measure(args, row, srv, headers, everyone, out_path):
    """One measured run: wrk's numbers plus every process time over exactly wrk's lifetime."""
    srv.truncate_logs()
    if args.wait_quiet:
        wait_quiet(args.wait_quiet)
    ticks0 = {s.key: s.cpu_ticks() for s in everyone}
    busy0, self0, t0 = busy_ticks(), os.times(), time.monotonic()
    fields, wrk_cpu = run_client(args, row, srv, headers, args.duration, out_path)
    wall, busy1, self1 = time.monotonic() - t0, busy_ticks(), os.times()
    ticks = {s.key: s.cpu_ticks() - ticks0[s.key] for s in everyone}
    m = {"rss_mib": srv.rss_mib(), "log_bytes": srv.truncate_logs(), "wall_s": wall, "wrk_cpu_s": wrk_cpu,
         "alive": srv.alive()}
    if fields is None:
        with open(out_path) as f:
            m["failed"] = (f.read().strip().splitlines() or ["no output"])[-1]
        return m
    requests = int(fields["requests"])
    cpu_s = ticks[srv.key] / servers.CLK_TCK
    # CPU used by neither the servers, wrk nor this script: other processes on the machine
    own = (self1.user + self1.system) - (self0.user + self0.system)
    other = (busy1 - busy0 - sum(ticks.values())) / servers.CLK_TCK - wrk_cpu - own
    m.update(requests=requests, rps=float(fields["rps"]), mbps=float(fields["mbps"]),
             p99_us=int(fields["p99_us"]) if fields.get("p99_us") is not None else None,
             mean_us=fields.get("mean_us"), errors=int(fields["errors"]), statuses=fields["statuses"],
             bytes=int(fields["bytes"]), cpu_s=cpu_s,
             cpu_us_per_req=cpu_s * 1e6 / requests if requests else None,
             server_core_pct=100 * cpu_s / wall, wrk_core_pct=100 * wrk_cpu / wall,
             other_core_pct=max(0.0, 100 * other / wall))
    return m


# ---------------------------------------------------------------- main

def main():
    args = parse_args()
    keys = [k.strip() for k in args.servers.split(",") if k.strip()]
    rows = [r for k in args.rows.split(",") for r in ROWS if r.key == k.strip()]
    if not rows:
        sys.exit("no known row in --rows")
    h2tls, h2c = any(r.h2 == "h2" for r in rows), any(r.h2 == "h2c" for r in rows)
    ensure_tools(["wrk", "taskset"] + [k for k in keys if k != "psweb"] + (["h2load"] if h2tls or h2c else []))
    tls_rows = any(r.tls for r in rows) or h2tls  # h2 over TLS uses the TLS listeners and their certificate
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    results = os.path.join(HERE, "results", stamp)
    os.makedirs(results)
    if "psweb" in keys and (args.build or not os.path.isfile(os.path.join(args.module, "PSWebServer.psd1"))):
        build_module(results)
    for folder in ([args.module] + ([args.baseline] if args.baseline else [])) if "psweb" in keys else []:
        if not os.path.isfile(os.path.join(folder, "PSWebServer.psd1")):
            sys.exit(f"{folder} holds no PSWebServer.psd1: give an out/PSWebServer folder")
    # 1,000 connections need more descriptors than the usual 1,024 (wrk and the servers inherit this).
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    pinned = (os.cpu_count() or 1) >= 2 and not args.unpinned
    pin = ["taskset", "-c", str(args.server_cpu)] if pinned else []
    servers.WORKERS = (os.cpu_count() or 1) if args.unpinned else 1
    if pinned:  # this script waits on the client's core, so it never takes the servers' core
        os.sched_setaffinity(0, {args.client_cpu})

    work = tempfile.mkdtemp(prefix="psweb-bench.")
    site = os.path.join(work, "site")
    make_site(site)
    global TLS_CONTEXT
    tls_cert = tls_key = None
    if tls_rows:
        tls_cert, tls_key = make_certificate(work)
        TLS_CONTEXT = ssl.create_default_context(cafile=tls_cert)  # validation on, trusting exactly this certificate
    plan = []
    if "psweb" in keys:
        plan.append(("psweb", args.label, args.module))
        if args.baseline:
            plan.append(("baseline", args.baseline_label, args.baseline))
    plan += [(k, None, None) for k in keys if k in ("nginx", "lighttpd", "h2o")]
    tls_capable = [k for k, _, _ in plan if k in ("psweb", "baseline", "nginx")] if tls_rows else []
    # extra listeners for HTTP/2: nginx's h2c (a port that speaks only h2c), h2o's TLS (h2o has no TLS rows of wrk)
    # and nginx's h2 over TLS (a server block of its own, so that the HTTPS rows' configuration stays as it was)
    extra = ([("nginx", "h2c")] if h2c and "nginx" in keys else []) + \
        [(k, "h2") for k in ("nginx", "h2o") if h2tls and k in keys]
    ports = free_ports(args.port_base, len(plan) + len(tls_capable) + len(extra))
    tls_ports = dict(zip(tls_capable, ports[len(plan):]))
    extra_ports = dict(zip(extra, ports[len(plan) + len(tls_capable):]))
    on = args.access_log == "on"
    classes = {"nginx": servers.Nginx, "lighttpd": servers.Lighttpd, "h2o": servers.H2o}
    started = []
    stop = lambda *_: sys.exit(130)  # noqa: E731  SIGTERM/SIGINT: leave through finally, which stops servers
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    t_run = time.monotonic()
    try:
        for (key, label, module), port in zip(plan, ports):
            if module:
                srv = servers.PSWebServer(work, site, port, pin, on, module, REPO, key, label)
            else:
                srv = classes[key](work, site, port, pin, on)
            if srv.key in tls_ports:
                srv.tls_port, srv.tls_cert, srv.tls_key = tls_ports[srv.key], tls_cert, tls_key
            # HTTP/2: PSWebServer (-Protocol Auto) and nginx on their TLS listener (ALPN h2) and, for h2c, PSWebServer on
            # its plain port (prior knowledge) and nginx on a port of its own; h2o on a TLS listener of its own and its
            # plain port. Each is probed once up (speaks_h2); a server that does not answer h2 there skips those rows.
            if h2tls:
                srv.h2_port = extra_ports.get((srv.key, "h2"), srv.tls_port if srv.key in ("psweb", "baseline") else None)
                srv.tls_cert, srv.tls_key = tls_cert, tls_key
            if h2c:
                srv.h2c_port = extra_ports.get((srv.key, "h2c"), srv.port if srv.key in ("psweb", "baseline", "h2o") else None)
            srv.start()
            started.append(srv)
        # all start at once; then wait for each (bounded)
        up, down = [], []
        for srv in started:
            if wait_ready(srv):
                srv.ready()
                up.append(srv)
                if srv.tls_port is not None and not wait_ready(srv, timeout=20, tls=True):
                    log(f"{srv.label}: no HTTPS on port {srv.tls_port} (a build without -CertificatePath?); TLS rows skip it")
                    srv.tls_port = None
                    if srv.h2_port == srv.tls_port:
                        srv.h2_port = None
                for proto in ("h2", "h2c"):
                    port = srv.h2_port if proto == "h2" else srv.h2c_port
                    if port is None:
                        continue
                    deadline = time.monotonic() + 10  # an extra listener may come up a moment after the first
                    while not speaks_h2(srv, proto, port) and time.monotonic() < deadline:
                        time.sleep(0.5)
                    if not speaks_h2(srv, proto, port):
                        log(f"{srv.label}: no {proto} on port {port} (a build without HTTP/2?); the {proto} rows skip it")
                        if proto == "h2":
                            srv.h2_port = None
                        else:
                            srv.h2c_port = None
                log(f"{srv.label} up: pid {srv.proc.pid}, port {srv.port}, processes {srv.pids}, "
                    f"RSS {srv.rss_mib():.0f} MiB")
            else:
                down.append(srv.label)
                log(f"{srv.label} did not answer on port {srv.port}; its output:\n{_tail(srv.stdout)}")
        if not up:
            sys.exit("no server came up")
        meta = machine(args, up, pinned, stamp)
        meta["rss_start_mib"] = {s.key: s.rss_mib() for s in up}
        meta["not_up"] = down
        headers, notes = {}, {}
        for row in rows:
            for srv in up:
                if not serves(row, srv):
                    continue
                notes[(row.key, srv.key)] = []
                headers[(row.key, srv.key)] = row_headers(row, srv, notes[(row.key, srv.key)])
        runs = {}
        cells = len(up) * len(rows)
        log(f"{len(up)} servers x {len(rows)} rows x {args.rounds} rounds; about "
            f"{(cells * (args.rounds * (args.duration + 0.2) + (args.warmup + 0.15 if args.warmup else 0))) / 60:.1f} min")
        if args.warmup > 0:  # once per row and server, before round 1: JIT, caches, logs opened
            for row in rows:
                for srv in up:
                    if not serves(row, srv):
                        continue
                    run_client(args, row, srv, headers[(row.key, srv.key)], args.warmup,
                            os.path.join(results, f"{srv.key}.{row.key}.warmup.txt"))
            log("warm-up pass done")
        turn = 0
        for rnd in range(1, args.rounds + 1):
            for row in rows:
                order = up[turn % len(up):] + up[:turn % len(up)]  # who goes first rotates
                turn += 1
                for srv in order:
                    if not srv.alive() or not serves(row, srv):
                        continue
                    out = os.path.join(results, f"{srv.key}.{row.key}.{rnd}.txt")
                    m = measure(args, row, srv, headers[(row.key, srv.key)], up, out)
                    runs.setdefault(f"{row.key}|{srv.key}", []).append(m)
                    log(f"round {rnd} {row.key:8} {srv.label:12} {m.get('rps', 0):>10.0f} req/s "
                        f"{m.get('cpu_us_per_req') or 0:7.1f} us/req  server {m.get('server_core_pct', 0):3.0f} % "
                        f"wrk {m.get('wrk_core_pct', 0):3.0f} % other {m.get('other_core_pct', 0):3.0f} % "
                        f"errors {m.get('errors', '?')}{'  ' + m['failed'] if 'failed' in m else ''}")
        meta["run_minutes"] = (time.monotonic() - t_run) / 60
        meta["rss_end_mib"] = {s.key: s.rss_mib() for s in up}
        data = {"meta": meta, "args": vars(args),
                "rows": [{"key": r.key, "title": r.title, "expect": r.expect, "size": r.size, "count": r.count,
                          "h2": r.h2, "streams": r.streams, "conns": r.conns,
                          "window_bits": r.window_bits} for r in rows],
                "servers": [{"key": s.key, "label": s.label, "port": s.port, "version": s.version(),
                             "config": s.config, "processes": len(s.pids),
                             "object": s.server_object() if hasattr(s, "server_object") else ""} for s in up],
                "notes": {f"{r}|{s}": n for (r, s), n in notes.items()}, "runs": runs,
                "results_dir": os.path.relpath(results, REPO)}
    finally:
        servers.stop_all(started)
        shutil.rmtree(work, ignore_errors=True)
    with open(os.path.join(results, "results.json"), "w") as f:
        json.dump(data, f, indent=1)
    text = report.write(data, os.path.join(results, "benchmarks.md"))  # with its charts beside it
    print(text)
    if not args.no_write:
        report.write(data, args.out)
        log(f"wrote {args.out}" + (" and its charts" if report.has_charts(data) else ""))
    log(f"took {(time.monotonic() - t_run) / 60:.1f} min; raw results in {results}")


def machine(args, up, pinned, stamp):
    cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
    mem = next(int(l.split()[1]) for l in open("/proc/meminfo") if l.startswith("MemTotal")) / 1048576
    return {"date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), "stamp": stamp,
            "cpus": os.cpu_count(), "cpu": cpu, "mem_gib": round(mem, 1), "kernel": platform.release(),
            "load": open("/proc/loadavg").read().split()[:3],
            "dotnet": servers.first_line(["dotnet", "--version"]),
            "wrk": servers.first_line(["wrk", "-v"]).split(" [")[0],
            "unpinned": bool(args.unpinned),
            "pinning": (f"servers on CPU {args.server_cpu}, wrk on CPU {args.client_cpu} (taskset)" if pinned
                        else f"none (--unpinned): every server may use all {os.cpu_count()} CPUs, with "
                             f"{servers.WORKERS} workers / threads / loops, and wrk runs with {os.cpu_count()} threads "
                             "on the same CPUs: the client shares the machine with the server" if args.unpinned
                        else "none (fewer than 2 CPUs)")}


def _tail(path, n=30):
    try:
        with open(path, errors="replace") as f:
            return "".join(f.readlines()[-n:])
    except OSError:
        return ""


if __name__ == "__main__":
    main()
