"""Frame-level HTTP/2 client for the conformance suite (RFC 9113, RFC 7541).

Runs under /usr/bin/python3 (Debian's python3-hyperframe and python3-hpack). hyperframe builds the frames a
well-behaved client sends and parses everything the server sends; frames a correct client never sends (stream 0
DATA, bad lengths, bad padding) are written as raw octets by raw_frame(), because hyperframe refuses to build them.
Header blocks come from hpack's Encoder, or from raw_block() / the lit_*() helpers when a test needs a name or
an octet sequence an encoder would never emit (uppercase names, bad indexes, bad Huffman).
"""

import socket
import ssl
import struct
import time

import hpack
import hpack.huffman
import hpack.huffman_constants
from hyperframe.frame import (ContinuationFrame, DataFrame, ExtensionFrame, Frame, GoAwayFrame, HeadersFrame,
                              PingFrame, PriorityFrame, PushPromiseFrame, RstStreamFrame, SettingsFrame,
                              WindowUpdateFrame)

PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"

# Frame types (RFC 9113 §6) and flags.
DATA, HEADERS, PRIORITY, RST_STREAM, SETTINGS, PUSH_PROMISE, PING, GOAWAY, WINDOW_UPDATE, CONTINUATION = range(10)
END_STREAM, ACK, END_HEADERS, PADDED, PRIORITY_FLAG = 0x1, 0x1, 0x4, 0x8, 0x20

# Error codes (RFC 9113 §7).
ERROR_NAMES = ["NO_ERROR", "PROTOCOL_ERROR", "INTERNAL_ERROR", "FLOW_CONTROL_ERROR", "SETTINGS_TIMEOUT",
               "STREAM_CLOSED", "FRAME_SIZE_ERROR", "REFUSED_STREAM", "CANCEL", "COMPRESSION_ERROR",
               "CONNECT_ERROR", "ENHANCE_YOUR_CALM", "INADEQUATE_SECURITY", "HTTP_1_1_REQUIRED"]
(NO_ERROR, PROTOCOL_ERROR, INTERNAL_ERROR, FLOW_CONTROL_ERROR, SETTINGS_TIMEOUT, STREAM_CLOSED, FRAME_SIZE_ERROR,
 REFUSED_STREAM, CANCEL, COMPRESSION_ERROR, CONNECT_ERROR, ENHANCE_YOUR_CALM, INADEQUATE_SECURITY,
 HTTP_1_1_REQUIRED) = range(14)

# SETTINGS identifiers (RFC 9113 §6.5.2).
HEADER_TABLE_SIZE, ENABLE_PUSH, MAX_CONCURRENT_STREAMS, INITIAL_WINDOW_SIZE, MAX_FRAME_SIZE, MAX_HEADER_LIST_SIZE = \
    range(1, 7)


FRAME_NAMES = ["DATA", "HEADERS", "PRIORITY", "RST_STREAM", "SETTINGS", "PUSH_PROMISE", "PING", "GOAWAY",
               "WINDOW_UPDATE", "CONTINUATION"]


def code_name(code):
    return ERROR_NAMES[code] if 0 <= code < len(ERROR_NAMES) else "0x%x" % code


class CaseFailure(Exception):
    """A case's expectation was not met: expected/got end up on the runner's FAIL line."""

    def __init__(self, expected, got):
        super().__init__("expected %s, got %s" % (expected, got))
        self.expected = expected
        self.got = got


class Options:
    """What every case needs to know about the server under test (filled by run.py)."""

    def __init__(self, host="127.0.0.1", port=80, tls=False, path="/", authority=None, timeout=1.0,
                 large_path=None):
        self.large_path = large_path
        self.host = host
        self.port = port
        self.tls = tls
        self.path = path
        self.authority = authority or "%s:%d" % (host, port)
        self.timeout = timeout

    @property
    def scheme(self):
        return "https" if self.tls else "http"


# ---------------------------------------------------------------- raw octets

def raw_frame(ftype, flags, stream_id, payload=b"", length=None):
    """Nine-octet frame header and payload, with nothing checked (length may lie on purpose)."""
    n = len(payload) if length is None else length
    return struct.pack(">I", n)[1:] + bytes([ftype, flags]) + struct.pack(">I", stream_id & 0xFFFFFFFF) + payload


def hpack_int(value, prefix_bits, first=0):
    """RFC 7541 §5.1 integer with an N-bit prefix; first holds the pattern bits above the prefix."""
    limit = (1 << prefix_bits) - 1
    if value < limit:
        return bytes([first | value])
    out = [first | limit]
    value -= limit
    while value >= 128:
        out.append((value & 0x7F) | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


def hpack_str(s, huffman=False):
    b = s.encode("latin-1") if isinstance(s, str) else s
    if huffman:
        b = hpack.huffman.HuffmanEncoder(hpack.huffman_constants.REQUEST_CODES,
                                         hpack.huffman_constants.REQUEST_CODES_LENGTH).encode(b)
        return hpack_int(len(b), 7, 0x80) + b
    return hpack_int(len(b), 7) + b


def lit_new(name, value):
    """Literal field without indexing, new name (§6.2.2): leaves the dynamic table alone."""
    return b"\x00" + hpack_str(name) + hpack_str(value)


def raw_block(headers):
    """A field block exactly as given: no lowercasing, no validation, no dynamic table."""
    return b"".join(lit_new(n, v) for n, v in headers)


# ---------------------------------------------------------------- connection

class Closed(Exception):
    pass


class Conn:
    """One client connection: raw socket (TLS with ALPN h2 when --tls), frame reader, HPACK state."""

    def __init__(self, opts):
        self.opts = opts
        self.encoder = hpack.Encoder()
        self.decoder = hpack.Decoder()
        self.decoder.max_header_list_size = 1 << 20
        self.server_settings = {}
        self.buf = b""
        self._block = b""
        self.pending = {}
        self.closed = False
        self.seen = []  # short descriptions of every frame read, for FAIL messages
        self.sent = []  # and of every frame written
        raw = socket.create_connection((opts.host, opts.port), timeout=max(opts.timeout, 2.0))
        raw.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        if opts.tls:
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
            ctx.check_hostname = False
            ctx.verify_mode = ssl.CERT_NONE  # frame-level suite: the certificate is tested elsewhere
            ctx.minimum_version = ssl.TLSVersion.TLSv1_2
            ctx.set_alpn_protocols(["h2"])
            raw = ctx.wrap_socket(raw, server_hostname="localhost")
            if raw.selected_alpn_protocol() != "h2":
                raw.close()
                raise CaseFailure("ALPN h2", repr(raw.selected_alpn_protocol()))
        self.sock = raw

    # -- context manager so every case closes its socket
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass

    # -- sending
    def send(self, data):
        if isinstance(data, Frame):
            data = data.serialize()
        elif isinstance(data, (list, tuple)):
            data = b"".join(d.serialize() if isinstance(d, Frame) else d for d in data)
        self._log_sent(data)
        try:
            self.sock.sendall(data)
        except (OSError, ssl.SSLError):
            self.closed = True  # a server that closed on us: the read side reports it

    def _log_sent(self, data):
        """Short descriptions of what went out (the FAIL report's "sent"); octets that are not whole frames are
        described as such."""
        if len(self.sent) > 400:
            return
        i = 0
        if data.startswith(PREFACE):
            self.sent.append("PREFACE")
            i = len(PREFACE)
        while i < len(data):
            if len(data) - i < 9:
                self.sent.append("%d octets" % (len(data) - i))
                return
            n = int.from_bytes(data[i:i + 3], "big")
            ftype, flags = data[i + 3], data[i + 4]
            sid = int.from_bytes(data[i + 5:i + 9], "big")
            name = FRAME_NAMES[ftype] if ftype < len(FRAME_NAMES) else "TYPE_0x%x" % ftype
            self.sent.append("%s(stream %d%s, %d octets%s)" % (
                name, sid & 0x7FFFFFFF, ", R bit" if sid & 0x80000000 else "", n,
                ", flags 0x%x" % flags if flags else ""))
            i += 9 + n
            if i > len(data):
                self.sent[-1] += " (truncated)"

    def encode(self, headers):
        return self.encoder.encode(headers)

    def request_headers(self, method="GET", path=None, extra=(), scheme=None, authority=None):
        return [(":method", method), (":scheme", scheme or self.opts.scheme),
                (":path", path or self.opts.path), (":authority", authority or self.opts.authority)] + list(extra)

    def headers_frame(self, stream_id, block, end_stream=True, end_headers=True, **kw):
        f = HeadersFrame(stream_id, block, **kw)
        if end_stream:
            f.flags.add("END_STREAM")
        if end_headers:
            f.flags.add("END_HEADERS")
        return f

    def send_request(self, stream_id, method="GET", end_stream=True, extra=(), path=None):
        self.send(self.headers_frame(stream_id, self.encode(self.request_headers(method, path, extra)), end_stream))

    def send_ping(self, payload=b"h2conf\x00\x01", ack=False):
        f = PingFrame(0, payload)
        if ack:
            f.flags.add("ACK")
        self.send(f)

    # -- reading
    def _recv(self, deadline):
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError()
        self.sock.settimeout(remaining)
        try:
            data = self.sock.recv(65536)
        except socket.timeout:
            raise TimeoutError()
        except ssl.SSLWantReadError:
            raise TimeoutError()
        except (ConnectionResetError, BrokenPipeError, ssl.SSLError, OSError):
            data = b""
        if not data:
            self.closed = True
            raise Closed()
        self.buf += data

    def read_frame(self, deadline):
        """The next frame, or raises Closed / TimeoutError. Field blocks are decoded here, in arrival order, so
        the HPACK state stays right whichever stream a case is waiting on: the frame that ends a block gets
        .decoded (the list of fields)."""
        while len(self.buf) < 9:
            self._recv(deadline)
        length = int.from_bytes(self.buf[:3], "big")
        while len(self.buf) < 9 + length:
            self._recv(deadline)
        header, body, self.buf = self.buf[:9], self.buf[9:9 + length], self.buf[9 + length:]
        frame, _ = Frame.parse_frame_header(memoryview(header))
        frame.parse_body(memoryview(body))
        frame.decoded = None
        if isinstance(frame, (HeadersFrame, PushPromiseFrame, ContinuationFrame)):
            self._block += frame.data
            if "END_HEADERS" in frame.flags:
                block, self._block = self._block, b""
                frame.decoded = [(n.decode("latin-1") if isinstance(n, bytes) else n,
                                  v.decode("latin-1") if isinstance(v, bytes) else v)
                                 for n, v in self.decoder.decode(block, raw=True)]
        self.seen.append(describe(frame))
        return frame

    def frame_for(self, stream_id, deadline):
        """The next frame on stream_id or on the connection (stream 0); frames of other streams wait in
        self.pending for whoever asks for them."""
        q = self.pending.get(stream_id)
        if q:
            return q.pop(0)
        while True:
            f = self.read_frame(deadline)
            if f.stream_id in (0, stream_id):
                return f
            self.pending.setdefault(f.stream_id, []).append(f)

    def deadline(self, seconds=None):
        return time.monotonic() + (self.opts.timeout if seconds is None else seconds)

    # -- the connection preface and SETTINGS exchange (§3.4)
    def handshake(self, settings=None, wait_ack=True):
        s = SettingsFrame(0, settings or {})
        self.send([PREFACE, s])
        got_settings = False
        got_ack = not wait_ack
        end = self.deadline(max(self.opts.timeout, 2.0))
        while not (got_settings and got_ack):
            try:
                f = self.read_frame(end)
            except TimeoutError:
                raise CaseFailure("server SETTINGS and SETTINGS ACK", "timeout (%s)" % self.summary())
            except Closed:
                raise CaseFailure("server SETTINGS and SETTINGS ACK", "connection closed (%s)" % self.summary())
            if isinstance(f, SettingsFrame):
                if "ACK" in f.flags:
                    got_ack = True
                else:
                    self.server_settings.update(f.settings)
                    got_settings = True
                    self.send(SettingsFrame(0, flags=["ACK"]))
            elif isinstance(f, GoAwayFrame):
                raise CaseFailure("server SETTINGS", describe(f))
        self.seen = []
        self.sent = ["(preface, SETTINGS and ACK exchanged)"]
        return self

    def summary(self):
        if not self.seen:
            return "no frames"
        tail = self.seen[-6:]
        return ", ".join(tail) + (" (+%d earlier)" % (len(self.seen) - 6) if len(self.seen) > 6 else "")


def describe(f):
    name = type(f).__name__.replace("Frame", "").upper()
    if isinstance(f, GoAwayFrame):
        return "GOAWAY(%s, last=%d%s)" % (code_name(f.error_code), f.last_stream_id,
                                         ", " + f.additional_data[:60].decode("latin-1") if f.additional_data else "")
    if isinstance(f, RstStreamFrame):
        return "RST_STREAM(stream %d, %s)" % (f.stream_id, code_name(f.error_code))
    if isinstance(f, SettingsFrame):
        return "SETTINGS(ACK)" if "ACK" in f.flags else "SETTINGS(%s)" % dict(f.settings)
    if isinstance(f, DataFrame):
        return "DATA(stream %d, %d octets%s)" % (f.stream_id, len(f.data), ", END_STREAM" if "END_STREAM" in f.flags else "")
    if isinstance(f, PingFrame):
        return "PING(%s)" % ("ACK" if "ACK" in f.flags else "")
    if isinstance(f, ExtensionFrame):
        return "EXTENSION(type %d)" % f.type
    return "%s(stream %d)" % (name, f.stream_id)


# ---------------------------------------------------------------- expectations

def expect_connection_error(c, *codes, seconds=None):
    """§5.4.1: GOAWAY with one of codes, or the connection closed without one."""
    want = "GOAWAY(%s) or close" % "|".join(code_name(x) for x in codes)
    end = c.deadline(seconds)
    while True:
        try:
            f = c.read_frame(end)
        except Closed:
            return
        except TimeoutError:
            raise CaseFailure(want, "timeout (%s)" % c.summary())
        if isinstance(f, GoAwayFrame):
            if f.error_code in codes:
                return
            raise CaseFailure(want, describe(f))


def expect_stream_error(c, stream_id, *codes, seconds=None):
    """§5.4.2: RST_STREAM with one of codes, or (§5.4.1 allows it) GOAWAY with one of codes."""
    names = "|".join(code_name(x) for x in codes)
    want = "RST_STREAM(%s) or GOAWAY(%s)" % (names, names)
    end = c.deadline(seconds)
    while True:
        try:
            f = c.read_frame(end)
        except Closed:
            raise CaseFailure(want, "connection closed (%s)" % c.summary())
        except TimeoutError:
            raise CaseFailure(want, "timeout (%s)" % c.summary())
        if isinstance(f, GoAwayFrame):
            if f.error_code in codes:
                return
            raise CaseFailure(want, describe(f))
        if isinstance(f, RstStreamFrame) and f.stream_id == stream_id:
            if f.error_code in codes:
                return
            if f.error_code == NO_ERROR and NO_ERROR not in codes:
                continue  # §8.1: "stop sending, the response is complete"; the error may still follow
            raise CaseFailure(want, describe(f))


def expect_alive(c, what="the frame ignored and PING answered"):
    """The server ignored what came before: a PING sent now is answered with an ACK carrying its payload."""
    payload = b"alive\x00\x00\x07"
    c.send_ping(payload)
    end = c.deadline()
    while True:
        try:
            f = c.read_frame(end)
        except Closed:
            raise CaseFailure(what, "connection closed (%s)" % c.summary())
        except TimeoutError:
            raise CaseFailure(what, "timeout (%s)" % c.summary())
        if isinstance(f, GoAwayFrame) or (isinstance(f, RstStreamFrame) and f.error_code != NO_ERROR):
            raise CaseFailure(what, describe(f))
        if isinstance(f, PingFrame) and "ACK" in f.flags and f.opaque_data == payload:
            return


def read_response(c, stream_id, want_body=True, seconds=None):
    """A response on stream_id: (status, headers, body, DATA lengths); with want_body=False it returns at the
    final HEADERS. Fails on RST_STREAM, GOAWAY or close."""
    what = "a response on stream %d" % stream_id
    end = c.deadline(seconds)
    headers = None
    ends = False
    body = b""
    lengths = []
    while True:
        try:
            f = c.frame_for(stream_id, end)
        except Closed:
            raise CaseFailure(what, "connection closed (%s)" % c.summary())
        except TimeoutError:
            raise CaseFailure(what, "timeout (%s)" % c.summary())
        if isinstance(f, GoAwayFrame):
            raise CaseFailure(what, describe(f))
        if f.stream_id != stream_id:
            continue
        if isinstance(f, RstStreamFrame):
            raise CaseFailure(what, describe(f))
        if isinstance(f, (HeadersFrame, ContinuationFrame)):
            if isinstance(f, HeadersFrame):
                ends = "END_STREAM" in f.flags  # applies once the block's CONTINUATIONs are in
            if f.decoded is None:
                continue
            if headers is None and status_of(f.decoded) >= 200:  # 1xx: the final response follows
                headers = f.decoded
                if not want_body:
                    return status_of(headers), headers, body, lengths
            if ends:
                if headers is None:
                    raise CaseFailure(what, "END_STREAM without a final response")
                return status_of(headers), headers, body, lengths
        elif isinstance(f, DataFrame):
            if headers is None:
                raise CaseFailure(what, "DATA before HEADERS")
            body += f.data
            lengths.append(len(f.data))
            # Give the window back as a real client does, so many responses on one connection never stall on the
            # connection window (the stream's only while it still has DATA to come).
            n = f.flow_controlled_length
            if n:
                c.send(window_update(0, n) if "END_STREAM" in f.flags else
                       [window_update(0, n), window_update(stream_id, n)])
            if "END_STREAM" in f.flags:
                return status_of(headers), headers, body, lengths


def window_update(stream_id, increment):
    return raw_frame(WINDOW_UPDATE, 0, stream_id, (increment & 0x7FFFFFFF).to_bytes(4, "big"))


def status_of(headers):
    for n, v in headers:
        if n == ":status":
            return int(v)
    raise CaseFailure("a :status pseudo-header", "none in %r" % headers)


def expect_response(c, stream_id, status=None):
    st, headers, body, lengths = read_response(c, stream_id)
    if status is not None and st != status:
        raise CaseFailure(":status %d" % status, ":status %d" % st)
    return st, headers, body, lengths


def expect_headers(c, stream_id):
    """Any response HEADERS on the stream (the body, if any, is not awaited)."""
    return read_response(c, stream_id, want_body=False)


def expect_data_frame(c, stream_id, length):
    what = "DATA of %d octets on stream %d" % (length, stream_id)
    end = c.deadline()
    while True:
        try:
            f = c.frame_for(stream_id, end)
        except (Closed, TimeoutError) as e:
            raise CaseFailure(what, "%s (%s)" % ("closed" if isinstance(e, Closed) else "timeout", c.summary()))
        if isinstance(f, GoAwayFrame) or (isinstance(f, RstStreamFrame) and f.stream_id == stream_id):
            raise CaseFailure(what, describe(f))
        if isinstance(f, DataFrame) and f.stream_id == stream_id:
            if len(f.data) == length:
                return
            raise CaseFailure(what, describe(f))


def expect_no_frame(c, seconds, match, what):
    """Nothing matching arrives within seconds (the connection may carry other frames)."""
    end = c.deadline(seconds)
    while True:
        try:
            f = c.read_frame(end)
        except TimeoutError:
            return
        except Closed:
            raise CaseFailure(what, "connection closed (%s)" % c.summary())
        if match(f):
            raise CaseFailure(what, describe(f))
