"""The conformance cases, section by section, in the spirit of h2spec (ids follow h2spec's, which number by
RFC 7540; `section` names the RFC 9113 / RFC 7541 section that holds the rule today). Cases with ids under
rfc9113/ cover rules h2spec leaves out (RFC 9113 §8.2 field validity, the other connection-specific fields)
or positive checks of the response itself.

Each case gets a Conn whose preface and SETTINGS exchange are done (unless raw=True) and raises CaseFailure
when the server's answer is not one RFC 9113 allows. Where the RFC names a stream error, RST_STREAM with the
code or GOAWAY with the code passes (§5.4.1 lets any stream error be a connection error); where it names a
connection error, GOAWAY with the code or a close passes.
"""

import time

from h2lib import *  # noqa: F401,F403  (frame constants and helpers)
from h2lib import (CaseFailure, Conn, ContinuationFrame, DataFrame, GoAwayFrame, HeadersFrame, PingFrame,
                   PriorityFrame, RstStreamFrame, SettingsFrame, WindowUpdateFrame, describe, expect_alive,
                   expect_connection_error, expect_data_frame, expect_headers, expect_no_frame, expect_response,
                   expect_stream_error, hpack_int, hpack_str, lit_new, raw_block, raw_frame, read_response,
                   window_update)

CASES = []


class Case:
    def __init__(self, cid, section, title, fn, raw=False, settings=None):
        self.id = cid
        self.section = section
        self.title = title
        self.fn = fn
        self.raw = raw
        self.settings = settings


def case(cid, section, title, raw=False, settings=None):
    def register(fn):
        CASES.append(Case(cid, section, title, fn, raw, settings))
        return fn
    return register


# ---------------------------------------------------------------- helpers local to the cases

def get_block(c, extra=(), method="GET", path=None):
    return c.encode(c.request_headers(method, path, extra))


def pseudo(c, method="GET", path=None):
    """The four request pseudo-headers as a raw list (for malformed-request cases built by raw_block)."""
    return [(":method", method), (":scheme", c.opts.scheme), (":path", path or c.opts.path),
            (":authority", c.opts.authority)]


def send_raw_request(c, sid, headers, end_stream=True):
    flags = END_HEADERS | (END_STREAM if end_stream else 0)
    c.send(raw_frame(HEADERS, flags, sid, raw_block(headers)))


def finish_get(c, sid=1):
    """A GET on sid answered completely: the stream is closed on both sides afterwards."""
    c.send_request(sid)
    expect_response(c, sid)


def priority_payload(dep, weight=15, exclusive=False):
    return ((dep | (0x80000000 if exclusive else 0)).to_bytes(4, "big")) + bytes([weight])


def settings_payload(pairs):
    return b"".join(k.to_bytes(2, "big") + v.to_bytes(4, "big") for k, v in pairs)


# ================================================================ generic (h2spec "generic")

@case("generic/1/1", "9113 §3.4", "Sends a client connection preface")
def _(c, o):
    expect_alive(c, "PING answered after the preface")


@case("generic/2/1", "9113 §5.1", "Sends a PRIORITY frame on idle stream")
def _(c, o):
    c.send(PriorityFrame(1, depends_on=0, stream_weight=15))
    expect_alive(c)


@case("generic/2/2", "9113 §5.1", "Sends a WINDOW_UPDATE frame on half-closed (remote) stream")
def _(c, o):
    c.send_request(1)
    c.send(WindowUpdateFrame(1, 100))
    expect_headers(c, 1)


@case("generic/2/3", "9113 §5.1", "Sends a PRIORITY frame on half-closed (remote) stream")
def _(c, o):
    c.send_request(1)
    c.send(PriorityFrame(1, depends_on=0, stream_weight=15))
    expect_headers(c, 1)


@case("generic/2/4", "9113 §5.1", "Sends a RST_STREAM frame on half-closed (remote) stream")
def _(c, o):
    c.send_request(1)
    c.send(RstStreamFrame(1, CANCEL))
    expect_alive(c)


@case("generic/2/5", "9113 §5.1", "Sends a PRIORITY frame on closed stream")
def _(c, o):
    finish_get(c)
    c.send(PriorityFrame(1, depends_on=0, stream_weight=15))
    expect_alive(c)


@case("generic/3.1/1", "9113 §6.1", "Sends a DATA frame")
def _(c, o):
    c.send(c.headers_frame(1, get_block(c, [("content-length", "4")], "POST"), end_stream=False))
    c.send(DataFrame(1, b"test", flags=["END_STREAM"]))
    expect_headers(c, 1)


@case("generic/3.1/2", "9113 §6.1", "Sends multiple DATA frames")
def _(c, o):
    c.send(c.headers_frame(1, get_block(c, [("content-length", "8")], "POST"), end_stream=False))
    c.send([DataFrame(1, b"test"), DataFrame(1, b"test", flags=["END_STREAM"])])
    expect_headers(c, 1)


@case("generic/3.1/3", "9113 §6.1", "Sends a DATA frame with padding")
def _(c, o):
    c.send(c.headers_frame(1, get_block(c, [("content-length", "4")], "POST"), end_stream=False))
    c.send(DataFrame(1, b"test", flags=["END_STREAM", "PADDED"], pad_length=8))
    expect_headers(c, 1)


@case("generic/3.2/1", "9113 §6.2", "Sends a HEADERS frame")
def _(c, o):
    c.send_request(1)
    expect_headers(c, 1)


@case("generic/3.2/2", "9113 §6.2", "Sends a HEADERS frame with padding")
def _(c, o):
    f = c.headers_frame(1, get_block(c), pad_length=8)
    f.flags.add("PADDED")
    c.send(f)
    expect_headers(c, 1)


@case("generic/3.2/3", "9113 §6.2", "Sends a HEADERS frame with priority")
def _(c, o):
    f = c.headers_frame(1, get_block(c), depends_on=0, stream_weight=200, exclusive=False)
    f.flags.add("PRIORITY")
    c.send(f)
    expect_headers(c, 1)


@case("generic/3.3/1", "9113 §6.3", "Sends a PRIORITY frame with priority 1")
def _(c, o):
    c.send(PriorityFrame(1, depends_on=0, stream_weight=0))
    c.send_request(1)
    expect_headers(c, 1)


@case("generic/3.3/2", "9113 §6.3", "Sends a PRIORITY frame with priority 256")
def _(c, o):
    c.send(PriorityFrame(1, depends_on=0, stream_weight=255))
    c.send_request(1)
    expect_headers(c, 1)


@case("generic/3.3/3", "9113 §6.3", "Sends a PRIORITY frame with stream dependency")
def _(c, o):
    c.send(PriorityFrame(3, depends_on=1, stream_weight=15))
    c.send_request(1)
    expect_headers(c, 1)


@case("generic/3.3/4", "9113 §6.3", "Sends a PRIORITY frame with exclusive")
def _(c, o):
    c.send(PriorityFrame(3, depends_on=1, stream_weight=15, exclusive=True))
    c.send_request(1)
    expect_headers(c, 1)


@case("generic/3.3/5", "9113 §6.3", "Sends a PRIORITY frame for an idle stream, then send a HEADER frame for a lower stream ID")
def _(c, o):
    c.send(PriorityFrame(3, depends_on=0, stream_weight=15))
    c.send_request(1)
    expect_headers(c, 1)


@case("generic/3.4/1", "9113 §6.4", "Sends a RST_STREAM frame")
def _(c, o):
    c.send_request(1, end_stream=False)
    c.send(RstStreamFrame(1, CANCEL))
    expect_alive(c)


@case("generic/3.5/1", "9113 §6.5", "Sends a SETTINGS frame")
def _(c, o):
    c.send(SettingsFrame(0, {MAX_CONCURRENT_STREAMS: 100}))
    end = c.deadline()
    while True:
        try:
            f = c.read_frame(end)
        except Exception as e:
            raise CaseFailure("SETTINGS ACK", "%s (%s)" % (type(e).__name__, c.summary()))
        if isinstance(f, SettingsFrame) and "ACK" in f.flags:
            return
        if isinstance(f, GoAwayFrame):
            raise CaseFailure("SETTINGS ACK", describe(f))


@case("generic/3.7/1", "9113 §6.7", "Sends a PING frame")
def _(c, o):
    expect_alive(c, "PING ACK")


@case("generic/3.8/1", "9113 §6.8", "Sends a GOAWAY frame")
def _(c, o):
    c.send(GoAwayFrame(0, last_stream_id=0, error_code=NO_ERROR))
    # The server may answer the PING or close: either way no error of its own.
    c.send_ping(b"goaway\x00\x01")
    end = c.deadline()
    while True:
        try:
            f = c.read_frame(end)
        except Exception:
            return  # closed, or quiet: both fine after our GOAWAY
        if isinstance(f, GoAwayFrame) and f.error_code != NO_ERROR:
            raise CaseFailure("PING ACK, GOAWAY(NO_ERROR) or close", describe(f))
        if isinstance(f, PingFrame) and "ACK" in f.flags:
            return


@case("generic/3.9/1", "9113 §6.9", "Sends a WINDOW_UPDATE frame with stream ID 0")
def _(c, o):
    c.send(WindowUpdateFrame(0, 1))
    expect_alive(c)


@case("generic/3.9/2", "9113 §6.9", "Sends a WINDOW_UPDATE frame with arbitrary stream ID")
def _(c, o):
    c.send_request(1)
    c.send(WindowUpdateFrame(1, 1))
    expect_headers(c, 1)


@case("generic/3.10/1", "9113 §6.10", "Sends a CONTINUATION frame")
def _(c, o):
    block = get_block(c)
    c.send([c.headers_frame(1, block[:4], end_headers=False), ContinuationFrame(1, block[4:], flags=["END_HEADERS"])])
    expect_headers(c, 1)


@case("generic/3.10/2", "9113 §6.10", "Sends multiple CONTINUATION frames")
def _(c, o):
    block = get_block(c)
    c.send([c.headers_frame(1, block[:2], end_headers=False), ContinuationFrame(1, block[2:4]),
            ContinuationFrame(1, block[4:], flags=["END_HEADERS"])])
    expect_headers(c, 1)


@case("generic/4/1", "9113 §8.3", "Sends a GET request")
def _(c, o):
    c.send_request(1)
    expect_response(c, 1, 200)


@case("generic/4/2", "9113 §8.3", "Sends a HEAD request")
def _(c, o):
    c.send_request(1, method="HEAD")
    st, _, body, _ = expect_response(c, 1, 200)
    if body:
        raise CaseFailure("no DATA payload for HEAD", "%d octets" % len(body))


@case("generic/4/3", "9113 §8.3", "Sends a POST request")
def _(c, o):
    c.send(c.headers_frame(1, get_block(c, [("content-length", "4")], "POST"), end_stream=False))
    c.send(DataFrame(1, b"test", flags=["END_STREAM"]))
    expect_response(c, 1)


@case("generic/4/4", "9113 §8.1", "Sends a POST request with trailers")
def _(c, o):
    c.send(c.headers_frame(1, get_block(c, [("content-length", "4"), ("te", "trailers")], "POST"), end_stream=False))
    c.send(DataFrame(1, b"test"))
    c.send(c.headers_frame(1, c.encode([("x-trailer", "yes")])))
    expect_response(c, 1)


def _hpack_variant(cid, title, field):
    @case(cid, "7541 §6", title)
    def _(c, o):
        c.send(raw_frame(HEADERS, END_HEADERS | END_STREAM, 1, raw_block(pseudo(c)) + field))
        expect_response(c, 1)


@case("generic/5/1", "7541 §6.1", "Sends a indexed header field representation")
def _(c, o):
    # :method GET (2), :scheme http/https (6/7), :path / (4) from the static table.
    path = b"\x84" if o.path == "/" else hpack_int(4, 4, 0) + hpack_str(o.path)
    block = bytes([0x82, 0x87 if o.tls else 0x86]) + path + hpack_int(1, 4, 0) + hpack_str(o.authority)
    c.send(raw_frame(HEADERS, END_HEADERS | END_STREAM, 1, block))
    expect_response(c, 1)


_UA = 58  # user-agent in the static table (RFC 7541 Appendix A)
for _cid, _title, _field in [
    ("generic/5/2", "Sends a literal header field with indexing - indexed name", hpack_int(_UA, 6, 0x40) + hpack_str("h2conf")),
    ("generic/5/3", "Sends a literal header field with indexing - indexed name (with Huffman coding)", hpack_int(_UA, 6, 0x40) + hpack_str("h2conf", True)),
    ("generic/5/4", "Sends a literal header field with indexing - new name", b"\x40" + hpack_str("x-h2conf") + hpack_str("1")),
    ("generic/5/5", "Sends a literal header field with indexing - new name (with Huffman coding)", b"\x40" + hpack_str("x-h2conf", True) + hpack_str("1", True)),
    ("generic/5/6", "Sends a literal header field without indexing - indexed name", hpack_int(_UA, 4, 0x00) + hpack_str("h2conf")),
    ("generic/5/7", "Sends a literal header field without indexing - indexed name (with Huffman coding)", hpack_int(_UA, 4, 0x00) + hpack_str("h2conf", True)),
    ("generic/5/8", "Sends a literal header field without indexing - new name", b"\x00" + hpack_str("x-h2conf") + hpack_str("1")),
    ("generic/5/9", "Sends a literal header field without indexing - new name (huffman encoded)", b"\x00" + hpack_str("x-h2conf", True) + hpack_str("1", True)),
    ("generic/5/10", "Sends a literal header field never indexed - indexed name", hpack_int(_UA, 4, 0x10) + hpack_str("h2conf")),
    ("generic/5/11", "Sends a literal header field never indexed - indexed name (huffman encoded)", hpack_int(_UA, 4, 0x10) + hpack_str("h2conf", True)),
    ("generic/5/12", "Sends a literal header field never indexed - new name", b"\x10" + hpack_str("x-h2conf") + hpack_str("1")),
    ("generic/5/13", "Sends a literal header field never indexed - new name (huffman encoded)", b"\x10" + hpack_str("x-h2conf", True) + hpack_str("1", True)),
]:
    _hpack_variant(_cid, _title, _field)


@case("generic/5/14", "7541 §6.3", "Sends a dynamic table size update")
def _(c, o):
    c.send(raw_frame(HEADERS, END_HEADERS | END_STREAM, 1, hpack_int(2048, 5, 0x20) + raw_block(pseudo(c))))
    expect_response(c, 1)


@case("generic/5/15", "7541 §2.3.2", "Sends multiple requests with same header fields (dynamic table)")
def _(c, o):
    # hpack's encoder indexes the fields in the dynamic table; the second request refers to them by index.
    c.send_request(1, extra=[("x-h2conf", "dynamic")])
    expect_response(c, 1)
    c.send_request(3, extra=[("x-h2conf", "dynamic")])
    expect_response(c, 3)


# ================================================================ http2 (h2spec "http2")


@case("http2/3.5/1", "9113 §3.4", "Sends client connection preface", raw=True)
def _(c, o):
    c.send([PREFACE, SettingsFrame(0, {})])
    end = c.deadline(max(o.timeout, 2.0))
    try:
        f = c.read_frame(end)
    except Exception as e:
        raise CaseFailure("SETTINGS as the server's first frame", "%s (%s)" % (type(e).__name__, c.summary()))
    if not isinstance(f, SettingsFrame) or "ACK" in f.flags:
        raise CaseFailure("SETTINGS as the server's first frame", describe(f))


@case("http2/3.5/2", "9113 §3.4", "Sends invalid connection preface", raw=True)
def _(c, o):
    c.send(b"INVALID CONNECTION PREFACE\r\n\r\n")
    expect_connection_error(c, PROTOCOL_ERROR)


@case("http2/4.1/1", "9113 §4.1", "Sends a frame with unknown type")
def _(c, o):
    c.send(raw_frame(0x16, 0, 0, b"\x00" * 8))
    expect_alive(c)


@case("http2/4.1/2", "9113 §4.1", "Sends a frame with undefined flag")
def _(c, o):
    payload = b"flags\x00\x00\x01"
    c.send(raw_frame(PING, 0x16, 0, payload))
    end = c.deadline()
    while True:
        try:
            f = c.read_frame(end)
        except Exception as e:
            raise CaseFailure("PING ACK (unknown flags ignored)", "%s (%s)" % (type(e).__name__, c.summary()))
        if isinstance(f, PingFrame) and "ACK" in f.flags and f.opaque_data == payload:
            return
        if isinstance(f, GoAwayFrame):
            raise CaseFailure("PING ACK (unknown flags ignored)", describe(f))


@case("http2/4.1/3", "9113 §4.1", "Sends a frame with reserved field bit")
def _(c, o):
    c.send(raw_frame(HEADERS, END_HEADERS | END_STREAM, 1 | 0x80000000, get_block(c)))
    expect_headers(c, 1)


@case("http2/4.2/1", "9113 §4.2", "Sends a DATA frame with 2^14 octets in length")
def _(c, o):
    c.send(c.headers_frame(1, get_block(c, [("content-length", "16384")], "POST"), end_stream=False))
    c.send(DataFrame(1, b"x" * 16384, flags=["END_STREAM"]))
    expect_headers(c, 1)


@case("http2/4.2/2", "9113 §4.2", "Sends a large size DATA frame that exceeds the SETTINGS_MAX_FRAME_SIZE")
def _(c, o):
    size = c.server_settings.get(MAX_FRAME_SIZE, 16384) + 1
    c.send(c.headers_frame(1, get_block(c, [("content-length", str(size))], "POST"), end_stream=False))
    # A server advertising huge frames gets the frame header and the first 64 KiB: the length alone is the error.
    c.send(raw_frame(DATA, END_STREAM, 1, b"x" * min(size, 65536), length=size))
    try:
        expect_stream_error(c, 1, FRAME_SIZE_ERROR)
    except CaseFailure as e:
        if "connection closed" not in e.got:  # a connection error may be a plain close
            raise


@case("http2/4.2/3", "9113 §4.2", "Sends a large size HEADERS frame that exceeds the SETTINGS_MAX_FRAME_SIZE")
def _(c, o):
    size = c.server_settings.get(MAX_FRAME_SIZE, 16384)
    extra = [("x-dummy%d" % i, "x" * 1000) for i in range(min(size, 65536) // 1000 + 2)]
    block = raw_block(pseudo(c) + extra)
    c.send(raw_frame(HEADERS, END_HEADERS | END_STREAM, 1, block[:size + 1], length=max(len(block[:size + 1]), size + 1)))
    expect_connection_error(c, FRAME_SIZE_ERROR)


@case("http2/4.3/1", "9113 §4.3", "Sends invalid header block fragment")
def _(c, o):
    # A literal whose name claims 21 octets and the block ends after 3: no decoder can finish it.
    c.send(raw_frame(HEADERS, END_HEADERS | END_STREAM, 1, b"\x00\x15abc"))
    expect_connection_error(c, COMPRESSION_ERROR)


@case("http2/4.3/2", "9113 §4.3", "Sends a PRIORITY frame while sending the header blocks")
def _(c, o):
    block = get_block(c)
    c.send(c.headers_frame(1, block, end_headers=False))
    c.send(PriorityFrame(1, depends_on=0, stream_weight=15))
    c.send(ContinuationFrame(1, b"", flags=["END_HEADERS"]))
    expect_connection_error(c, PROTOCOL_ERROR)


@case("http2/4.3/3", "9113 §4.3", "Sends a HEADERS frame to another stream while sending the header blocks")
def _(c, o):
    c.send(c.headers_frame(1, get_block(c), end_headers=False))
    c.send(raw_frame(HEADERS, END_HEADERS | END_STREAM, 3, raw_block(pseudo(c))))
    expect_connection_error(c, PROTOCOL_ERROR)


# -- §5.1 stream states

@case("http2/5.1/1", "9113 §5.1", "idle: Sends a DATA frame")
def _(c, o):
    c.send(raw_frame(DATA, END_STREAM, 1, b"test"))
    expect_connection_error(c, PROTOCOL_ERROR)


@case("http2/5.1/2", "9113 §5.1", "idle: Sends a RST_STREAM frame")
def _(c, o):
    c.send(RstStreamFrame(1, CANCEL))
    expect_connection_error(c, PROTOCOL_ERROR)


@case("http2/5.1/3", "9113 §5.1", "idle: Sends a WINDOW_UPDATE frame")
def _(c, o):
    c.send(WindowUpdateFrame(1, 100))
    expect_connection_error(c, PROTOCOL_ERROR)


@case("http2/5.1/4", "9113 §5.1", "idle: Sends a CONTINUATION frame")
def _(c, o):
    c.send(raw_frame(CONTINUATION, END_HEADERS, 1, raw_block(pseudo(c))))
    expect_connection_error(c, PROTOCOL_ERROR)


@case("http2/5.1/5", "9113 §5.1", "half closed (remote): Sends a DATA frame")
def _(c, o):
    c.send_request(1)
    c.send(raw_frame(DATA, END_STREAM, 1, b"test"))
    expect_stream_error(c, 1, STREAM_CLOSED)


@case("http2/5.1/6", "9113 §5.1", "half closed (remote): Sends a HEADERS frame")
def _(c, o):
    c.send_request(1)
    c.send(raw_frame(HEADERS, END_HEADERS | END_STREAM, 1, raw_block([("x-trailer", "late")])))
    # The server may have finished the response already, and then stream 1 is closed: a HEADERS that reuses its id
    # is then also an unexpected stream identifier (§5.1.1, connection PROTOCOL_ERROR).
    expect_stream_error(c, 1, STREAM_CLOSED, PROTOCOL_ERROR)


@case("http2/5.1/7", "9113 §5.1", "half closed (remote): Sends a CONTINUATION frame")
def _(c, o):
    c.send_request(1)
    c.send(raw_frame(CONTINUATION, END_HEADERS, 1, raw_block([("x-trailer", "late")])))
    try:
        expect_stream_error(c, 1, STREAM_CLOSED, PROTOCOL_ERROR)
    except CaseFailure as e:
        if "connection closed" not in e.got:  # PROTOCOL_ERROR here is a connection error (§6.10)
            raise


@case("http2/5.1/8", "9113 §5.1", "closed: Sends a DATA frame after sending RST_STREAM frame")
def _(c, o):
    c.send_request(1, end_stream=False)
    c.send(RstStreamFrame(1, CANCEL))
    c.send(raw_frame(DATA, END_STREAM, 1, b"test"))
    expect_stream_error(c, 1, STREAM_CLOSED)


@case("http2/5.1/9", "9113 §5.1", "closed: Sends a HEADERS frame after sending RST_STREAM frame")
def _(c, o):
    c.send_request(1, end_stream=False)
    c.send(RstStreamFrame(1, CANCEL))
    c.send(raw_frame(HEADERS, END_HEADERS | END_STREAM, 1, raw_block([("x-trailer", "late")])))
    expect_stream_error(c, 1, STREAM_CLOSED)


@case("http2/5.1/10", "9113 §5.1", "closed: Sends a CONTINUATION frame after sending RST_STREAM frame")
def _(c, o):
    c.send_request(1, end_stream=False)
    c.send(RstStreamFrame(1, CANCEL))
    c.send(raw_frame(CONTINUATION, END_HEADERS, 1, raw_block([("x-trailer", "late")])))
    try:
        expect_stream_error(c, 1, STREAM_CLOSED, PROTOCOL_ERROR)
    except CaseFailure as e:
        if "connection closed" not in e.got:
            raise


@case("http2/5.1/11", "9113 §5.1", "closed: Sends a DATA frame")
def _(c, o):
    finish_get(c)
    c.send(raw_frame(DATA, END_STREAM, 1, b"test"))
    expect_stream_error(c, 1, STREAM_CLOSED)


@case("http2/5.1/12", "9113 §5.1", "closed: Sends a HEADERS frame")
def _(c, o):
    finish_get(c)
    c.send(raw_frame(HEADERS, END_HEADERS | END_STREAM, 1, raw_block(pseudo(c))))
    # The RFC lets a frame on a closed stream be a stream error or a connection error STREAM_CLOSED; reusing a
    # stream id is also a §5.1.1 PROTOCOL_ERROR.
    expect_stream_error(c, 1, STREAM_CLOSED, PROTOCOL_ERROR)


@case("http2/5.1/13", "9113 §5.1", "closed: Sends a CONTINUATION frame")
def _(c, o):
    finish_get(c)
    c.send(raw_frame(CONTINUATION, END_HEADERS, 1, raw_block(pseudo(c))))
    try:
        expect_stream_error(c, 1, STREAM_CLOSED, PROTOCOL_ERROR)
    except CaseFailure as e:
        if "connection closed" not in e.got:
            raise


@case("http2/5.1.1/1", "9113 §5.1.1", "Sends even-numbered stream identifier")
def _(c, o):
    c.send(raw_frame(HEADERS, END_HEADERS | END_STREAM, 2, raw_block(pseudo(c))))
    expect_connection_error(c, PROTOCOL_ERROR)


@case("http2/5.1.1/2", "9113 §5.1.1", "Sends stream identifier that is numerically smaller than previous")
def _(c, o):
    c.send(raw_frame(HEADERS, END_HEADERS | END_STREAM, 5, raw_block(pseudo(c))))
    c.send(raw_frame(HEADERS, END_HEADERS | END_STREAM, 3, raw_block(pseudo(c))))
    # Stream 3 was implicitly closed by the use of 5 (§5.1.1), and a frame on a closed stream may be a connection
    # error STREAM_CLOSED (§5.1): both codes are what RFC 9113 allows.
    expect_connection_error(c, PROTOCOL_ERROR, STREAM_CLOSED)


@case("http2/5.1.2/1", "9113 §5.1.2", "Sends HEADERS frames that causes their advertised concurrent stream limit to be exceeded")
def _(c, o):
    limit = c.server_settings.get(MAX_CONCURRENT_STREAMS)
    if limit is None or limit > 1000:
        raise CaseFailure("SETTINGS_MAX_CONCURRENT_STREAMS advertised (<= 1000)", repr(limit))
    frames = []
    for i in range(limit + 1):
        frames.append(raw_frame(HEADERS, END_HEADERS, 1 + 2 * i, raw_block(pseudo(c))))
    c.send(b"".join(frames))
    expect_stream_error(c, 1 + 2 * limit, REFUSED_STREAM, PROTOCOL_ERROR)


@case("rfc9113/5.1.2/2", "9113 §5.1.2", "A refused stream does not stop the connection: a later stream is answered")
def _(c, o):
    limit = c.server_settings.get(MAX_CONCURRENT_STREAMS)
    if limit is None or limit > 1000:
        raise CaseFailure("SETTINGS_MAX_CONCURRENT_STREAMS advertised (<= 1000)", repr(limit))
    c.send(b"".join(raw_frame(HEADERS, END_HEADERS, 1 + 2 * i, raw_block(pseudo(c))) for i in range(limit + 1)))
    expect_stream_error(c, 1 + 2 * limit, REFUSED_STREAM, PROTOCOL_ERROR)
    # Close the streams we left open, then ask again.
    c.send(b"".join(RstStreamFrame(1 + 2 * i, CANCEL).serialize() for i in range(limit)))
    sid = 3 + 2 * limit
    c.send(raw_frame(HEADERS, END_HEADERS | END_STREAM, sid, raw_block(pseudo(c))))
    read_response(c, sid, want_body=False, seconds=max(o.timeout, 2.0))


@case("http2/5.3.1/1", "9113 §5.3.1", "Sends HEADERS frame that depends on itself")
def _(c, o):
    c.send(raw_frame(HEADERS, END_HEADERS | END_STREAM | PRIORITY_FLAG, 1, priority_payload(1) + raw_block(pseudo(c))))
    expect_stream_error(c, 1, PROTOCOL_ERROR)


@case("http2/5.3.1/2", "9113 §5.3.1", "Sends PRIORITY frame that depend on itself")
def _(c, o):
    c.send(raw_frame(PRIORITY, 0, 1, priority_payload(1)))
    expect_stream_error(c, 1, PROTOCOL_ERROR)


@case("http2/5.4.1/1", "9113 §5.4.1", "Sends an invalid PING frame for connection close")
def _(c, o):
    c.send(raw_frame(PING, 0, 0, b"\x00" * 6))
    expect_connection_error(c, FRAME_SIZE_ERROR)
    # After the GOAWAY the connection must close.
    end = c.deadline()
    while not c.closed:
        try:
            c.read_frame(end)
        except TimeoutError:
            raise CaseFailure("connection closed after GOAWAY", "still open after %.1fs" % o.timeout)
        except Exception:
            break


@case("http2/5.4.1/2", "9113 §5.4.1", "Sends an invalid PING frame to receive GOAWAY frame (with the last processed stream)")
def _(c, o):
    finish_get(c)
    c.send(raw_frame(PING, 0, 0, b"\x00" * 6))
    end = c.deadline()
    while True:
        try:
            f = c.read_frame(end)
        except Exception as e:
            raise CaseFailure("GOAWAY(FRAME_SIZE_ERROR, last=1)", "%s (%s)" % (type(e).__name__, c.summary()))
        if isinstance(f, GoAwayFrame):
            if f.error_code != FRAME_SIZE_ERROR or f.last_stream_id != 1:
                raise CaseFailure("GOAWAY(FRAME_SIZE_ERROR, last=1)", describe(f))
            return


@case("http2/5.5/1", "9113 §5.5", "Sends an unknown extension frame")
def _(c, o):
    c.send(raw_frame(0xFF, 0, 0, b"extension"))
    expect_alive(c)


@case("http2/5.5/2", "9113 §5.5", "Sends an unknown extension frame in the middle of a header block")
def _(c, o):
    c.send(c.headers_frame(1, get_block(c), end_headers=False))
    c.send(raw_frame(0xFF, 0, 1, b"extension"))
    c.send(ContinuationFrame(1, b"", flags=["END_HEADERS"]))
    expect_connection_error(c, PROTOCOL_ERROR)


# -- §6 frame definitions

@case("http2/6.1/1", "9113 §6.1", "Sends a DATA frame with 0x0 stream identifier")
def _(c, o):
    c.send(raw_frame(DATA, END_STREAM, 0, b"test"))
    expect_connection_error(c, PROTOCOL_ERROR)


@case("http2/6.1/2", "9113 §6.1", "Sends a DATA frame on the stream that is not in \"open\" or \"half-closed (local)\" state")
def _(c, o):
    c.send_request(1)
    c.send(raw_frame(DATA, END_STREAM, 1, b"test"))
    expect_stream_error(c, 1, STREAM_CLOSED)


@case("http2/6.1/3", "9113 §6.1", "Sends a DATA frame with invalid pad length")
def _(c, o):
    c.send(c.headers_frame(1, get_block(c, [("content-length", "4")], "POST"), end_stream=False))
    # Pad Length 6 with 5 octets of frame payload after it: padding >= payload.
    c.send(raw_frame(DATA, END_STREAM | PADDED, 1, b"\x06test\x00"))
    expect_connection_error(c, PROTOCOL_ERROR)


@case("http2/6.2/1", "9113 §6.2", "Sends a HEADERS frame without the END_HEADERS flag, and a PRIORITY frame")
def _(c, o):
    c.send(c.headers_frame(1, get_block(c), end_headers=False))
    c.send(PriorityFrame(1, depends_on=0, stream_weight=15))
    expect_connection_error(c, PROTOCOL_ERROR)


@case("http2/6.2/2", "9113 §6.2", "Sends a HEADERS frame to another stream while sending a HEADERS frame")
def _(c, o):
    c.send(c.headers_frame(1, get_block(c), end_headers=False))
    c.send(raw_frame(HEADERS, END_HEADERS | END_STREAM, 3, raw_block(pseudo(c))))
    expect_connection_error(c, PROTOCOL_ERROR)


@case("http2/6.2/3", "9113 §6.2", "Sends a HEADERS frame with 0x0 stream identifier")
def _(c, o):
    c.send(raw_frame(HEADERS, END_HEADERS | END_STREAM, 0, raw_block(pseudo(c))))
    expect_connection_error(c, PROTOCOL_ERROR)


@case("http2/6.2/4", "9113 §6.2", "Sends a HEADERS frame with invalid pad length")
def _(c, o):
    block = raw_block(pseudo(c))
    c.send(raw_frame(HEADERS, END_HEADERS | END_STREAM | PADDED, 1, bytes([len(block) + 1]) + block))
    expect_connection_error(c, PROTOCOL_ERROR)


@case("http2/6.3/1", "9113 §6.3", "Sends a PRIORITY frame with 0x0 stream identifier")
def _(c, o):
    c.send(raw_frame(PRIORITY, 0, 0, priority_payload(1)))
    expect_connection_error(c, PROTOCOL_ERROR)


@case("http2/6.3/2", "9113 §6.3", "Sends a PRIORITY frame with a length other than 5 octets")
def _(c, o):
    c.send_request(1, end_stream=False)
    c.send(raw_frame(PRIORITY, 0, 1, priority_payload(0)[:4]))
    try:
        expect_stream_error(c, 1, FRAME_SIZE_ERROR)
    except CaseFailure as e:
        if "connection closed" not in e.got:
            raise


@case("http2/6.4/1", "9113 §6.4", "Sends a RST_STREAM frame with 0x0 stream identifier")
def _(c, o):
    c.send(raw_frame(RST_STREAM, 0, 0, CANCEL.to_bytes(4, "big")))
    expect_connection_error(c, PROTOCOL_ERROR)


@case("http2/6.4/2", "9113 §6.4", "Sends a RST_STREAM frame on a idle stream")
def _(c, o):
    c.send(raw_frame(RST_STREAM, 0, 1, CANCEL.to_bytes(4, "big")))
    expect_connection_error(c, PROTOCOL_ERROR)


@case("http2/6.4/3", "9113 §6.4", "Sends a RST_STREAM frame with a length other than 4 octets")
def _(c, o):
    c.send_request(1, end_stream=False)
    c.send(raw_frame(RST_STREAM, 0, 1, b"\x00\x00\x08"))
    expect_connection_error(c, FRAME_SIZE_ERROR)


@case("http2/6.5/1", "9113 §6.5", "Sends a SETTINGS frame with ACK flag and payload")
def _(c, o):
    c.send(raw_frame(SETTINGS, ACK, 0, settings_payload([(INITIAL_WINDOW_SIZE, 1000)])))
    expect_connection_error(c, FRAME_SIZE_ERROR)


@case("http2/6.5/2", "9113 §6.5", "Sends a SETTINGS frame with a stream identifier other than 0x0")
def _(c, o):
    c.send(raw_frame(SETTINGS, 0, 1, settings_payload([(MAX_CONCURRENT_STREAMS, 100)])))
    expect_connection_error(c, PROTOCOL_ERROR)


@case("http2/6.5/3", "9113 §6.5", "Sends a SETTINGS frame with a length other than a multiple of 6 octets")
def _(c, o):
    c.send(raw_frame(SETTINGS, 0, 0, settings_payload([(MAX_CONCURRENT_STREAMS, 100)])[:5]))
    expect_connection_error(c, FRAME_SIZE_ERROR)


@case("http2/6.5.2/1", "9113 §6.5.2", "SETTINGS_ENABLE_PUSH (0x2): Sends the value other than 0 or 1")
def _(c, o):
    c.send(raw_frame(SETTINGS, 0, 0, settings_payload([(ENABLE_PUSH, 2)])))
    expect_connection_error(c, PROTOCOL_ERROR)


@case("http2/6.5.2/2", "9113 §6.5.2", "SETTINGS_INITIAL_WINDOW_SIZE (0x4): Sends the value above the maximum flow control window size")
def _(c, o):
    c.send(raw_frame(SETTINGS, 0, 0, settings_payload([(INITIAL_WINDOW_SIZE, 2 ** 31)])))
    expect_connection_error(c, FLOW_CONTROL_ERROR)


@case("http2/6.5.2/3", "9113 §6.5.2", "SETTINGS_MAX_FRAME_SIZE (0x5): Sends the value below the initial value")
def _(c, o):
    c.send(raw_frame(SETTINGS, 0, 0, settings_payload([(MAX_FRAME_SIZE, 16383)])))
    expect_connection_error(c, PROTOCOL_ERROR)


@case("http2/6.5.2/4", "9113 §6.5.2", "SETTINGS_MAX_FRAME_SIZE (0x5): Sends the value above the maximum allowed frame size")
def _(c, o):
    c.send(raw_frame(SETTINGS, 0, 0, settings_payload([(MAX_FRAME_SIZE, 2 ** 24)])))
    expect_connection_error(c, PROTOCOL_ERROR)


@case("http2/6.5.2/5", "9113 §6.5.2", "Sends a SETTINGS frame with unknown identifier")
def _(c, o):
    c.send(raw_frame(SETTINGS, 0, 0, settings_payload([(0xFF, 1)])))
    expect_alive(c)


@case("http2/6.5.3/1", "9113 §6.5.3", "Sends multiple values of SETTINGS_INITIAL_WINDOW_SIZE")
def _(c, o):
    # Values are processed in order: the last one (1) wins, so the response comes one octet at a time.
    c.send(raw_frame(SETTINGS, 0, 0, settings_payload([(INITIAL_WINDOW_SIZE, 100), (INITIAL_WINDOW_SIZE, 1)])))
    c.send_request(1)
    expect_data_frame(c, 1, 1)


@case("http2/6.5.3/2", "9113 §6.5.3", "Sends a SETTINGS frame without ACK flag")
def _(c, o):
    c.send(SettingsFrame(0, {INITIAL_WINDOW_SIZE: 65535}))
    end = c.deadline()
    while True:
        try:
            f = c.read_frame(end)
        except Exception as e:
            raise CaseFailure("SETTINGS ACK", "%s (%s)" % (type(e).__name__, c.summary()))
        if isinstance(f, SettingsFrame) and "ACK" in f.flags:
            if f.settings:
                raise CaseFailure("SETTINGS ACK without payload", describe(f))
            return
        if isinstance(f, GoAwayFrame):
            raise CaseFailure("SETTINGS ACK", describe(f))


@case("http2/6.7/1", "9113 §6.7", "Sends a PING frame")
def _(c, o):
    expect_alive(c, "PING ACK with the same payload")


@case("http2/6.7/2", "9113 §6.7", "Sends a PING frame with ACK")
def _(c, o):
    payload = b"noreply!"
    c.send_ping(payload, ack=True)
    expect_no_frame(c, min(o.timeout, 0.5), lambda f: isinstance(f, PingFrame) and f.opaque_data == payload
                    or isinstance(f, GoAwayFrame), "no answer to a PING ACK")
    expect_alive(c)


@case("http2/6.7/3", "9113 §6.7", "Sends a PING frame with a stream identifier field value other than 0x0")
def _(c, o):
    c.send(raw_frame(PING, 0, 1, b"\x00" * 8))
    expect_connection_error(c, PROTOCOL_ERROR)


@case("http2/6.7/4", "9113 §6.7", "Sends a PING frame with a length field value other than 8")
def _(c, o):
    c.send(raw_frame(PING, 0, 0, b"\x00" * 6))
    expect_connection_error(c, FRAME_SIZE_ERROR)


@case("http2/6.8/1", "9113 §6.8", "Sends a GOAWAY frame with a stream identifier other than 0x0")
def _(c, o):
    c.send(raw_frame(GOAWAY, 0, 1, (0).to_bytes(4, "big") + NO_ERROR.to_bytes(4, "big")))
    expect_connection_error(c, PROTOCOL_ERROR)


@case("http2/6.9/1", "9113 §6.9", "Sends a WINDOW_UPDATE frame with a flow control window increment of 0")
def _(c, o):
    c.send(window_update(0, 0))
    expect_connection_error(c, PROTOCOL_ERROR)


@case("http2/6.9/2", "9113 §6.9", "Sends a WINDOW_UPDATE frame with a flow control window increment of 0 on a stream")
def _(c, o):
    c.send_request(1, end_stream=False)
    c.send(window_update(1, 0))
    expect_stream_error(c, 1, PROTOCOL_ERROR)


@case("http2/6.9/3", "9113 §6.9", "Sends a WINDOW_UPDATE frame with a length other than 4 octets")
def _(c, o):
    c.send(raw_frame(WINDOW_UPDATE, 0, 0, b"\x00\x00\x01"))
    expect_connection_error(c, FRAME_SIZE_ERROR)


@case("http2/6.9.1/1", "9113 §6.9.1", "Sends SETTINGS frame to set the initial window size to 1 and sends HEADERS frame",
      settings={INITIAL_WINDOW_SIZE: 1})
def _(c, o):
    c.send_request(1)
    expect_data_frame(c, 1, 1)


@case("http2/6.9.1/2", "9113 §6.9.1", "Sends multiple WINDOW_UPDATE frames increasing the flow control window to above 2^31-1")
def _(c, o):
    c.send([window_update(0, 2 ** 31 - 1), window_update(0, 2 ** 31 - 1)])
    expect_connection_error(c, FLOW_CONTROL_ERROR)


@case("http2/6.9.1/3", "9113 §6.9.1", "Sends multiple WINDOW_UPDATE frames increasing the flow control window to above 2^31-1 on a stream")
def _(c, o):
    if o.large_path:
        # Deterministic: the server fills both 65,535-octet windows with a large file and then waits on the
        # connection window; the stream window goes to 2^31-1 and one more octet overflows it.
        c.send_request(1, path=o.large_path)
        got = 0
        end = c.deadline()
        while got < 65535:
            try:
                f = c.frame_for(1, end)
            except Exception as e:
                raise CaseFailure("65535 octets of DATA from %s" % o.large_path, "%d (%s)" % (got, c.summary()))
            if isinstance(f, (GoAwayFrame, RstStreamFrame)):
                raise CaseFailure("65535 octets of DATA", describe(f))
            if isinstance(f, DataFrame):
                got += len(f.data)
                if "END_STREAM" in f.flags:
                    raise CaseFailure("a body larger than 65535 octets at --large-path", "%d octets" % got)
        c.send([window_update(1, 2 ** 31 - 1), window_update(1, 1)])
    else:
        # Without a large file: a zero initial window keeps the body from finishing the stream, and both updates
        # go in one write (a server that sends the body between them closes the stream first: use --large-path).
        c.send(SettingsFrame(0, {INITIAL_WINDOW_SIZE: 0}))
        c.send_request(1)
        c.send([window_update(1, 2 ** 31 - 1), window_update(1, 2 ** 31 - 1)])
    expect_stream_error(c, 1, FLOW_CONTROL_ERROR)


@case("http2/6.9.2/1", "9113 §6.9.2", "Changes SETTINGS_INITIAL_WINDOW_SIZE after sending HEADERS frame",
      settings={INITIAL_WINDOW_SIZE: 0})
def _(c, o):
    c.send_request(1)
    time.sleep(0.05)  # let the server start the stream under the zero window
    c.send(SettingsFrame(0, {INITIAL_WINDOW_SIZE: 1}))
    expect_data_frame(c, 1, 1)


@case("http2/6.9.2/2", "9113 §6.9.2", "Sends a SETTINGS frame for window size to be negative",
      settings={INITIAL_WINDOW_SIZE: 5})
def _(c, o):
    c.send_request(1)
    got = 0
    end = c.deadline()
    while got < 5:
        try:
            f = c.read_frame(end)
        except Exception as e:
            raise CaseFailure("5 octets of DATA", "%d (%s)" % (got, c.summary()))
        if isinstance(f, DataFrame) and f.stream_id == 1:
            got += len(f.data)
        if isinstance(f, (GoAwayFrame, RstStreamFrame)):
            raise CaseFailure("5 octets of DATA", describe(f))
    # Window 5 - 5 = 0; the new initial size 3 makes it -2 (§6.9.2); +3 leaves exactly one octet.
    c.send(SettingsFrame(0, {INITIAL_WINDOW_SIZE: 3}))
    c.send(WindowUpdateFrame(1, 3))
    expect_data_frame(c, 1, 1)


@case("http2/6.9.2/3", "9113 §6.9.2", "Sends a SETTINGS_INITIAL_WINDOW_SIZE settings with an exceeded maximum window size value")
def _(c, o):
    c.send(raw_frame(SETTINGS, 0, 0, settings_payload([(INITIAL_WINDOW_SIZE, 2 ** 31)])))
    expect_connection_error(c, FLOW_CONTROL_ERROR)


@case("http2/6.10/1", "9113 §6.10", "Sends multiple CONTINUATION frames preceded by a HEADERS frame")
def _(c, o):
    block = raw_block(pseudo(c) + [("x-dummy", "x" * 100)])
    c.send([raw_frame(HEADERS, END_STREAM, 1, block[:20]), raw_frame(CONTINUATION, 0, 1, block[20:60]),
            raw_frame(CONTINUATION, END_HEADERS, 1, block[60:])])
    expect_headers(c, 1)


@case("http2/6.10/2", "9113 §6.10", "Sends a CONTINUATION frame followed by any frame other than CONTINUATION")
def _(c, o):
    block = raw_block(pseudo(c))
    c.send([raw_frame(HEADERS, 0, 1, block[:10]), raw_frame(CONTINUATION, 0, 1, block[10:20]),
            raw_frame(DATA, END_STREAM, 1, b"test")])
    expect_connection_error(c, PROTOCOL_ERROR)


@case("http2/6.10/3", "9113 §6.10", "Sends a CONTINUATION frame with 0x0 stream identifier")
def _(c, o):
    block = raw_block(pseudo(c))
    c.send([raw_frame(HEADERS, END_STREAM, 1, block[:10]), raw_frame(CONTINUATION, END_HEADERS, 0, block[10:])])
    expect_connection_error(c, PROTOCOL_ERROR)


@case("http2/6.10/4", "9113 §6.10", "Sends a CONTINUATION frame preceded by a HEADERS frame with END_HEADERS flag")
def _(c, o):
    c.send([raw_frame(HEADERS, END_HEADERS | END_STREAM, 1, raw_block(pseudo(c))),
            raw_frame(CONTINUATION, END_HEADERS, 1, raw_block([("x-dummy", "x")]))])
    expect_connection_error(c, PROTOCOL_ERROR)


@case("http2/6.10/5", "9113 §6.10", "Sends a CONTINUATION frame preceded by a CONTINUATION frame with END_HEADERS flag")
def _(c, o):
    block = raw_block(pseudo(c))
    c.send([raw_frame(HEADERS, END_STREAM, 1, block[:10]), raw_frame(CONTINUATION, END_HEADERS, 1, block[10:]),
            raw_frame(CONTINUATION, END_HEADERS, 1, raw_block([("x-dummy", "x")]))])
    expect_connection_error(c, PROTOCOL_ERROR)


@case("http2/6.10/6", "9113 §6.10", "Sends a CONTINUATION frame preceded by a DATA frame")
def _(c, o):
    c.send(c.headers_frame(1, get_block(c, [("content-length", "4")], "POST"), end_stream=False))
    c.send([raw_frame(DATA, 0, 1, b"test"), raw_frame(CONTINUATION, END_HEADERS, 1, raw_block([("x-dummy", "x")]))])
    expect_connection_error(c, PROTOCOL_ERROR)


@case("http2/7/1", "9113 §7", "Sends a GOAWAY frame with unknown error code")
def _(c, o):
    c.send(raw_frame(GOAWAY, 0, 0, (0).to_bytes(4, "big") + (0xFF).to_bytes(4, "big")))
    c.send_ping(b"unknown!")
    end = c.deadline()
    while True:
        try:
            f = c.read_frame(end)
        except Exception:
            return  # closing after the client's GOAWAY is allowed
        if isinstance(f, GoAwayFrame) and f.error_code != NO_ERROR:
            raise CaseFailure("unknown code treated as INTERNAL_ERROR, no error of the server's own", describe(f))
        if isinstance(f, PingFrame) and "ACK" in f.flags:
            return


@case("http2/7/2", "9113 §7", "Sends a RST_STREAM frame with unknown error code")
def _(c, o):
    c.send_request(1, end_stream=False)
    c.send(raw_frame(RST_STREAM, 0, 1, (0xFF).to_bytes(4, "big")))
    expect_alive(c)


# -- §8.1 HTTP message framing, §8.2 fields

def _malformed(cid, section, title, build, end_stream=True, body=()):
    @case(cid, section, title)
    def _(c, o):
        # One write: the request and its DATA reach the server together, before it can answer and reset the stream.
        flags = END_HEADERS | (END_STREAM if end_stream else 0)
        frames = [raw_frame(HEADERS, flags, 1, raw_block(build(c, o)))]
        frames += [raw_frame(DATA, END_STREAM if i == len(body) - 1 else 0, 1, p) for i, p in enumerate(body)]
        c.send(b"".join(frames))
        expect_stream_error(c, 1, PROTOCOL_ERROR)


@case("http2/8.1/1", "9113 §8.1", "Sends a second HEADERS frame without the END_STREAM flag")
def _(c, o):
    c.send([c.headers_frame(1, get_block(c, [("content-length", "4")], "POST"), end_stream=False),
            DataFrame(1, b"test"), raw_frame(HEADERS, END_HEADERS, 1, raw_block([("x-trailer", "yes")]))])
    expect_stream_error(c, 1, PROTOCOL_ERROR)


_malformed("http2/8.1.2/1", "9113 §8.2", "Sends a HEADERS frame that contains the header field name in uppercase letters",
           lambda c, o: pseudo(c) + [("X-TEST", "ok")])
_malformed("http2/8.1.2.1/1", "9113 §8.3", "Sends a HEADERS frame that contains a unknown pseudo-header field",
           lambda c, o: pseudo(c) + [(":test", "ok")])
_malformed("http2/8.1.2.1/2", "9113 §8.3", "Sends a HEADERS frame that contains the pseudo-header field defined for response",
           lambda c, o: pseudo(c) + [(":status", "200")])


@case("http2/8.1.2.1/3", "9113 §8.1", "Sends a HEADERS frame that contains a pseudo-header field as trailers")
def _(c, o):
    c.send([c.headers_frame(1, get_block(c, [("content-length", "4"), ("te", "trailers")], "POST"), end_stream=False),
            DataFrame(1, b"test"), raw_frame(HEADERS, END_HEADERS | END_STREAM, 1, raw_block([(":method", "POST")]))])
    expect_stream_error(c, 1, PROTOCOL_ERROR)


_malformed("http2/8.1.2.1/4", "9113 §8.3", "Sends a HEADERS frame that contains a pseudo-header field that appears in a header block after a regular header field",
           lambda c, o: pseudo(c)[:3] + [("x-test", "ok"), pseudo(c)[3]])
_malformed("http2/8.1.2.2/1", "9113 §8.2.2", "Sends a HEADERS frame that contains the connection-specific header field",
           lambda c, o: pseudo(c) + [("connection", "keep-alive")])
_malformed("http2/8.1.2.2/2", "9113 §8.2.2", "Sends a HEADERS frame that contains the TE header field with any value other than \"trailers\"",
           lambda c, o: pseudo(c) + [("te", "trailers, deflate")])
_malformed("rfc9113/8.2.2/1", "9113 §8.2.2", "Sends a HEADERS frame that contains keep-alive",
           lambda c, o: pseudo(c) + [("keep-alive", "timeout=5")])
_malformed("rfc9113/8.2.2/2", "9113 §8.2.2", "Sends a HEADERS frame that contains proxy-connection",
           lambda c, o: pseudo(c) + [("proxy-connection", "keep-alive")])
_malformed("rfc9113/8.2.2/3", "9113 §8.2.2", "Sends a HEADERS frame that contains transfer-encoding",
           lambda c, o: pseudo(c) + [("transfer-encoding", "chunked")])
_malformed("rfc9113/8.2.2/4", "9113 §8.2.2", "Sends a HEADERS frame that contains upgrade",
           lambda c, o: pseudo(c) + [("upgrade", "h2c")])
_malformed("http2/8.1.2.3/1", "9113 §8.3.1", "Sends a HEADERS frame with empty \":path\" pseudo-header field",
           lambda c, o: [(":method", "GET"), (":scheme", o.scheme), (":path", ""), (":authority", o.authority)])
_malformed("http2/8.1.2.3/2", "9113 §8.3.1", "Sends a HEADERS frame that omits \":method\" pseudo-header field",
           lambda c, o: pseudo(c)[1:])
_malformed("http2/8.1.2.3/3", "9113 §8.3.1", "Sends a HEADERS frame that omits \":scheme\" pseudo-header field",
           lambda c, o: [pseudo(c)[0]] + pseudo(c)[2:])
_malformed("http2/8.1.2.3/4", "9113 §8.3.1", "Sends a HEADERS frame that omits \":path\" pseudo-header field",
           lambda c, o: pseudo(c)[:2] + pseudo(c)[3:])
_malformed("http2/8.1.2.3/5", "9113 §8.3.1", "Sends a HEADERS frame with duplicated \":method\" pseudo-header field",
           lambda c, o: pseudo(c) + [(":method", "GET")])
_malformed("http2/8.1.2.3/6", "9113 §8.3.1", "Sends a HEADERS frame with duplicated \":scheme\" pseudo-header field",
           lambda c, o: pseudo(c) + [(":scheme", o.scheme)])
_malformed("http2/8.1.2.3/7", "9113 §8.3.1", "Sends a HEADERS frame with duplicated \":path\" pseudo-header field",
           lambda c, o: pseudo(c) + [(":path", o.path)])
_malformed("rfc9113/8.2.1/1", "9113 §8.2.1", "Sends a field value containing CR LF",
           lambda c, o: pseudo(c) + [("x-test", "a\r\nx-injected: 1")])
_malformed("rfc9113/8.2.1/2", "9113 §8.2.1", "Sends a field value containing NUL",
           lambda c, o: pseudo(c) + [("x-test", "a\x00b")])
_malformed("rfc9113/8.2.1/3", "9113 §8.2.1", "Sends a field value with leading whitespace",
           lambda c, o: pseudo(c) + [("x-test", " padded")])
_malformed("rfc9113/8.2.1/4", "9113 §8.2.1", "Sends a field name containing a space",
           lambda c, o: pseudo(c) + [("x test", "ok")])
_malformed("rfc9113/8.2.1/5", "9113 §8.2.1", "Sends a field name containing a colon after the first octet",
           lambda c, o: pseudo(c) + [("x:test", "ok")])


_malformed("http2/8.1.2.6/1", "9113 §8.1.1", "Sends a HEADERS frame with the \"content-length\" header field which does not equal the DATA frame payload length",
           lambda c, o: pseudo(c, "POST") + [("content-length", "1")], end_stream=False, body=[b"test"])
_malformed("http2/8.1.2.6/2", "9113 §8.1.1", "Sends a HEADERS frame with the \"content-length\" header field which does not equal the sum of the multiple DATA frames payload length",
           lambda c, o: pseudo(c, "POST") + [("content-length", "10")], end_stream=False, body=[b"test", b"test"])


@case("http2/8.2/1", "9113 §8.4", "Sends a PUSH_PROMISE frame")
def _(c, o):
    c.send_request(1, end_stream=False)
    c.send(raw_frame(PUSH_PROMISE, END_HEADERS, 1, (2).to_bytes(4, "big") + raw_block(pseudo(c))))
    expect_connection_error(c, PROTOCOL_ERROR)


@case("rfc9113/8.3/1", "9113 §8.3", "A GET is answered with :status 200 and the body")
def _(c, o):
    c.send_request(1)
    st, headers, body, _ = expect_response(c, 1, 200)
    if not body:
        raise CaseFailure("a non-empty body", "no DATA payload")
    clen = [v for n, v in headers if n in (b"content-length", "content-length")]
    if clen and int(clen[0]) != len(body):
        raise CaseFailure("content-length %s octets of DATA" % clen[0], "%d" % len(body))


@case("rfc9113/8.3/2", "9113 §8.2.2", "The response carries no connection-specific fields and only lowercase names")
def _(c, o):
    c.send_request(1)
    _, headers, _, _ = expect_response(c, 1, 200)
    for n, _v in headers:
        n = n.decode() if isinstance(n, bytes) else n
        if n in ("connection", "keep-alive", "proxy-connection", "transfer-encoding", "upgrade"):
            raise CaseFailure("no connection-specific field", n)
        if n != n.lower():
            raise CaseFailure("lowercase field names", n)


@case("rfc9113/8.3/3", "9113 §8.3.1", "Streams are independent: three requests on one connection are all answered")
def _(c, o):
    for sid in (1, 3, 5):
        c.send_request(sid)
    for sid in (1, 3, 5):
        expect_response(c, sid, 200)


@case("rfc9113/8.3.1/1", "9113 §8.3.1", "A request with Host instead of :authority is answered")
def _(c, o):
    c.send(raw_frame(HEADERS, END_HEADERS | END_STREAM, 1,
                     raw_block(pseudo(c)[:3] + [("host", o.authority)])))
    expect_response(c, 1, 200)


@case("rfc9113/8.1/2", "9113 §8.1", "A request with trailers after the body is answered")
def _(c, o):
    c.send(c.headers_frame(1, get_block(c, [("te", "trailers")]), end_stream=False))
    c.send(raw_frame(HEADERS, END_HEADERS | END_STREAM, 1, raw_block([("x-trailer", "yes")])))
    expect_response(c, 1, 200)


# ================================================================ hpack (h2spec "hpack", RFC 7541)

def _compression(cid, section, title, block_of):
    @case(cid, section, title)
    def _(c, o):
        c.send(raw_frame(HEADERS, END_HEADERS | END_STREAM, 1, block_of(c, o)))
        expect_connection_error(c, COMPRESSION_ERROR)


_compression("hpack/2.3.3/1", "7541 §2.3.3", "Sends a indexed header field representation with invalid index",
             lambda c, o: raw_block(pseudo(c)) + hpack_int(70, 7, 0x80))
_compression("hpack/2.3.3/2", "7541 §2.3.3", "Sends a literal header field representation with invalid index",
             lambda c, o: raw_block(pseudo(c)) + hpack_int(70, 6, 0x40) + hpack_str("x"))
_compression("hpack/4.2/1", "7541 §4.2", "Sends a dynamic table size update at the end of header block",
             lambda c, o: raw_block(pseudo(c)) + hpack_int(0, 5, 0x20))
_compression("hpack/4.2/2", "7541 §4.2", "Sends a dynamic table size update between two fields",
             lambda c, o: raw_block(pseudo(c)[:2]) + hpack_int(0, 5, 0x20) + raw_block(pseudo(c)[2:]))
# Huffman: 'a' is 00011 (5 bits). Padding must be the most significant bits of EOS (all ones), at most 7 bits.
_compression("hpack/5.2/1", "7541 §5.2", "Sends a Huffman-encoded string literal representation with padding longer than 7 bits",
             lambda c, o: raw_block(pseudo(c)) + b"\x00" + hpack_str("x-test") + b"\x82\x1f\xff")
_compression("hpack/5.2/2", "7541 §5.2", "Sends a Huffman-encoded string literal representation padded by zero",
             lambda c, o: raw_block(pseudo(c)) + b"\x00" + hpack_str("x-test") + b"\x81\x18")
_compression("hpack/5.2/3", "7541 §5.2", "Sends a Huffman-encoded string literal representation containing the EOS symbol",
             lambda c, o: raw_block(pseudo(c)) + b"\x00" + hpack_str("x-test") + b"\x84\xff\xff\xff\xff")
_compression("hpack/5.1/1", "7541 §5.1", "Sends an integer that overflows (endless continuation octets)",
             lambda c, o: raw_block(pseudo(c)) + b"\x00\x7f" + b"\xff" * 12 + b"\x01")
_compression("hpack/5.2/4", "7541 §5.2", "Sends a string literal whose length runs past the end of the block",
             lambda c, o: raw_block(pseudo(c)) + b"\x00" + hpack_str("x-test") + b"\x40abc")
_compression("hpack/6.1/1", "7541 §6.1", "Sends a indexed header field representation with index 0",
             lambda c, o: raw_block(pseudo(c)) + b"\x80")
_compression("hpack/6.3/1", "7541 §6.3", "Sends a dynamic table size update larger than the value of SETTINGS_HEADER_TABLE_SIZE",
             lambda c, o: hpack_int(c.server_settings.get(HEADER_TABLE_SIZE, 4096) + 1, 5, 0x20) + raw_block(pseudo(c)))


# ================================================================ more RFC 9113 (positive flow control, framing, TLS)

@case("rfc9113/6.9.1/4", "9113 §6.9.1", "A large body flows under flow control: the server stays within both windows, waits, and resumes on WINDOW_UPDATE")
def _(c, o):
    if not o.large_path:
        raise CaseFailure("--large-path (a body larger than 65535 octets)", "no --large-path given")
    c.send_request(1, path=o.large_path)
    max_frame = 16384  # ours: we never sent SETTINGS_MAX_FRAME_SIZE
    conn_window = stream_window = 65535
    got = 0
    length = None
    stalled_once = False
    end = c.deadline(max(o.timeout, 5.0))
    while True:
        try:
            f = c.frame_for(1, end)
        except TimeoutError:
            if conn_window == 0 or stream_window == 0:
                # Exhausted, and quiet as it must be: open both windows and go on.
                stalled_once = True
                c.send([window_update(0, 1 << 20), window_update(1, 1 << 20)])
                conn_window += 1 << 20
                stream_window += 1 << 20
                end = c.deadline(max(o.timeout, 5.0))
                continue
            raise CaseFailure("the rest of the body", "timeout after %d octets with windows %d/%d (%s)" % (
                got, conn_window, stream_window, c.summary()))
        except Closed:
            raise CaseFailure("the whole body", "connection closed after %d octets (%s)" % (got, c.summary()))
        if isinstance(f, (GoAwayFrame, RstStreamFrame)):
            raise CaseFailure("the whole body", describe(f))
        if isinstance(f, HeadersFrame) and f.decoded is not None and length is None:
            values = [v for n, v in f.decoded if n == "content-length"]
            length = int(values[0]) if values else -1
        if isinstance(f, DataFrame):
            n = f.flow_controlled_length
            if len(f.data) > max_frame:
                raise CaseFailure("DATA frames of at most %d octets" % max_frame, describe(f))
            conn_window -= n
            stream_window -= n
            if conn_window < 0 or stream_window < 0:
                raise CaseFailure("DATA within the flow-control windows", "windows %d/%d after %s" % (
                    conn_window, stream_window, describe(f)))
            got += len(f.data)
            if conn_window == 0 or stream_window == 0:
                end = c.deadline(0.3)  # nothing more may come until we open a window
            if "END_STREAM" in f.flags:
                break
    if length not in (None, -1) and got != length:
        raise CaseFailure("content-length %d octets" % length, "%d" % got)
    if not stalled_once:
        raise CaseFailure("a body larger than the 65535-octet windows at --large-path", "%d octets" % got)


@case("rfc9113/8.1.1/1", "9113 §8.1.1", "Sends a GET with content-length 10 and END_STREAM on HEADERS (no DATA)")
def _(c, o):
    send_raw_request(c, 1, pseudo(c) + [("content-length", "10")])
    expect_stream_error(c, 1, PROTOCOL_ERROR)


@case("rfc9113/6.2/5", "9113 §6.2", "Sends a HEADERS frame with padding and priority together")
def _(c, o):
    block = raw_block(pseudo(c))
    payload = bytes([4]) + priority_payload(0, 200) + block + b"\x00" * 4
    c.send(raw_frame(HEADERS, END_HEADERS | END_STREAM | PADDED | PRIORITY_FLAG, 1, payload))
    expect_response(c, 1, 200)


@case("rfc9113/6.1/4", "9113 §6.1", "Sends a DATA frame whose padding fills the frame (pad length = payload - 1, no data)")
def _(c, o):
    c.send([c.headers_frame(1, get_block(c, [("content-length", "0")], "POST"), end_stream=False),
            raw_frame(DATA, END_STREAM | PADDED, 1, b"\x04" + b"\x00" * 4)])
    expect_headers(c, 1)


@case("rfc9113/9.2/1", "9113 §9.2", "TLS: version 1.2 or later, and under TLS 1.2 an ephemeral AEAD cipher suite")
def _(c, o):
    if not o.tls:
        return  # cleartext: nothing to check
    version = c.sock.version()
    name, _, _ = c.sock.cipher()
    if version not in ("TLSv1.2", "TLSv1.3"):
        raise CaseFailure("TLS 1.2 or 1.3", version)
    if version == "TLSv1.2" and not (name.startswith("ECDHE-") or name.startswith("DHE-")) \
            or version == "TLSv1.2" and not ("GCM" in name or "CHACHA20" in name or "CCM" in name):
        raise CaseFailure("an ephemeral key exchange and an AEAD cipher (§9.2.2)", name)
    expect_alive(c)


@case("rfc9113/9.2/2", "9113 §9.2.2", "TLS 1.2 with a cipher suite from the §9.2.2 block list is not used for h2", raw=True)
def _(c, o):
    if not o.tls:
        return
    import socket as _socket
    import ssl as _ssl
    ctx = _ssl.SSLContext(_ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = _ssl.CERT_NONE
    ctx.minimum_version = ctx.maximum_version = _ssl.TLSVersion.TLSv1_2
    ctx.set_alpn_protocols(["h2"])
    try:
        ctx.set_ciphers("AES128-SHA:AES256-SHA:AES128-SHA256:AES256-SHA256")  # RSA key exchange, CBC: blocked
    except _ssl.SSLError:
        return  # this OpenSSL cannot offer them at all
    raw = _socket.create_connection((o.host, o.port), timeout=max(o.timeout, 2.0))
    try:
        s = ctx.wrap_socket(raw, server_hostname="localhost")
    except (_ssl.SSLError, OSError):
        return  # refused the handshake: fine
    try:
        if s.selected_alpn_protocol() != "h2":
            return
        # h2 was negotiated: the server may still refuse with INADEQUATE_SECURITY (§9.2.2) before anything else.
        s.sendall(PREFACE + raw_frame(SETTINGS, 0, 0, b""))
        s.settimeout(max(o.timeout, 1.0))
        data = b""
        try:
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    return  # closed
                data += chunk
                if b"\x00\x00\x00\x0c" in data[-8:] or len(data) > 100000:
                    break
        except (_socket.timeout, _ssl.SSLError, OSError):
            pass
        # Look for GOAWAY(INADEQUATE_SECURITY): type 7 with error code 12 at the end of its payload.
        i = 0
        while i + 9 <= len(data):
            n = int.from_bytes(data[i:i + 3], "big")
            if data[i + 3] == GOAWAY and n >= 8 and int.from_bytes(data[i + 13:i + 17], "big") == INADEQUATE_SECURITY:
                return
            i += 9 + n
        raise CaseFailure("no h2 over a blocked cipher suite (handshake refused, close, or GOAWAY(INADEQUATE_SECURITY))",
                          "h2 over %s" % s.cipher()[0])
    finally:
        s.close()


@case("rfc9113/6.5.2/6", "9113 §6.5.2", "SETTINGS_HEADER_TABLE_SIZE 0: responses still decode with no dynamic table",
      settings={HEADER_TABLE_SIZE: 0})
def _(c, o):
    # Our decoder now refuses any table: a response that indexes into one, or raises its size, fails to decode.
    c.decoder.max_allowed_table_size = 0
    for sid in (1, 3, 5):
        c.send_request(sid)
        expect_response(c, sid, 200)


@case("rfc9113/6.9/2", "9113 §6.9", "Three large bodies at once on one connection all arrive complete")
def _(c, o):
    if not o.large_path:
        raise CaseFailure("--large-path (a body larger than 65535 octets)", "no --large-path given")
    for sid in (1, 3, 5):
        c.send_request(sid, path=o.large_path)
    got = {1: 0, 3: 0, 5: 0}
    length = {}
    done = set()
    end = c.deadline(max(o.timeout, 5.0))
    while len(done) < 3:
        try:
            f = c.read_frame(end)  # all three streams in arrival order; each DATA credited back at once
        except (TimeoutError, Closed) as e:
            raise CaseFailure("three whole bodies", "%s with %r octets (%s)" % (type(e).__name__, got, c.summary()))
        if isinstance(f, GoAwayFrame) or (isinstance(f, RstStreamFrame) and f.stream_id in got):
            raise CaseFailure("three whole bodies", describe(f))
        if isinstance(f, HeadersFrame) and f.stream_id in got and f.decoded is not None:
            length.setdefault(f.stream_id, int(dict(f.decoded).get("content-length", -1)))
        if isinstance(f, DataFrame) and f.stream_id in got:
            got[f.stream_id] += len(f.data)
            n = f.flow_controlled_length
            if n:
                c.send([window_update(0, n), window_update(f.stream_id, n)])
            if "END_STREAM" in f.flags:
                done.add(f.stream_id)
    for sid in (1, 3, 5):
        if length.get(sid, -1) not in (-1, got[sid]):
            raise CaseFailure("%d octets on stream %d" % (length[sid], sid), "%d" % got[sid])


@case("rfc9113/6.4/4", "9113 §6.4", "RST_STREAM in the middle of a large body: the stream's DATA stops, the connection goes on")
def _(c, o):
    if not o.large_path:
        raise CaseFailure("--large-path (a body larger than 65535 octets)", "no --large-path given")
    c.send_request(1, path=o.large_path)
    end = c.deadline()
    while True:  # the first DATA frame: the body is under way
        try:
            f = c.frame_for(1, end)
        except Exception as e:
            raise CaseFailure("DATA on stream 1", "%s (%s)" % (type(e).__name__, c.summary()))
        if isinstance(f, DataFrame):
            break
    c.send([RstStreamFrame(1, CANCEL), window_update(0, 1 << 24), window_update(1, 1 << 24)])
    # Frames already in flight may still come; after a quiet moment nothing more may.
    time.sleep(0.3)
    expect_no_frame(c, 0.01, lambda f: False, "")  # drain what arrived meanwhile
    expect_no_frame(c, 0.4, lambda f: isinstance(f, DataFrame) and f.stream_id == 1 or isinstance(f, GoAwayFrame),
                    "no DATA on stream 1 once RST_STREAM arrived")
    c.send_request(3)
    expect_response(c, 3, 200)


@case("rfc9113/5.1/14", "9113 §5.1", "The client ends its side (empty DATA with END_STREAM) after the response: the connection goes on")
def _(c, o):
    c.send_request(1, end_stream=False)
    try:
        read_response(c, 1, seconds=0.3)  # a server may answer before the request ends...
        c.send(raw_frame(DATA, END_STREAM, 1, b""))
    except CaseFailure:
        c.send(raw_frame(DATA, END_STREAM, 1, b""))  # ...or wait for its end
        expect_response(c, 1, 200)
    expect_alive(c)
    c.send_request(3)
    expect_response(c, 3, 200)


@case("rfc9113/10.5.1/1", "9113 §10.5.1", "A field block over SETTINGS_MAX_HEADER_LIST_SIZE: refused or answered, the HPACK state is kept (or the connection closed)")
def _(c, o):
    limit = c.server_settings.get(MAX_HEADER_LIST_SIZE, 32768)
    if limit > 100000:
        raise CaseFailure("SETTINGS_MAX_HEADER_LIST_SIZE of at most 100000", repr(limit))
    big = [("x-big%d" % i, "v" * 4000) for i in range(limit // 4000 + 2)]
    # hpack indexes x-sync last: the next request refers to it by its dynamic index, which only a server that
    # decoded the refused block (as §10.5.1 requires, unless it closes) can resolve.
    block = c.encode(c.request_headers(extra=big + [("x-sync", "1")]))
    size = c.server_settings.get(MAX_FRAME_SIZE, 16384)
    pieces = [block[i:i + size] for i in range(0, len(block), size)]
    frames = [raw_frame(HEADERS, END_STREAM | (END_HEADERS if len(pieces) == 1 else 0), 1, pieces[0])]
    for k, p in enumerate(pieces[1:], 1):
        frames.append(raw_frame(CONTINUATION, END_HEADERS if k == len(pieces) - 1 else 0, 1, p))
    c.send(b"".join(frames))
    end = c.deadline()
    while True:
        try:
            f = c.frame_for(1, end)
        except Closed:
            return  # closing is allowed
        except TimeoutError:
            raise CaseFailure("a response (431), RST_STREAM or a close", "timeout (%s)" % c.summary())
        if isinstance(f, GoAwayFrame):
            return
        if isinstance(f, RstStreamFrame) and f.stream_id == 1:
            break
        if isinstance(f, HeadersFrame) and f.stream_id == 1 and f.decoded is not None:
            # 431 is the expected refusal; the setting is advisory, so a server may also answer it.
            if "END_STREAM" in f.flags:
                break
        if isinstance(f, DataFrame) and "END_STREAM" in f.flags:
            break
    c.send_request(3, extra=[("x-sync", "1")])
    expect_response(c, 3, 200)
