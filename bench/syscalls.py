#!/usr/bin/python3
"""System calls per request of one server on one row, each call's count divided by the requests wrk completed.

Two counters (--counter):
- perf (the default): the kernel's syscall tracepoints, counted in the kernel (`perf stat -e syscalls:sys_enter_…`
  attached to the server's processes) for the calls listed in COUNTED. It barely slows the server, so the counts are
  those of the row as the bench runs it. It counts calls, not failures.
- strace: `strace -f -c`, every call and how many failed. strace slows the server many times over, and that changes
  what it counts wherever the code path depends on timing: on Connection: close, a server traced this way always
  finds the request already there at the accept (4 calls a request before deferred accept, where perf counted 8,
  with a receive that met EAGAIN, an epoll_ctl and an epoll_wait). Use it for which calls fail, not for how many.

  python3 bench/syscalls.py --rows big10m,close1k            # PSWebServer of this repository
  python3 bench/syscalls.py --servers nginx,psweb --rows close1k --seconds 3

Standard library only; needs perf (linux-perf) or strace, and wrk. Servers are started and stopped as bench.py does (by PID)."""
import argparse
import os
import resource
import ssl
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.dont_write_bytecode = True
sys.path.insert(0, HERE)
import bench  # noqa: E402
import servers  # noqa: E402

UNPINNED = False
LINE = re.compile(r"^\s*[\d.]+\s+[\d.]+\s+\d+\s+(\d+)\s+(?:(\d+)\s+)?(\w+)\s*$")


def parse_strace(path):
    """strace -c output (-o file) → {syscall: (calls, errors)}."""
    counts = {}
    with open(path, errors="replace") as f:
        for line in f:
            m = LINE.match(line)
            if m and m.group(3) != "total":
                counts[m.group(3)] = (int(m.group(1)), int(m.group(2) or 0))
    return counts


# The calls the perf counter counts: a server's network, file, wait and memory calls (one event each; all of the
# kernel's 360-odd tracepoints on every thread of a pwsh would need tens of thousands of descriptors).
COUNTED = ("accept accept4 recvfrom recvmsg read readv pread64 preadv2 sendto sendmsg write writev sendfile64 "
           "close shutdown epoll_ctl epoll_wait epoll_pwait poll futex sched_yield openat statx newfstatat newfstat "
           "lseek readlink setsockopt getsockopt ioctl mmap munmap mprotect madvise").split()


TRACEPOINTS = next((d for d in ("/sys/kernel/tracing/events/syscalls", "/sys/kernel/debug/tracing/events/syscalls")
                    if os.path.isdir(d)), "/sys/kernel/tracing/events/syscalls")


def parse_perf(path):
    """perf stat -x, output → {syscall: (calls, 0)} (the tracepoints count calls, not failures)."""
    counts = {}
    with open(path, errors="replace") as f:
        for line in f:
            fields = line.strip().split(",")
            if len(fields) > 2 and fields[2].startswith("syscalls:sys_enter_") and fields[0].isdigit():
                if int(fields[0]):
                    counts[fields[2][len("syscalls:sys_enter_"):]] = (int(fields[0]), 0)
    return counts


def count(srv, row, headers, seconds, conns, out_dir, counter):
    """The counter over the server's processes for one wrk run → (requests, {syscall: (calls, errors)})."""
    path = os.path.join(out_dir, f"{srv.key}.{row.key}.{counter}")
    pids = [str(p) for p in (srv.rss_pids or srv.pids)]  # the process that serves (pwsh; nginx master + worker)
    if counter == "perf":
        cmd = ["perf", "stat", "-x,", "-o", path, "-p", ",".join(pids)]
        for name in COUNTED:
            if os.path.isdir(os.path.join(TRACEPOINTS, f"sys_enter_{name}")):  # not every architecture has each call
                cmd += ["-e", f"syscalls:sys_enter_{name}"]
    else:
        cmd = ["strace", "-f", "-c", "-o", path]  # every thread
        for p in pids:
            cmd += ["-p", p]
    errors = open(path + ".err", "w")
    tracer = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=errors)
    time.sleep(1.5)  # attached to every thread before the run starts
    if tracer.poll() is not None:
        errors.close()
        with open(path + ".err") as f:
            sys.exit(f"{counter} ended before the run (exit {tracer.returncode}): {f.read().strip()}")
    args = argparse.Namespace(client_cpu=1, unpinned=UNPINNED)
    r = bench.Row(row.key, row.title, row.path, conns or row.conns, row.expect, row.size, row.headers,
                  count=row.count, reval=row.reval, tls=row.tls)
    fields, _ = bench.run_wrk(args, r, srv, headers, seconds, os.path.join(out_dir, f"{srv.key}.{row.key}.wrk.txt"))
    tracer.send_signal(signal.SIGINT)
    tracer.wait(timeout=30)
    errors.close()
    return (int(fields["requests"]) if fields else 0), (parse_perf if counter == "perf" else parse_strace)(path)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--servers", default="psweb", help="comma list of psweb, nginx, lighttpd, h2o (default psweb)")
    p.add_argument("--rows", default="big10m,close1k,ka1k", help="comma list of bench.py rows")
    p.add_argument("--seconds", type=int, default=3, help="seconds of wrk per row (default 3)")
    p.add_argument("--conns", type=int, default=0, help="connections (default: the row's)")
    p.add_argument("--module", default=os.path.join(bench.REPO, "out", "PSWebServer"), help="the out/PSWebServer folder to trace")
    p.add_argument("--port-base", type=int, default=18180)
    p.add_argument("--unpinned", action="store_true", help="servers and wrk unpinned (one loop / worker per CPU)")
    p.add_argument("--min", type=float, default=0.01, help="leave out calls below this many per request")
    p.add_argument("--counter", choices=["perf", "strace"], default="perf",
                   help="perf: kernel tracepoints, timing kept (default); strace: also failures, but slows the server")
    a = p.parse_args()
    global UNPINNED
    UNPINNED = a.unpinned
    keys = [k for k in a.servers.split(",") if k]
    rows = [r for k in a.rows.split(",") for r in bench.ROWS if r.key == k]
    for tool in (a.counter, "wrk"):
        if not shutil.which(tool):
            sys.exit(f"needs {tool}")
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    work = tempfile.mkdtemp(prefix="psweb-syscalls.")
    site = os.path.join(work, "site")
    bench.make_site(site)
    tls_rows = any(r.tls for r in rows)
    cert = key = None
    if tls_rows:
        cert, key = bench.make_certificate(work)
        bench.TLS_CONTEXT = ssl.create_default_context(cafile=cert)
    ports = bench.free_ports(a.port_base, 2 * len(keys))
    pin = ["taskset", "-c", "0"] if (os.cpu_count() or 1) >= 2 and not a.unpinned else []
    servers.WORKERS = (os.cpu_count() or 1) if a.unpinned else 1
    classes = {"nginx": servers.Nginx, "lighttpd": servers.Lighttpd, "h2o": servers.H2o}
    started = []
    try:
        for i, k in enumerate(keys):
            if k == "psweb":
                srv = servers.PSWebServer(work, site, ports[i], pin, True, a.module, bench.REPO, "psweb", "PSWebServer")
            else:
                srv = classes[k](work, site, ports[i], pin, True)
            if tls_rows and k in ("psweb", "nginx"):
                srv.tls_port, srv.tls_cert, srv.tls_key = ports[len(keys) + i], cert, key
            srv.start()
            started.append(srv)
        for srv in started:
            if not bench.wait_ready(srv):
                sys.exit(f"{srv.label} did not come up:\n{bench._tail(srv.stdout)}")
            srv.ready()
        for row in rows:
            for srv in started:
                if not bench.serves(row, srv) or (row.tls and not bench.wait_ready(srv, timeout=20, tls=True)):
                    continue
                notes = []
                headers = bench.row_headers(row, srv, notes)
                bench.run_wrk(argparse.Namespace(client_cpu=1, unpinned=a.unpinned), row, srv, headers, 1, os.devnull)  # warm (JIT)
                requests, calls = count(srv, row, headers, a.seconds, a.conns, work, a.counter)
                total = sum(c for c, _ in calls.values())
                print(f"\n{row.title} — {srv.label}: {requests} requests counted by {a.counter}, "
                      f"{total / max(requests, 1):.2f} system calls per request"
                      f"{' (of the calls perf counts, COUNTED)' if a.counter == 'perf' else ''}"
                      f"{'; ' + '; '.join(notes) if notes else ''}")
                for name, (c, e) in sorted(calls.items(), key=lambda kv: -kv[1][0]):
                    per = c / max(requests, 1)
                    if per >= a.min:
                        print(f"  {name:18} {per:8.2f}" + (f"  ({e / max(requests, 1):.2f} failed)" if e else ""))
    finally:
        servers.stop_all(started)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
