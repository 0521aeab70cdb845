"""The servers bench.py measures: how each is configured, started, watched and stopped.

Every server runs in the foreground as a child of the orchestrator, pinned with taskset, and is
stopped by the PIDs of its own process tree (never by name). Process times are read from /proc.
"""
import hashlib
import os
import shutil
import signal
import subprocess
import time

CLK_TCK = os.sysconf("SC_CLK_TCK")
WORKERS = 1  # worker processes / threads of each peer; bench.py --unpinned sets one per CPU


# ---------------------------------------------------------------- /proc helpers

def _stat_fields(pid):
    """Fields of /proc/PID/stat after the command name (which may hold spaces and parentheses)."""
    with open(f"/proc/{pid}/stat") as f:
        s = f.read()
    return s[s.rindex(")") + 2:].split()


def process_tree(root):
    """root and all its descendants, found by walking parent PIDs in /proc."""
    children = {}
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                children.setdefault(int(_stat_fields(d)[1]), []).append(int(d))
            except (OSError, ValueError, IndexError):
                pass  # the process exited meanwhile
    tree, todo = [], [root]
    while todo:
        p = todo.pop()
        tree.append(p)
        todo.extend(children.get(p, []))
    return tree


def cpu_ticks(pids):
    """utime + stime of the processes (each counts all its threads), in clock ticks."""
    total = 0
    for p in pids:
        try:
            f = _stat_fields(p)
            total += int(f[11]) + int(f[12])
        except (OSError, ValueError, IndexError):
            pass
    return total


def rss_kib(pids):
    total = 0
    for p in pids:
        try:
            with open(f"/proc/{p}/status") as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
        except (OSError, ValueError):
            pass
    return total


def listener_pids(pids, port):
    """The processes among pids that hold the socket listening on 127.0.0.1:port."""
    inodes = set()
    with open("/proc/net/tcp") as f:
        next(f)
        for line in f:
            col = line.split()
            if col[3] == "0A" and int(col[1].split(":")[1], 16) == port:
                inodes.add(f"socket:[{col[9]}]")
    found = []
    for p in pids:
        try:
            fds = os.listdir(f"/proc/{p}/fd")
        except OSError:
            continue
        for fd in fds:
            try:
                if os.readlink(f"/proc/{p}/fd/{fd}") in inodes:
                    found.append(p)
                    break
            except OSError:
                pass
    return found


def first_line(cmd):
    try:
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
        return ((r.stdout or "") + (r.stderr or "")).strip().splitlines()[0]
    except (OSError, subprocess.SubprocessError, IndexError):
        return "?"


# ---------------------------------------------------------------- servers

class Server:
    """One server under test. Subclasses write the config and give the command line."""
    key = label = ""

    def __init__(self, work, site, port, pin, access_log):
        self.dir = os.path.join(work, self.key)
        os.makedirs(self.dir, exist_ok=True)
        self.site, self.port, self.pin, self.access_log = site, port, pin, access_log
        self.proc = None        # the root process (taskset exec()s the server in place)
        self.pids = []          # the process tree, read once the server answers
        self.rss_pids = []      # the processes that hold the listening socket
        self.config = ""        # the configuration text, for the report
        self.logs = []          # access logs to truncate between runs (disk use stays bounded)
        self.stdout = os.path.join(self.dir, "stdout.log")
        self.tls_port = None    # set by bench.py before start() for the servers that get a TLS listener
        self.tls_cert = self.tls_key = None
        self.h2_port = None     # HTTP/2 over TLS (ALPN h2), set by bench.py for the h2 rows: may be tls_port
        self.h2c_port = None    # HTTP/2 in cleartext (prior knowledge), set by bench.py for the h2c rows: may be port

    def command(self):
        raise NotImplementedError

    def version(self):
        raise NotImplementedError

    def start(self, cwd=None):
        with open(self.stdout, "wb") as out:
            self.proc = subprocess.Popen(self.pin + self.command(), stdout=out, stderr=subprocess.STDOUT,
                                         stdin=subprocess.DEVNULL, cwd=cwd, start_new_session=True, env=self.environment())

    def environment(self):
        """The server's environment: this script's, unless a server needs a change."""
        return None

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def ready(self):
        """Called once the server answers: note its processes."""
        self.pids = process_tree(self.proc.pid)
        self.rss_pids = listener_pids(self.pids, self.port) or self.pids

    def cpu_ticks(self):
        return cpu_ticks(self.pids)

    def rss_mib(self):
        return rss_kib(self.rss_pids) / 1024

    def truncate_logs(self):
        """Bytes the access logs grew by since the last call; the files are then emptied."""
        grown = 0
        for path in self.logs:
            try:
                grown += os.path.getsize(path)
                os.truncate(path, 0)  # every server opens its log with O_APPEND
            except OSError:
                pass
        return grown

def stop_all(started, grace=10.0):
    """SIGTERM every server's process tree by PID at once, SIGKILL what is left after grace seconds."""
    pids = [p for srv in started if srv.alive() for p in process_tree(srv.proc.pid)]
    for p in pids:
        try:
            os.kill(p, signal.SIGTERM)
        except OSError:
            pass
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline and any(_exists(p) for p in pids):
        for srv in started:
            srv.proc.poll()  # reaps a root that exited, so it stops counting as alive
        time.sleep(0.1)
    for p in pids:
        if _exists(p):
            try:
                os.kill(p, signal.SIGKILL)
            except OSError:
                pass
    for srv in started:
        try:
            srv.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            pass


def _exists(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(") ")[-1][:1] != "Z"
    except OSError:
        return False


class Nginx(Server):
    key, label = "nginx", "nginx"

    def command(self):
        d = self.dir
        os.makedirs(os.path.join(d, "logs"), exist_ok=True)
        log = os.path.join(d, "logs", "access.log")
        # A static-file tuning as its docs suggest: sendfile + tcp_nopush (full packets for file
        # bodies), open_file_cache (keeps descriptors and stat results, revalidated every 30 s)
        # with open_file_cache_errors (caches "not found" too, which the 404 row hits). Every listener is
        # "deferred" (TCP_DEFER_ACCEPT: a connection reaches the worker with its request), as h2o's are by
        # default and PSWebServer's are.
        access = f"access_log {log} combined buffer=64k flush=1s;" if self.access_log else "access_log off;"
        if self.access_log:
            self.logs = [log]
        self.config = f"""worker_processes {WORKERS};
daemon off;
master_process on;
pid {d}/nginx.pid;
error_log {d}/logs/error.log warn;
worker_rlimit_nofile 8192;
events {{ worker_connections 4096; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    {access}
    sendfile on;
    tcp_nopush on;
    open_file_cache max=10000 inactive=30s;
    open_file_cache_valid 30s;
    open_file_cache_errors on;
    client_body_temp_path {d}/tmp/body;
    proxy_temp_path {d}/tmp/proxy;
    fastcgi_temp_path {d}/tmp/fastcgi;
    uwsgi_temp_path {d}/tmp/uwsgi;
    scgi_temp_path {d}/tmp/scgi;
    server {{
        listen 127.0.0.1:{self.port}{' reuseport' if WORKERS > 1 else ''} deferred;
        server_name localhost;
        root {self.site};
        index index.html;
    }}{self._tls_server()}{self._h2_servers()}
}}
"""
        os.makedirs(os.path.join(d, "tmp"), exist_ok=True)
        _write(os.path.join(d, "nginx.conf"), self.config)
        return ["/usr/sbin/nginx", "-p", d, "-c", os.path.join(d, "nginx.conf")]

    def _tls_server(self):
        # The same site over TLS, with the bench's certificate: TLS 1.2/1.3, nginx's default ciphers, a session
        # cache as its docs suggest (wrk does not resume sessions, so it changes nothing measured). No kTLS:
        # sendfile is then off for TLS, as in a stock build, and the file is read and encrypted in the worker.
        if self.tls_port is None:
            return ""
        return f"""
    server {{
        listen 127.0.0.1:{self.tls_port} ssl deferred;
        server_name localhost;
        ssl_certificate {self.tls_cert};
        ssl_certificate_key {self.tls_key};
        ssl_protocols TLSv1.2 TLSv1.3;
        ssl_session_cache shared:SSL:1m;
        root {self.site};
        index index.html;
    }}"""

    def _h2_servers(self):
        # HTTP/2 for the h2 rows, each on a port of its own: over TLS (ALPN h2, the bench's certificate, as the HTTPS
        # server block) and in cleartext with prior knowledge (nginx's cleartext http2 listener speaks only HTTP/2).
        # keepalive_requests: nginx ends an HTTP/2 connection after 1,000 requests by default (GOAWAY), and h2load,
        # unlike wrk, does not reconnect; the others have no such limit.
        text = ""
        for port, ssl in ((self.h2_port, True), (self.h2c_port, False)):
            if port is None:
                continue
            tls = (f"""
        ssl_certificate {self.tls_cert};
        ssl_certificate_key {self.tls_key};
        ssl_protocols TLSv1.2 TLSv1.3;
        ssl_session_cache shared:SSL:1m;""" if ssl else "")
            text += f"""
    server {{
        listen 127.0.0.1:{port}{' ssl' if ssl else ''} http2 deferred;
        server_name localhost;{tls}
        keepalive_requests 1000000;
        root {self.site};
        index index.html;
    }}"""
        return text

    def version(self):
        return first_line(["/usr/sbin/nginx", "-v"])


class Lighttpd(Server):
    key, label = "lighttpd", "lighttpd"

    def command(self):
        d = self.dir
        log = os.path.join(d, "access.log")
        modules = '"mod_indexfile", "mod_accesslog"' if self.access_log else '"mod_indexfile"'
        access = f'accesslog.filename = "{log}"\n' if self.access_log else ""
        if self.access_log:
            self.logs = [log]
        # Defaults kept: the sendfile backend, its stat cache (rechecks a file once a second), ETags. Deferred
        # accept (TCP_DEFER_ACCEPT) as the other servers have it.
        self.config = f"""server.modules = ( {modules} )
server.document-root = "{self.site}"
server.bind = "127.0.0.1"
server.port = {self.port}
server.defer-accept = 1
server.pid-file = "{d}/lighttpd.pid"
server.errorlog = "{d}/error.log"
{access}server.max-fds = 8192
server.max-connections = 4096
index-file.names = ( "index.html" )
mimetype.assign = ( ".html" => "text/html", ".txt" => "text/plain", ".bin" => "application/octet-stream" )
"""
        _write(os.path.join(d, "lighttpd.conf"), self.config)
        return ["/usr/sbin/lighttpd", "-D", "-f", os.path.join(d, "lighttpd.conf")]

    def version(self):
        return first_line(["/usr/sbin/lighttpd", "-v"]).split(" ")[0]


class H2o(Server):
    key, label = "h2o", "h2o"

    def command(self):
        d = self.dir
        log = os.path.join(d, "access.log")
        if self.access_log:
            self.logs = [log]
        # One event-loop thread (every server gets one core). `user: root` only because the bench
        # runs as root and h2o would otherwise drop to nobody, who cannot write its pid file here.
        user = "user: root\n" if os.geteuid() == 0 else ""
        access = f"access-log: {log}\n" if self.access_log else ""
        self.config = f"""{user}listen:
  host: 127.0.0.1
  port: {self.port}
num-threads: {WORKERS}
max-connections: 4096
pid-file: {d}/h2o.pid
error-log: {d}/error.log
{access}hosts:
  "default":
{self._tls_listen()}    paths:
      "/":
        file.dir: {self.site}
"""
        _write(os.path.join(d, "h2o.conf"), self.config)
        return ["/usr/bin/h2o", "-c", os.path.join(d, "h2o.conf")]

    def _tls_listen(self):
        # HTTP/2 over TLS for the h2 rows (ALPN h2), with the bench's certificate; h2c is its plain port (prior knowledge)
        if self.h2_port is None:
            return ""
        return f"""    listen:
      host: 127.0.0.1
      port: {self.h2_port}
      ssl:
        certificate-file: {self.tls_cert}
        key-file: {self.tls_key}
"""

    def version(self):
        return first_line(["/usr/bin/h2o", "--version"])


class PSWebServer(Server):
    """PSWebServer in a child pwsh that does nothing else: import, start, sleep.

    The module is imported from a copy of the given out/PSWebServer folder, so that a rebuild during
    the run cannot change what is measured. The request journal stays on (it is part of the product)."""

    def __init__(self, work, site, port, pin, access_log, module, repo, key, label):
        self.key, self.label = key, label
        super().__init__(work, site, port, pin, access_log)
        self.module_src = os.path.abspath(module)
        self.repo = repo  # `dotnet pwsh` is the local tool of this repository's manifest
        self.module = os.path.join(self.dir, "PSWebServer")
        shutil.copytree(self.module_src, self.module)
        dll = os.path.join(self.module, "PSWebServer.Core.dll")
        try:
            with open(dll, "rb") as f:
                digest = hashlib.sha256(f.read()).hexdigest()[:12]
            built = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(os.path.getmtime(dll)))
            dll_note = f"PSWebServer.Core.dll built {built}, sha256 {digest}"
        except OSError:
            dll_note = "no PSWebServer.Core.dll"
        self.build = f"{self.module_src}: {dll_note}{_git_rev(self.module_src)}"

    def command(self):
        psd1 = os.path.join(self.module, "PSWebServer.psd1")
        script = (f"$ErrorActionPreference = 'Stop'; Import-Module '{psd1}'; "  # a failed start ends the pwsh
                  + self._protocol() +
                  f"$s = Start-StaticServer -Path '{self.site}' -Port {self.port} -Name {self.key} @p; "
                  + self._tls_start() +
                  "Write-Host \"BENCH-INFO pwsh=$($PSVersionTable.PSVersion)\"; "
                  "$s | Format-List * | Out-String -Width 200 | Write-Host; "
                  # One blocking call, not a Start-Sleep per second: each of those ran PowerShell's command lookup and
                  # parameter binding, whose hundreds of methods then tiered up on the server's core well into the
                  # first rows (and held back the server's own tier-up, which on one CPU waits 1 s after any new JIT).
                  "[System.Threading.Thread]::Sleep([System.Threading.Timeout]::Infinite)")
        self.config = f"dotnet pwsh -NoProfile -NonInteractive -Command \"{script}\""
        return ["dotnet", "pwsh", "-NoProfile", "-NonInteractive", "-Command", script]

    def _tls_start(self):
        """A second server on the same site over HTTPS, with the bench's certificate, where the build has -CertificatePath."""
        if self.tls_port is None:
            return ""
        return ("if ((Get-Command Start-StaticServer).Parameters.ContainsKey('CertificatePath')) { "
                f"$null = Start-StaticServer -Path '{self.site}' -Port {self.tls_port} -Name {self.key}-tls "
                f"-CertificatePath '{self.tls_cert}' -KeyPath '{self.tls_key}' @p }}; ")

    def _protocol(self):
        """-Protocol Auto (h2 by ALPN, h2c by prior knowledge, HTTP/1.1 otherwise) for the HTTP/2 rows, where the build has it."""
        if self.h2_port is None and self.h2c_port is None:
            return "$p = @{}; "
        return ("$p = @{}; if ((Get-Command Start-StaticServer).Parameters.ContainsKey('Protocol')) "
                "{ $p.Protocol = 'Auto' }; ")

    def start(self, cwd=None):
        super().start(cwd=self.repo)

    def environment(self):
        # PowerShell's telemetry upload at start JIT-compiles about 200 methods of its own (Application Insights) on
        # the server's core during the first rows; it is the shell's start-up, not the server's work, so it is off.
        return dict(os.environ, POWERSHELL_TELEMETRY_OPTOUT="1")

    def server_object(self):
        """What Start-StaticServer returned, as the child printed it."""
        try:
            with open(self.stdout, errors="replace") as f:
                text = f.read()
        except OSError:
            return ""
        return "\n".join(l for l in text.splitlines() if l.strip() and not l.startswith("BENCH-INFO"))

    def version(self):
        try:
            with open(self.stdout, errors="replace") as f:
                for line in f:
                    if line.startswith("BENCH-INFO"):
                        return f"pwsh {line.split('pwsh=')[1].strip()}; {self.build}"
        except OSError:
            pass
        return self.build


def _git_rev(module_dir):
    """The commit of the repository that holds module_dir (out/PSWebServer), if there is one."""
    repo = os.path.dirname(os.path.dirname(module_dir))
    try:
        rev = subprocess.run(["git", "-C", repo, "rev-parse", "--short", "HEAD"], capture_output=True,
                             text=True, timeout=10).stdout.strip()
        dirty = subprocess.run(["git", "-C", repo, "status", "--porcelain", "--", "src", "module"],
                               capture_output=True, text=True, timeout=10).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return ""
    return f"; commit {rev}{' + uncommitted changes in src/ or module/' if dirty else ''}" if rev else ""


def _write(path, text):
    with open(path, "w") as f:
        f.write(text)
