"""Flood cases (RFC 9113 §10.5): one connection floods, the server must cut it (GOAWAY ENHANCE_YOUR_CALM, or a
close) within a bounded number of frames and seconds, while a well-behaved client on another connection keeps
getting each answer within a second. Every loop here is bounded by a frame count and a time budget.

Each flood is sustained for a couple of seconds: every cut connection is replaced by a new one that floods again,
so the other client is measured under attack, not only after the first cut. The floods are the published ones: Rapid Reset (CVE-2023-44487), CONTINUATION flood (CVE-2024-27316 and
friends), ping flood (CVE-2019-9512), settings flood (CVE-2019-9515), empty frames (CVE-2019-9518).
"""

import socket
import threading
import time

from h2lib import (CANCEL, CONTINUATION, DATA, END_HEADERS, END_STREAM, ENHANCE_YOUR_CALM, HEADERS,
                   INITIAL_WINDOW_SIZE, PING, RST_STREAM, SETTINGS, CaseFailure, Closed, Conn, GoAwayFrame,
                   code_name, describe, expect_response, lit_new, raw_block, raw_frame)

FLOODS = []

MAX_SECONDS = 6.0       # the flood stops here if the server has not cut it
GOOD_LATENCY = 1.0      # each answer to the well-behaved client within this
GOOD_MIN_ANSWERS = 3    # and at least this many answers while the flood runs
SUSTAIN = 2.0           # seconds of flooding: a cut connection is replaced by a new one
MAX_CONNECTIONS = 300   # flooding connections at most


class Flood:
    def __init__(self, cid, section, title, fn):
        self.id = cid
        self.section = section
        self.title = title
        self.fn = fn


def flood(cid, section, title):
    def register(fn):
        FLOODS.append(Flood(cid, section, title, fn))
        return fn
    return register


class GoodClient(threading.Thread):
    """GETs one after another on its own connection, recording how long each answer took."""

    def __init__(self, opts):
        super().__init__(daemon=True)
        self.opts = opts
        self.stop = threading.Event()
        self.latencies = []
        self.errors = []

    def run(self):
        conn = None
        sid = 1
        while not self.stop.is_set():
            try:
                if conn is None:
                    conn = Conn(self.opts)
                    conn.handshake()
                    sid = 1
                t0 = time.monotonic()
                conn.send_request(sid)
                expect_response(conn, sid, 200)
                self.latencies.append(time.monotonic() - t0)
                sid += 2
                if sid > 1999:
                    conn.close()
                    conn = None
            except Exception as e:  # a failure is recorded, then a fresh connection is tried
                self.errors.append("%s: %s" % (type(e).__name__, e))
                if conn:
                    conn.close()
                conn = None
            self.stop.wait(0.05)
        if conn:
            conn.close()

    def verdict(self):
        slow = [x for x in self.latencies if x > GOOD_LATENCY]
        if self.errors:
            return "the other client failed: %s" % self.errors[0]
        if slow:
            return "the other client waited %.2fs for an answer (%d of %d over %.1fs)" % (
                max(slow), len(slow), len(self.latencies), GOOD_LATENCY)
        if len(self.latencies) < GOOD_MIN_ANSWERS:
            return "the other client got only %d answers" % len(self.latencies)
        return None


def run_flood(opts, setup, frames, max_frames, batch):
    """setup(c) sends what opens the flood; frames(i) gives the octets of the i-th flood unit. The attack is
    sustained: a cut connection is replaced by a new one that floods again, for SUSTAIN seconds (at most
    MAX_CONNECTIONS), and every one of them must be cut within max_frames units and MAX_SECONDS.
    Returns a detail string; raises CaseFailure when a connection was not cut or the other client suffered."""
    good = GoodClient(opts)
    good.start()
    time.sleep(0.15)  # the good client is connected and answered before the flood starts
    started = time.monotonic()
    cuts = []
    most = 0
    try:
        while not cuts or (time.monotonic() - started < SUSTAIN and len(cuts) < MAX_CONNECTIONS):
            cut, sent, elapsed, summary = flood_one(opts, setup, frames, max_frames, batch)
            if cut is None:
                raise CaseFailure(
                    "the connection cut (GOAWAY ENHANCE_YOUR_CALM or close) within %d units / %.0fs" % (
                        max_frames, MAX_SECONDS),
                    "connection %d still open after %d units in %.1fs (%s)" % (len(cuts) + 1, sent, elapsed, summary))
            cuts.append(cut)
            most = max(most, sent)
    finally:
        time.sleep(0.3)  # the other client keeps asking just after the last cut too
        good.stop.set()
        good.join(3)
    complaint = good.verdict()
    if complaint:
        raise CaseFailure("the other client answered within %.1fs each" % GOOD_LATENCY, complaint)
    return "%d flooding connections in %.1fs, each cut within %d units (first: %s); other client: %d answers, " \
        "slowest %.3fs" % (len(cuts), time.monotonic() - started, most, cuts[0], len(good.latencies),
                           max(good.latencies))


def flood_one(opts, setup, frames, max_frames, batch):
    """One flooding connection: (cut or None, units sent, seconds, summary of frames read)."""
    c = Conn(opts)
    c.handshake()
    setup(c)
    sent = 0
    cut = None
    started = time.monotonic()
    try:
        while sent < max_frames and time.monotonic() - started < MAX_SECONDS and cut is None:
            chunk = b"".join(frames(c, sent + k) for k in range(batch))
            try:
                c.sock.settimeout(0.5)
                c.sock.sendall(chunk)
                sent += batch
            except socket.timeout:
                pass  # the server stopped reading: keep looking for the cut, within the time budget
            except OSError:
                cut = "closed"
                break
            cut = drain(c)
        # The last frames may still be in flight: give the server a moment to answer them.
        end = time.monotonic() + 1.0
        while cut is None and time.monotonic() < end:
            cut = drain(c, 0.1)
    finally:
        c.close()
    return cut, sent, time.monotonic() - started, c.summary()


def drain(c, seconds=0.0):
    """Reads what has arrived; 'GOAWAY(...)' or 'closed' once the server cut the connection, else None.
    A GOAWAY with another code is not yet a cut: the close that follows it is."""
    end = time.monotonic() + seconds + 0.002
    while True:
        try:
            f = c.read_frame(end)
        except TimeoutError:
            return None
        except Closed:
            return "closed"
        if isinstance(f, GoAwayFrame) and f.error_code == ENHANCE_YOUR_CALM:
            return describe(f)


def _headers(c, sid, end_stream):
    return raw_frame(HEADERS, END_HEADERS | (END_STREAM if end_stream else 0), sid, raw_block(
        [(":method", "GET"), (":scheme", c.opts.scheme), (":path", c.opts.path), (":authority", c.opts.authority)]))


@flood("flood/rapid-reset", "9113 §10.5", "Rapid Reset: HEADERS then RST_STREAM in a loop is cut")
def _(o):
    def unit(c, i):
        sid = 1 + 2 * i
        return _headers(c, sid, False) + raw_frame(RST_STREAM, 0, sid, CANCEL.to_bytes(4, "big"))
    return run_flood(o, lambda c: None, unit, max_frames=20000, batch=50)


@flood("flood/continuation", "9113 §10.5", "CONTINUATION flood: a header block that never ends is cut")
def _(o):
    filler = lit_new("x-flood", "a" * 90)

    def setup(c):
        c.send(raw_frame(HEADERS, END_STREAM, 1, raw_block(
            [(":method", "GET"), (":scheme", o.scheme), (":path", o.path), (":authority", o.authority)])))

    return run_flood(o, setup, lambda c, i: raw_frame(CONTINUATION, 0, 1, filler), max_frames=20000, batch=50)


@flood("flood/ping", "9113 §10.5", "PING flood is cut")
def _(o):
    return run_flood(o, lambda c: None, lambda c, i: raw_frame(PING, 0, 0, i.to_bytes(8, "big")),
                     max_frames=50000, batch=100)


@flood("flood/settings", "9113 §10.5", "SETTINGS flood is cut")
def _(o):
    payload = INITIAL_WINDOW_SIZE.to_bytes(2, "big") + (65535).to_bytes(4, "big")
    return run_flood(o, lambda c: None, lambda c, i: raw_frame(SETTINGS, 0, 0, payload), max_frames=50000, batch=100)


@flood("flood/empty-data", "9113 §10.5", "Empty DATA frames without END_STREAM in a loop are cut")
def _(o):
    def setup(c):
        # A GET without END_STREAM for a large file keeps the stream open on both sides (the server waits for
        # WINDOW_UPDATE mid-body), so the empty frames land on an open stream rather than one the server has reset.
        c.send(raw_frame(HEADERS, END_HEADERS, 1, raw_block(
            [(":method", "GET"), (":scheme", o.scheme), (":path", o.large_path or o.path),
             (":authority", o.authority)])))

    return run_flood(o, setup, lambda c, i: raw_frame(DATA, 0, 1, b""), max_frames=50000, batch=100)
