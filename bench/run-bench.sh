#!/usr/bin/env bash
# PSWebServer benchmark beside nginx and lighttpd, each pinned to one core.
# See bench/README.md. Usage: bash bench/run-bench.sh [--quick] [options]
set -u -o pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BENCH_DIR="$REPO/bench"
LUA="$BENCH_DIR/status.lua"

DURATION=10          # seconds per measured workload
WARMUP=3             # seconds of warm-up before each measured workload
ROUNDS=1             # measured runs per workload and server; the median (by req/s) is reported
SERVERS="psweb,nginx,lighttpd"
WORKLOADS="ka1k,close1k,ka64k,big10m,notfound,conn1000,reval304"
SERVER_CPU=0
CLIENT_CPU=1
PORT_BASE=18080
OUT_MD="$REPO/docs/benchmarks.md"
WRITE_MD=1
BUILD=auto           # auto: build only if out/PSWebServer is missing
START_TIMEOUT=60     # seconds to wait for a server's port to answer
WAIT_QUIET=0         # max seconds to wait, before each workload, for the machine to be idle
QUICK=0

usage() {
  cat <<'EOF'
Usage: bash bench/run-bench.sh [options]
  --quick               smoke run: 2 s per workload, 1 s warm-up
  --duration N          seconds per measured workload (default 10)
  --warmup N            seconds of warm-up before each workload (default 3)
  --rounds N            measured runs per workload; the report shows the median by req/s (default 1)
  --servers LIST        comma list of psweb,nginx,lighttpd (default: all three)
  --workloads LIST      comma list of ka1k,close1k,ka64k,big10m,notfound,conn1000,reval304
  --wait-quiet N         before each workload wait up to N s until other processes use < 25 % of a core
                        (a shared machine: tests or builds running beside the benchmark; default 0)
  --server-cpu N        CPU the server is pinned to (default 0)
  --client-cpu N        CPU wrk is pinned to (default 1)
  --port-base N         psweb=N, nginx=N+1, lighttpd=N+2 (default 18080)
  --out FILE            Markdown report path (default docs/benchmarks.md)
  --no-write            print the report only, do not write docs/benchmarks.md
  --build / --no-build  force / skip building out/PSWebServer (default: only if missing)
  -h, --help            this text
EOF
}

while [ $# -gt 0 ]; do
  case "$1" in
    --quick) QUICK=1; DURATION=2; WARMUP=1 ;;
    --duration) DURATION="$2"; shift ;;
    --warmup) WARMUP="$2"; shift ;;
    --rounds) ROUNDS="$2"; shift ;;
    --wait-quiet) WAIT_QUIET="$2"; shift ;;
    --servers) SERVERS="$2"; shift ;;
    --workloads) WORKLOADS="$2"; shift ;;
    --server-cpu) SERVER_CPU="$2"; shift ;;
    --client-cpu) CLIENT_CPU="$2"; shift ;;
    --port-base) PORT_BASE="$2"; shift ;;
    --out) OUT_MD="$2"; shift ;;
    --no-write) WRITE_MD=0 ;;
    --build) BUILD=yes ;;
    --no-build) BUILD=no ;;
    -h|--help) usage; exit 0 ;;
    *) echo "unknown option: $1" >&2; usage >&2; exit 2 ;;
  esac
  shift
done

log() { echo "[bench $(date +%H:%M:%S)] $*" >&2; }
die() { log "ERROR: $*"; exit 1; }

# ---------------------------------------------------------------- prerequisites
apt_install() {
  # Installs Debian packages; waits (bounded) for a dpkg lock held by another apt.
  local i
  for i in $(seq 1 60); do
    if apt-get install -y -q "$@" >/dev/null 2>&1; then return 0; fi
    if [ "$i" = 1 ]; then apt-get update -q >/dev/null 2>&1 || true; fi
    log "apt-get install $* failed (dpkg lock?); retry $i/60 in 10 s"
    sleep 10
  done
  return 1
}

need_pkgs=()
command -v wrk >/dev/null 2>&1 || need_pkgs+=(wrk)
command -v curl >/dev/null 2>&1 || need_pkgs+=(curl)
command -v taskset >/dev/null 2>&1 || need_pkgs+=(util-linux)
case ",$SERVERS," in *,nginx,*) [ -x /usr/sbin/nginx ] || need_pkgs+=(nginx) ;; esac
case ",$SERVERS," in *,lighttpd,*) [ -x /usr/sbin/lighttpd ] || need_pkgs+=(lighttpd) ;; esac
if [ ${#need_pkgs[@]} -gt 0 ]; then
  [ "$(id -u)" = 0 ] || die "missing ${need_pkgs[*]} and not root: install them with apt-get"
  log "installing ${need_pkgs[*]}"
  apt_install "${need_pkgs[@]}" || die "could not install ${need_pkgs[*]}"
fi
NGINX=/usr/sbin/nginx
LIGHTTPD=/usr/sbin/lighttpd

NPROC=$(nproc)
if [ "$NPROC" -ge 2 ]; then
  PIN_SERVER=(taskset -c "$SERVER_CPU")
  PIN_CLIENT=(taskset -c "$CLIENT_CPU")
  PINNING="server on CPU $SERVER_CPU, wrk on CPU $CLIENT_CPU (taskset)"
else
  PIN_SERVER=(); PIN_CLIENT=()
  PINNING="none (only $NPROC CPU)"
  log "WARNING: fewer than 2 CPUs, running without pinning"
fi

# 1,000 connections need more than the usual 1024 descriptors (wrk and servers inherit this).
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
[ "$(ulimit -n)" = unlimited ] || [ "$(ulimit -n)" -ge 4096 ] || ulimit -n 4096 2>/dev/null || \
  log "WARNING: open-file limit is $(ulimit -n); the 1,000-connection workload may fail"

# ---------------------------------------------------------------- work area
TS=$(date -u +%Y%m%dT%H%M%SZ)
RESULTS="$BENCH_DIR/results/$TS"
mkdir -p "$RESULTS"
WORK=$(mktemp -d /tmp/psweb-bench.XXXXXX)
SITE="$WORK/site"
chmod 755 "$WORK"   # nginx workers run as an unprivileged user and must read the site

SERVER_PIDS=()
SAMPLER_PID=""
cleanup() {
  local p
  [ -n "$SAMPLER_PID" ] && kill "$SAMPLER_PID" 2>/dev/null
  for p in "${SERVER_PIDS[@]}"; do stop_tree "$p"; done
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---------------------------------------------------------------- process helpers
descendants() {  # all descendant PIDs of $1 (walks /proc; no name matching)
  local parent=$1 kids c
  # /proc/PID/stat: "pid (comm) state ppid ..."; comm may hold spaces, so split after the last ')'
  # (cat, not awk, opens the files: mawk stops at the first process that exited meanwhile)
  kids=$(cat /proc/[0-9]*/stat 2>/dev/null | \
    awk -v p="$parent" '{ s = $0; sub(/^.*\) /, "", s); split(s, f, " "); if (f[2] == p) print $1 }')
  for c in $kids; do echo "$c"; descendants "$c"; done
}

tree_rss_kb() {  # VmRSS of $1 plus all its descendants, in KiB
  local total=0 p v
  for p in "$1" $(descendants "$1"); do
    v=$(awk '/^VmRSS:/ { print $2 }' "/proc/$p/status" 2>/dev/null)
    total=$((total + ${v:-0}))
  done
  echo "$total"
}

tree_cpu_ticks() {  # utime+stime (clock ticks) of $1 plus all its descendants
  local total=0 p v
  for p in "$1" $(descendants "$1"); do
    v=$(awk '{ s = $0; sub(/^.*\) /, "", s); split(s, f, " "); print f[12] + f[13] }' "/proc/$p/stat" 2>/dev/null)
    total=$((total + ${v:-0}))
  done
  echo "$total"
}

listener_pid() {  # PID under $1 (or $1 itself) that holds the listening socket on port $2
  local root=$1 port=$2 p cand
  cand=$(ss -Hltnp "sport = :$port" 2>/dev/null | grep -o 'pid=[0-9]*' | cut -d= -f2 | sort -u)
  for p in $cand; do
    if [ "$p" = "$root" ] || descendants "$root" | grep -qx "$p"; then echo "$p"; return; fi
  done
  echo "$root"
}

cpu_busy_ticks() {  # busy (non-idle, non-iowait) clock ticks of all CPUs, from /proc/stat
  awk '$1 == "cpu" { print $2 + $3 + $4 + $7 + $8 + $9; exit }' /proc/stat
}

QUIET_T0=$(date +%s)
quiet_budget_left() {  # the whole run spends at most 10 x WAIT_QUIET s more than planned on waits and reruns
  [ "$WAIT_QUIET" -gt 0 ] && [ $(( $(date +%s) - QUIET_T0 - PLANNED_S )) -lt $((WAIT_QUIET * 10)) ]
}

wait_quiet() {  # up to WAIT_QUIET s: until the machine is idle over 1 s (the idle server and us aside)
  quiet_budget_left || return 0
  local t0 b0 b1 busy
  t0=$(date +%s)
  while :; do
    b0=$(cpu_busy_ticks); sleep 1; b1=$(cpu_busy_ticks)
    busy=$(( (b1 - b0) * 100 / $(getconf CLK_TCK) ))
    [ "$busy" -lt 25 ] && return 0
    if [ $(( $(date +%s) - t0 )) -ge "$WAIT_QUIET" ]; then
      log "machine still busy (${busy}% of a core) after ${WAIT_QUIET}s; measuring anyway"; return 0
    fi
    sleep 4
  done
}

stop_tree() {  # SIGTERM $1 and its descendants by PID, wait (bounded), then SIGKILL
  local root=$1 pids i p alive
  pids="$root $(descendants "$root")"
  kill -TERM $pids 2>/dev/null
  for i in $(seq 1 50); do
    alive=0
    for p in $pids; do kill -0 "$p" 2>/dev/null && alive=1; done
    [ $alive = 0 ] && break
    sleep 0.2
  done
  for p in $pids; do kill -0 "$p" 2>/dev/null && kill -KILL "$p" 2>/dev/null; done
  wait "$root" 2>/dev/null || true
}

forget_pid() {  # drop $1 from SERVER_PIDS
  local p keep=()
  for p in "${SERVER_PIDS[@]}"; do [ "$p" = "$1" ] || keep+=("$p"); done
  SERVER_PIDS=("${keep[@]}")
}

wait_port() {  # wait until http://127.0.0.1:$1/ answers with any HTTP status, bounded
  local port=$1 pid=$2 i
  for i in $(seq 1 $((START_TIMEOUT * 5))); do
    if curl -s -o /dev/null --max-time 1 "http://127.0.0.1:$port/1k.html"; then return 0; fi
    kill -0 "$pid" 2>/dev/null || return 1
    sleep 0.2
  done
  return 1
}

port_free() { ! curl -s -o /dev/null --max-time 1 "http://127.0.0.1:$1/"; }

# ---------------------------------------------------------------- site
make_site() {
  mkdir -p "$SITE/files"
  # 1 KiB of printable text (exactly 1024 bytes)
  { printf '<!doctype html><title>1k</title><p>'; head -c 3000 /dev/urandom | base64 -w0 | head -c 984; printf '</p>\n'; } \
    | head -c 1024 > "$SITE/1k.html"
  [ "$(stat -c %s "$SITE/1k.html")" = 1024 ] || die "1k.html is not 1024 bytes"
  head -c 65536 /dev/urandom > "$SITE/64k.bin"
  head -c 10485760 /dev/urandom > "$SITE/10m.bin"
  cat > "$SITE/index.html" <<'EOF'
<!doctype html>
<html><head><meta charset="utf-8"><title>bench</title></head>
<body><h1>PSWebServer bench site</h1>
<ul><li><a href="1k.html">1k.html</a></li><li><a href="64k.bin">64k.bin</a></li>
<li><a href="10m.bin">10m.bin</a></li><li><a href="files/">files/</a></li></ul></body></html>
EOF
  local i
  for i in $(seq -w 0 199); do
    printf 'small file %s\n' "$i" > "$SITE/files/f$i.txt"
  done
  chmod -R a+rX "$SITE"
}

# ---------------------------------------------------------------- servers
start_nginx() {  # $1 port -> sets SERVER_PID
  local port=$1 pre="$WORK/nginx"
  mkdir -p "$pre/logs" "$pre/tmp"
  cat > "$pre/nginx.conf" <<EOF
worker_processes 1;
daemon off;
master_process on;
pid $pre/nginx.pid;
error_log $pre/logs/error.log warn;
worker_rlimit_nofile 8192;
events { worker_connections 4096; }
http {
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    sendfile on;
    access_log off;
    open_file_cache off;
    client_body_temp_path $pre/tmp/body;
    proxy_temp_path $pre/tmp/proxy;
    fastcgi_temp_path $pre/tmp/fastcgi;
    uwsgi_temp_path $pre/tmp/uwsgi;
    scgi_temp_path $pre/tmp/scgi;
    server {
        listen 127.0.0.1:$port;
        server_name localhost;
        root $SITE;
        index index.html;
    }
}
EOF
  "${PIN_SERVER[@]}" "$NGINX" -p "$pre" -c "$pre/nginx.conf" >"$pre/logs/stdout.log" 2>&1 &
  SERVER_PID=$!
}

start_lighttpd() {
  local port=$1 pre="$WORK/lighttpd"
  mkdir -p "$pre"
  cat > "$pre/lighttpd.conf" <<EOF
server.modules = ( "mod_indexfile" )
server.document-root = "$SITE"
server.bind = "127.0.0.1"
server.port = $port
server.pid-file = "$pre/lighttpd.pid"
server.errorlog = "$pre/error.log"
server.max-fds = 8192
server.max-connections = 4096
index-file.names = ( "index.html" )
mimetype.assign = (
  ".html" => "text/html",
  ".txt"  => "text/plain",
  ".bin"  => "application/octet-stream",
  ""      => "application/octet-stream"
)
EOF
  "${PIN_SERVER[@]}" "$LIGHTTPD" -D -f "$pre/lighttpd.conf" >"$pre/stdout.log" 2>&1 &
  SERVER_PID=$!
}

PSWEB_PSD1="$REPO/out/PSWebServer/PSWebServer.psd1"
PSWEB_BUILD=""

build_psweb() {
  log "building PSWebServer"
  if [ -f "$REPO/build.ps1" ]; then
    (cd "$REPO" && dotnet tool restore >/dev/null && dotnet pwsh -NoProfile -File ./build.ps1 -Task Build) \
      >"$RESULTS/build.log" 2>&1 && [ -f "$PSWEB_PSD1" ] && return 0
    log "build.ps1 -Task Build failed or made no $PSWEB_PSD1 (see $RESULTS/build.log); trying dotnet build"
  fi
  (cd "$REPO" && dotnet build src/PSWebServer -c Release) >>"$RESULTS/build.log" 2>&1 || return 1
  local bin="$REPO/src/PSWebServer/bin/Release/net8.0" out="$REPO/out/PSWebServer"
  mkdir -p "$out"
  cp "$REPO/module/PSWebServer.psd1" "$out/" || return 1
  [ -f "$REPO/module/PSWebServer.format.ps1xml" ] && cp "$REPO/module/PSWebServer.format.ps1xml" "$out/"
  cp "$bin/PSWebServer.dll" "$bin/PSWebServer.Core.dll" "$out/" || return 1
}

start_psweb() {
  local port=$1 pre="$WORK/psweb"
  mkdir -p "$pre"
  # Load a copy of out/PSWebServer, so that a rebuild during the run cannot change what is measured.
  cp -a "$(dirname "$PSWEB_PSD1")" "$pre/PSWebServer"
  local psd1="$pre/PSWebServer/PSWebServer.psd1" dll="$pre/PSWebServer/PSWebServer.Core.dll"
  PSWEB_BUILD="PSWebServer.Core.dll built $(date -u -r "$dll" '+%Y-%m-%d %H:%M:%S UTC' 2>/dev/null || echo '?'), sha256 $(sha256sum "$dll" 2>/dev/null | cut -c1-12)"
  # A pwsh that does nothing else: import, start, sleep. Run from the repo so that
  # `dotnet pwsh` finds the local tool manifest (.config/dotnet-tools.json).
  (cd "$REPO" && exec "${PIN_SERVER[@]}" dotnet pwsh -NoProfile -NonInteractive -Command \
    "Import-Module '$psd1'; \$s = Start-StaticServer -Path '$SITE' -Port $port -Name bench; \$s | Format-List * | Out-String | Write-Host; while (\$true) { Start-Sleep -Seconds 1 }" \
    ) >"$pre/stdout.log" 2>&1 &
  SERVER_PID=$!
}

server_label() {
  case "$1" in psweb) echo PSWebServer ;; nginx) echo nginx ;; lighttpd) echo lighttpd ;; esac
}
server_port() {
  case "$1" in psweb) echo "$PORT_BASE" ;; nginx) echo $((PORT_BASE + 1)) ;; lighttpd) echo $((PORT_BASE + 2)) ;; esac
}
server_log() {
  case "$1" in
    psweb) echo "$WORK/psweb/stdout.log" ;;
    nginx) echo "$WORK/nginx/logs/error.log" ;;
    lighttpd) echo "$WORK/lighttpd/error.log" ;;
  esac
}

# ---------------------------------------------------------------- workloads
workload_title() {
  case "$1" in
    ka1k) echo "1 KiB, keep-alive, 64 conns" ;;
    close1k) echo "1 KiB, Connection: close, 64 conns" ;;
    ka64k) echo "64 KiB, keep-alive, 64 conns" ;;
    big10m) echo "10 MiB, keep-alive, 8 conns" ;;
    notfound) echo "404, keep-alive, 64 conns" ;;
    conn1000) echo "1 KiB, keep-alive, 1,000 conns" ;;
    reval304) echo "304 revalidation, 64 conns" ;;
  esac
}

# sets W_CONNS W_PATH W_EXPECT W_HDRS (array) W_COUNT (1: count statuses in wrk) W_SIZE (body bytes, 0: unchecked)
# The large-body workloads do not count statuses in wrk (see bench/status.lua): the
# copy of every body into Lua would make wrk, not the server, the bottleneck.
workload_setup() {
  local wl=$1 port=$2
  W_HDRS=(); W_COUNT=1; W_SIZE=0
  case "$wl" in
    ka1k)    W_CONNS=64;   W_PATH=/1k.html;  W_EXPECT=200; W_SIZE=1024 ;;
    close1k) W_CONNS=64;   W_PATH=/1k.html;  W_EXPECT=200; W_SIZE=1024; W_HDRS=(-H "Connection: close") ;;
    ka64k)   W_CONNS=64;   W_PATH=/64k.bin;  W_EXPECT=200; W_SIZE=65536; W_COUNT=0 ;;
    big10m)  W_CONNS=8;    W_PATH=/10m.bin;  W_EXPECT=200; W_SIZE=10485760; W_COUNT=0 ;;
    notfound) W_CONNS=64;  W_PATH=/no-such-file.html; W_EXPECT=404 ;;
    conn1000) W_CONNS=1000; W_PATH=/1k.html; W_EXPECT=200; W_SIZE=1024 ;;
    reval304)
      W_CONNS=64; W_PATH=/1k.html; W_EXPECT=304
      local head etag lm
      head=$(curl -s -D - -o /dev/null --max-time 5 "http://127.0.0.1:$port/1k.html" | tr -d '\r')
      etag=$(printf '%s\n' "$head" | awk 'tolower($1) == "etag:" { sub(/^[^:]*:[ \t]*/, ""); print; exit }')
      lm=$(printf '%s\n' "$head" | awk 'tolower($1) == "last-modified:" { sub(/^[^:]*:[ \t]*/, ""); print; exit }')
      if [ -n "$etag" ]; then
        W_HDRS=(-H "If-None-Match: $etag"); REVAL_HOW="If-None-Match: $etag"
      elif [ -n "$lm" ]; then
        W_HDRS=(-H "If-Modified-Since: $lm"); REVAL_HOW="If-Modified-Since: $lm"
      else
        REVAL_HOW="no ETag and no Last-Modified given: plain GET"
      fi
      local st
      st=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "${W_HDRS[@]}" "http://127.0.0.1:$port/1k.html")
      REVAL_HOW="$REVAL_HOW -> $st"
      ;;
  esac
}

precheck() {  # one request with curl: "status bytes" of the body, checked against the workload
  local port=$1 got
  got=$(curl -s -o /dev/null -w '%{http_code} %{size_download}' --max-time 30 "${W_HDRS[@]}" "http://127.0.0.1:$port$W_PATH")
  PRECHECK="$got"
  [ "${got%% *}" = "$W_EXPECT" ] || { PRECHECK_BAD="curl got status ${got%% *}, expected $W_EXPECT"; return; }
  if [ "$W_SIZE" != 0 ] && [ "$W_EXPECT" = 200 ] && [ "${got##* }" != "$W_SIZE" ]; then
    PRECHECK_BAD="curl got ${got##* } body bytes, expected $W_SIZE"
  fi
}

run_wrk() {  # $1 conns $2 seconds $3 url $4 expect $5 outfile, rest: extra wrk args
  local conns=$1 secs=$2 url=$3 expect=$4 out=$5; shift 5
  local threads=1
  local timecmd=()
  [ -x /usr/bin/time ] && timecmd=(/usr/bin/time -o "$out.cpu" -f '%P')
  BENCH_COUNT=$W_COUNT BENCH_EXPECT=$expect timeout $((secs + 30)) "${timecmd[@]}" "${PIN_CLIENT[@]}" \
    wrk -t"$threads" -c"$conns" -d"${secs}s" --timeout 5s --latency -s "$LUA" "$@" "$url" >"$out" 2>&1
}

# extracts key from the BENCH line of file $1
bench_val() { grep -m1 '^BENCH ' "$1" | tr ' ' '\n' | awk -F= -v k="$2" '$1 == k { print $2 }'; }

# ---------------------------------------------------------------- main
make_site
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
log "site in $SITE; raw results in $RESULTS; load average before: $LOAD_BEFORE"
log "duration ${DURATION}s, warm-up ${WARMUP}s, pinning: $PINNING"

IFS=, read -r -a SERVER_LIST <<<"$SERVERS"
IFS=, read -r -a WL_LIST <<<"$WORKLOADS"
# the run's planned length (server starts aside), for the --wait-quiet budget
PLANNED_S=$(( ${#SERVER_LIST[@]} * ${#WL_LIST[@]} * (WARMUP + ROUNDS * (DURATION + 1) + 2) + ${#SERVER_LIST[@]} * 10 ))

declare -A R_RPS R_MBPS R_P99 R_ERR R_RSS R_NOTE R_STAT R_SCPU R_WCPU R_OCPU
declare -A SRV_OK SRV_NOTE
PSWEB_RSS_IDLE=""; PSWEB_RSS_TREE=""

for srv in "${SERVER_LIST[@]}"; do
  port=$(server_port "$srv")
  label=$(server_label "$srv")
  SRV_OK[$srv]=0
  # another process may hold the port (tests run in parallel): try a few others, bounded
  for try in $(seq 1 10); do port_free "$port" && break; log "$label: port $port in use, trying $((port + 100))"; port=$((port + 100)); done
  if ! port_free "$port"; then
    SRV_NOTE[$srv]="no free port found"; log "$label: ${SRV_NOTE[$srv]}; skipped"; continue
  fi
  case "$srv" in
    nginx) start_nginx "$port" ;;
    lighttpd) start_lighttpd "$port" ;;
    psweb)
      if [ "$BUILD" = yes ] || { [ "$BUILD" = auto ] && [ ! -f "$PSWEB_PSD1" ]; }; then
        build_psweb || { SRV_NOTE[$srv]="build failed (see bench/results/$TS/build.log)"; log "$label: ${SRV_NOTE[$srv]}"; continue; }
      fi
      [ -f "$PSWEB_PSD1" ] || { SRV_NOTE[$srv]="$PSWEB_PSD1 missing"; log "$label: ${SRV_NOTE[$srv]}"; continue; }
      (cd "$REPO" && dotnet tool restore >/dev/null 2>&1) || log "WARNING: dotnet tool restore failed"
      start_psweb "$port"
      ;;
    *) log "unknown server $srv"; continue ;;
  esac
  pid=$SERVER_PID
  SERVER_PIDS+=("$pid")
  t0=$(date +%s.%N)
  if ! wait_port "$port" "$pid"; then
    SRV_NOTE[$srv]="did not answer on port $port within ${START_TIMEOUT}s"
    log "$label: ${SRV_NOTE[$srv]}; log:"; tail -n 30 "$(server_log "$srv")" >&2
    cp "$(server_log "$srv")" "$RESULTS/$srv.log" 2>/dev/null
    stop_tree "$pid"; forget_pid "$pid"; continue
  fi
  t1=$(date +%s.%N)
  SRV_OK[$srv]=1
  log "$label up (pid $pid, port $port) after $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }')s; RSS $(( $(tree_rss_kb "$pid") / 1024 )) MiB"
  curl -s -D - -o /dev/null "http://127.0.0.1:$port/1k.html" | tr -d '\r' >"$RESULTS/$srv.head-1k.txt"
  # RSS: nginx = master + worker; lighttpd = its one process; PSWebServer = the pwsh
  # process that hosts the server (holds the listening socket), without the `dotnet pwsh`
  # launcher processes above it (the dotnet muxer and the tool shim, ~90 MiB together).
  rss_pid=$pid
  if [ "$srv" = psweb ]; then
    rss_pid=$(listener_pid "$pid" "$port")
    PSWEB_RSS_IDLE=$(( $(tree_rss_kb "$rss_pid") / 1024 ))
    PSWEB_RSS_TREE=$(( $(tree_rss_kb "$pid") / 1024 ))
    log "PSWebServer's pwsh is pid $rss_pid: RSS $PSWEB_RSS_IDLE MiB ($PSWEB_RSS_TREE MiB with the dotnet pwsh launcher processes)"
  fi

  for wl in "${WL_LIST[@]}"; do
    REVAL_HOW=""; PRECHECK=""; PRECHECK_BAD=""
    workload_setup "$wl" "$port"
    precheck "$port"
    url="http://127.0.0.1:$port$W_PATH"
    raw="$RESULTS/$srv.$wl"
    k="$srv|$wl"
    R_NOTE[$k]=""
    [ -n "$PRECHECK_BAD" ] && { R_NOTE[$k]="$PRECHECK_BAD"; log "$label $wl: $PRECHECK_BAD"; }
    wait_quiet
    if [ "$WARMUP" -gt 0 ]; then
      run_wrk "$W_CONNS" "$WARMUP" "$url" "$W_EXPECT" "$raw.warmup.txt" "${W_HDRS[@]}"
    fi
    best=""; err_total=0; all_rps=""; r=0; attempt=0
    # With --wait-quiet, a round disturbed by other load (>= 25 % of a core) is run again, up to
    # 2 extra attempts per round; its files are kept in disturbed/.
    while [ "$r" -lt "$ROUNDS" ] && [ "$attempt" -lt $((ROUNDS * 3)) ]; do
      attempt=$((attempt + 1)); r=$((r + 1))
      [ "$attempt" -gt 1 ] && wait_quiet
      # RSS sampler: every 0.5 s while wrk runs, bounded by count
      : >"$raw.$r.rss.txt"
      ( for i in $(seq 1 $((DURATION * 2 + 20))); do tree_rss_kb "$rss_pid" >>"$raw.$r.rss.txt"; sleep 0.5; done ) &
      SAMPLER_PID=$!
      c0=$(tree_cpu_ticks "$pid"); b0=$(cpu_busy_ticks); s0=$(date +%s%N)
      run_wrk "$W_CONNS" "$DURATION" "$url" "$W_EXPECT" "$raw.$r.txt" "${W_HDRS[@]}"
      c1=$(tree_cpu_ticks "$pid"); b1=$(cpu_busy_ticks); s1=$(date +%s%N)
      # server CPU use during the run, in % of one core (100 = its core was saturated), and the
      # CPU that neither the server nor wrk used (other processes on the machine; also some
      # kernel time), in % of one core
      awk -v c="$((c1 - c0))" -v b="$((b1 - b0))" -v hz="$(getconf CLK_TCK)" -v ns="$((s1 - s0))" \
        -v w="$(tr -d '%' <"$raw.$r.txt.cpu" 2>/dev/null | tail -n1)" \
        'BEGIN { secs = ns / 1e9; srv = 100 * c / hz / secs; busy = 100 * b / hz / secs
                 other = busy - srv - (w + 0); if (other < 0) other = 0
                 printf "%.0f\n", srv > "/dev/stdout"; printf "%.0f\n", other > "/dev/stderr" }' \
        >"$raw.$r.srvcpu" 2>"$raw.$r.othercpu"
      kill "$SAMPLER_PID" 2>/dev/null; wait "$SAMPLER_PID" 2>/dev/null; SAMPLER_PID=""
      rss_last=$(tail -n1 "$raw.$r.rss.txt"); [ -n "$rss_last" ] || rss_last=$(tree_rss_kb "$rss_pid")
      echo "$rss_last" >"$raw.$r.rss-end.txt"
      other=$(cat "$raw.$r.othercpu" 2>/dev/null); other=${other:-0}
      if quiet_budget_left && [ "$other" -ge 25 ] && [ "$attempt" -lt $((ROUNDS * 3)) ] \
         && kill -0 "$pid" 2>/dev/null; then
        log "$label $wl round $r: other load ${other}% of a core ($(bench_val "$raw.$r.txt" rps) req/s); running it again"
        mkdir -p "$RESULTS/disturbed"
        for f in "$raw.$r".*; do mv "$f" "$RESULTS/disturbed/$(basename "$f").attempt$attempt"; done
        r=$((r - 1)); continue
      fi
      if grep -q '^BENCH ' "$raw.$r.txt"; then
        all_rps="$all_rps $(bench_val "$raw.$r.txt" rps)"
        err_total=$((err_total + $(bench_val "$raw.$r.txt" errors)))
      else
        R_NOTE[$k]="${R_NOTE[$k]:+${R_NOTE[$k]}; }wrk failed in round $r: $(tail -n1 "$raw.$r.txt")"
      fi
      kill -0 "$pid" 2>/dev/null || break
    done
    # the median round by req/s
    best=$(for r in $(seq 1 "$ROUNDS"); do
             [ -f "$raw.$r.txt" ] && grep -q '^BENCH ' "$raw.$r.txt" && echo "$(bench_val "$raw.$r.txt" rps) $r"
           done | sort -g | awk '{ a[NR] = $2 } END { if (NR) print a[int((NR + 1) / 2)] }')
    if [ -n "$best" ]; then
      f="$raw.$best.txt"
      R_RPS[$k]=$(bench_val "$f" rps)
      R_MBPS[$k]=$(bench_val "$f" mbps)
      R_P99[$k]=$(bench_val "$f" p99_us)
      R_ERR[$k]=$err_total
      R_STAT[$k]=$(bench_val "$f" statuses)
      R_RSS[$k]=$(( $(cat "$raw.$best.rss-end.txt") / 1024 ))
      R_SCPU[$k]=$(cat "$raw.$best.srvcpu" 2>/dev/null)
      R_OCPU[$k]=$(cat "$raw.$best.othercpu" 2>/dev/null)
      if [ -n "${R_SCPU[$k]}" ] && [ "${R_SCPU[$k]}" -gt 110 ] 2>/dev/null; then
        log "WARNING: server CPU ${R_SCPU[$k]}% of one core is impossible for a pinned server: CPU accounting is off"
      fi
      if [ -n "${R_OCPU[$k]}" ] && [ "${R_OCPU[$k]}" -ge 25 ] 2>/dev/null; then
        R_NOTE[$k]="${R_NOTE[$k]:+${R_NOTE[$k]}; }other load on the machine: ${R_OCPU[$k]}% of a core"
      fi
      R_WCPU[$k]=$(tr -d '%' <"$raw.$best.txt.cpu" 2>/dev/null | tail -n1)
      if [ -n "${R_WCPU[$k]}" ] && [ "${R_WCPU[$k]}" -ge 90 ] 2>/dev/null; then
        R_NOTE[$k]="${R_NOTE[$k]:+${R_NOTE[$k]}; }wrk at ${R_WCPU[$k]}% CPU: may be client-bound"
      fi
      if [ "$W_SIZE" != 0 ]; then  # responses shorter than the file mean something went wrong
        short=$(awk -v b="$(bench_val "$f" bytes)" -v n="$(bench_val "$f" requests)" -v s="$W_SIZE" \
          'BEGIN { if (n > 0 && b / n < s) printf "%.0f", b / n }')
        [ -n "$short" ] && R_NOTE[$k]="${R_NOTE[$k]:+${R_NOTE[$k]}; }only $short bytes per response read, file is $W_SIZE"
      fi
    else
      R_RPS[$k]=""; R_RSS[$k]=$(( $(tree_rss_kb "$rss_pid") / 1024 ))
    fi
    [ "$ROUNDS" -gt 1 ] && echo "$wl rounds req/s:$all_rps" >>"$RESULTS/$srv.rounds.txt"
    [ -n "$REVAL_HOW" ] && R_NOTE[$k]="${R_NOTE[$k]:+${R_NOTE[$k]}; }$REVAL_HOW"
    if ! kill -0 "$pid" 2>/dev/null; then
      R_NOTE[$k]="${R_NOTE[$k]:+${R_NOTE[$k]}; }SERVER EXITED during this workload"
      log "$label exited during $wl"
    fi
    log "$label $wl: ${R_RPS[$k]:-?} req/s (rounds:${all_rps:- none}), ${R_MBPS[$k]:-?} MB/s, p99 ${R_P99[$k]:-?} us, errors ${R_ERR[$k]:-?}, statuses ${R_STAT[$k]:-?}, RSS ${R_RSS[$k]} MiB, server CPU ${R_SCPU[$k]:-?}%, wrk CPU ${R_WCPU[$k]:-?}%, other CPU ${R_OCPU[$k]:-?}%; curl: $PRECHECK ${R_NOTE[$k]}"
    kill -0 "$pid" 2>/dev/null || break
  done
  cp "$(server_log "$srv")" "$RESULTS/$srv.log" 2>/dev/null
  stop_tree "$pid"
  forget_pid "$pid"
  sleep 1   # let TIME_WAIT sockets and the core settle
done

# ---------------------------------------------------------------- report
fmt_int() { awk -v v="$1" 'BEGIN { if (v == "") print "–"; else printf "%\047d\n", v + 0.5 }' | sed "s/'/,/g"; }
fmt_mbps() { awk -v v="$1" 'BEGIN { if (v == "") print "–"; else if (v >= 100) printf "%.0f\n", v; else printf "%.1f\n", v }'; }
fmt_ms() { awk -v v="$1" 'BEGIN { if (v == "") print "–"; else if (v >= 100000) printf "%.0f ms\n", v / 1000; else printf "%.2f ms\n", v / 1000 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "" || b == "" || b + 0 == 0) print "–"; else printf "%.2f\n", a / b }'; }

ratio_cell() {  # ratio of $1 to $2 on workload $3, marked * if either row had other load, † if both were client-bound
  local a="$1|$3" b="$2|$3" cell
  cell=$(ratio "${R_RPS[$a]:-}" "${R_RPS[$b]:-}")
  [ "$cell" = "–" ] && { echo "$cell"; return; }
  if [ "${R_OCPU[$a]:-0}" -ge 25 ] 2>/dev/null || [ "${R_OCPU[$b]:-0}" -ge 25 ] 2>/dev/null; then cell="$cell \\*"; fi
  if [ "${R_WCPU[$a]:-0}" -ge 90 ] 2>/dev/null && [ "${R_WCPU[$b]:-0}" -ge 90 ] 2>/dev/null; then cell="$cell †"; fi
  echo "$cell"
}

ver() { "$@" 2>&1 | head -n1; }
machine_desc() {
  local cpu mem
  cpu=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)
  mem=$(awk '/^MemTotal:/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)
  echo "- Date: $(date -u '+%Y-%m-%d %H:%M UTC')"
  echo "- CPUs: $NPROC ($cpu); memory: $mem; kernel: $(uname -r)"
  echo "- dotnet SDK $(dotnet --version 2>/dev/null || echo '?'); pwsh $(cd "$REPO" && timeout 60 dotnet pwsh -NoProfile -Command '$PSVersionTable.PSVersion.ToString()' 2>/dev/null || echo '?')"
  echo "- $(ver "$NGINX" -v); $(ver "$LIGHTTPD" -v | cut -d' ' -f1); wrk $(wrk -v 2>&1 | head -n1 | awk '{ print $2 }')"
  local rev
  rev=$(git -C "$REPO" rev-parse --short HEAD 2>/dev/null || echo "no commit yet")
  [ -n "$(git -C "$REPO" status --porcelain -- src module 2>/dev/null)" ] && rev="$rev + uncommitted changes in src/ or module/"
  [ -n "$PSWEB_BUILD" ] && echo "- PSWebServer: $rev; $PSWEB_BUILD"
  echo "- Pinning: $PINNING; loopback (127.0.0.1); load average before the run: $LOAD_BEFORE"
  echo "- Each workload: ${WARMUP} s warm-up, then $([ "$ROUNDS" -gt 1 ] && echo "$ROUNDS rounds of ")${DURATION} s measured with \`wrk -t1 -c N -d ${DURATION}s --timeout 5s --latency -s bench/status.lua\`$([ $QUICK = 1 ] && echo ' (quick mode: smoke numbers, not for comparison)')"
}

report() {
  local wl srv k note ROUNDS_SUM="" ROUNDS_MEDIAN=""
  if [ "$ROUNDS" -gt 1 ]; then
    ROUNDS_SUM=", summed over all rounds"
    ROUNDS_MEDIAN=" Each row is the round with the median req/s of $ROUNDS rounds."
  fi
  echo "# Benchmarks"
  echo
  echo "Written by \`bench/run-bench.sh\` (see [bench/README.md](../bench/README.md) for the method). Every server gets the same single core; wrk runs on the other."
  echo
  machine_desc
  echo
  echo "## Results"
  echo
  echo "MB/s is 10^6 bytes per second as read by wrk (headers included). p99 is wrk's 99th-percentile latency. Errors are socket errors (connect, read, write, timeout) plus responses whose status is not the expected one (200, 404 or 304)${ROUNDS_SUM}; on the 64 KiB and 10 MiB workloads wrk does not count statuses (that would make wrk the bottleneck), so there an unexpected status counts only if it is 400 or above, and a short body is flagged in the note. RSS is the server's resident memory (nginx: master + worker; PSWebServer: the pwsh process that hosts it) sampled at the end of the measured run, while the load was still on. Server CPU is the CPU time the server's processes used during the measured run, in % of one core (about 100 % means its core was saturated; wrk's own CPU is in the raw results, and a note warns when wrk was above 90 %, i.e. the client may be the limit). A note also flags runs during which other processes on the machine used 25 % of a core or more (both cores' busy time from /proc/stat, less the server's and wrk's): those numbers are skewed.${ROUNDS_MEDIAN}"
  echo
  echo "| Workload | Server | req/s | MB/s | p99 | Errors | RSS MiB | Server CPU | Note |"
  echo "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |"
  for wl in "${WL_LIST[@]}"; do
    for srv in "${SERVER_LIST[@]}"; do
      k="$srv|$wl"
      if [ "${SRV_OK[$srv]:-0}" != 1 ]; then
        echo "| $(workload_title "$wl") | $(server_label "$srv") | – | – | – | – | – | – | not measured: ${SRV_NOTE[$srv]:-} |"
        continue
      fi
      note="${R_NOTE[$k]:-}"
      if [ -n "${R_STAT[$k]:-}" ] && [ "${R_ERR[$k]:-0}" != 0 ]; then note="${note:+$note; }statuses ${R_STAT[$k]}"; fi
      echo "| $(workload_title "$wl") | $(server_label "$srv") | $(fmt_int "${R_RPS[$k]:-}") | $(fmt_mbps "${R_MBPS[$k]:-}") | $(fmt_ms "${R_P99[$k]:-}") | ${R_ERR[$k]:-–} | ${R_RSS[$k]:-–} | ${R_SCPU[$k]:+${R_SCPU[$k]} %} | $note |"
    done
  done
  echo
  if [[ ",$SERVERS," == *,psweb,* ]]; then
    echo "## PSWebServer's ratio (req/s)"
    echo
    echo "Above 1.00 means PSWebServer served more requests per second than the other server. Marks are explained below the table."
    echo
    echo "| Workload | PSWebServer / nginx | PSWebServer / lighttpd |"
    echo "| --- | ---: | ---: |"
    for wl in "${WL_LIST[@]}"; do
      echo "| $(workload_title "$wl") | $(ratio_cell psweb nginx "$wl") | $(ratio_cell psweb lighttpd "$wl") |"
    done
    echo
    echo "\\* one of the two rows was measured while other processes used 25 % of a core or more: the ratio is skewed. † wrk was above 90 % CPU for both servers: the client, not the servers, may set both numbers, and the ratio says little."
    echo
    [ -n "$PSWEB_RSS_IDLE" ] && { echo "PSWebServer's RSS right after start (idle, module loaded): $PSWEB_RSS_IDLE MiB, the whole pwsh process that hosts it ($PSWEB_RSS_TREE MiB counting the \`dotnet pwsh\` launcher processes above it, which the table leaves out)."; echo; }
  fi
  echo "Raw wrk output of this run: \`bench/results/$TS/\` (git-ignored)."
}

report >"$RESULTS/benchmarks.md"
cat "$RESULTS/benchmarks.md"
if [ "$WRITE_MD" = 1 ]; then
  mkdir -p "$(dirname "$OUT_MD")"
  cp "$RESULTS/benchmarks.md" "$OUT_MD"
  log "wrote $OUT_MD"
fi
