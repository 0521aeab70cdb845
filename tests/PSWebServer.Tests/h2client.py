# A scripted HTTP/2 client for Http2.Tests.ps1 (Debian's python3-h2, run by /usr/bin/python3): what browsers do that curl
# and nghttp cannot be told to do. Prints one JSON object.
#   h2client.py cancel <host> <port> <tls 0|1> <big path> <small path>
#     GET the big path, reset it (RST_STREAM CANCEL) after its first DATA frame, then GET the small path on the same
#     connection: reports the small response's status and body length, the frames seen after the cancel, and any GOAWAY.
#   h2client.py drain <host> <port> <tls 0|1> <slow path> <small path>
#     GET the slow path and print "ready" at its first DATA frame (the test then stops the server); at the GOAWAY, open
#     one more stream (the small path) anyway, and read until the server closes: reports the GOAWAY, both streams and
#     whether the connection was closed. Frames are read raw (hyperframe + hpack), because h2's state machine refuses
#     to go on after a GOAWAY, which is what this looks at.
#   h2client.py cancelmany <host> <port> <tls 0|1> <slow path> <small path> <count>
#     <count> times: GET the slow path and reset it (CANCEL) at once; then <count> GETs of the small path on the same
#     connection: reports how many of those were answered 200 with their whole body, and any GOAWAY.
#   h2client.py fields <host> <port> <tls 0|1> <path> <count> <length>
#     GET the path with <count> extra fields of <length> bytes each on stream 1 and a plain GET on stream 3 of the same
#     connection: reports each stream's status and any GOAWAY.
#   h2client.py cookies <host> <port> <tls 0|1> <path> <cookie>...
#     GET the path with each <cookie> as a cookie field of its own, as browsers split them for HPACK (RFC 9113
#     §8.2.3; curl sends one field): reports the status and the body.
import json, socket, ssl, sys, time
import h2.config, h2.connection, h2.events, h2.errors
import hpack
from hyperframe.frame import (Frame, DataFrame, GoAwayFrame, HeadersFrame, PingFrame, RstStreamFrame, SettingsFrame,
                              WindowUpdateFrame, ContinuationFrame)


def open_socket(host, port, tls):
    sock = socket.create_connection((host, port), timeout=10)
    if tls:
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE  # the test is about framing, the certificate is proven elsewhere
        context.set_alpn_protocols(['h2'])
        sock = context.wrap_socket(sock, server_hostname=host)
        if sock.selected_alpn_protocol() != 'h2':
            raise RuntimeError('ALPN did not select h2: %r' % sock.selected_alpn_protocol())
    return sock


def connect(host, port, tls):
    sock = open_socket(host, port, tls)
    conn = h2.connection.H2Connection(config=h2.config.H2Configuration(client_side=True, header_encoding='utf-8'))
    conn.initiate_connection()
    sock.sendall(conn.data_to_send())
    return sock, conn


def request(conn, host, port, path, scheme):
    stream_id = conn.get_next_available_stream_id()
    conn.send_headers(stream_id, [(':method', 'GET'), (':path', path), (':scheme', scheme), (':authority', '%s:%d' % (host, port))], end_stream=True)
    return stream_id


def events(sock, conn, seconds, finished):
    """The connection's events as they arrive, until finished() says so, the server closes, or <seconds> pass; what
    h2 queued in reply (acknowledgements, SETTINGS ACK, anything the caller sent meanwhile) is sent after each read."""
    deadline = time.time() + seconds
    while time.time() < deadline and not finished():
        data = sock.recv(65536)
        if not data:
            return
        for event in conn.receive_data(data):
            yield event
        sock.sendall(conn.data_to_send())


def cancel(host, port, tls, big, small):
    scheme = 'https' if tls else 'http'
    sock, conn = connect(host, port, tls)
    result = {'bigData': 0, 'cancelled': False, 'smallStatus': 0, 'smallBytes': 0, 'smallEnded': False, 'goaway': None, 'resetsReceived': []}
    big_id = request(conn, host, port, big, scheme)
    sock.sendall(conn.data_to_send())
    small_id = None
    for event in events(sock, conn, 15, lambda: result['smallEnded']):
        if isinstance(event, h2.events.DataReceived):
            conn.acknowledge_received_data(event.flow_controlled_length, event.stream_id)
            if event.stream_id == big_id:
                result['bigData'] += len(event.data)
                if not result['cancelled']:
                    conn.reset_stream(big_id, h2.errors.ErrorCodes.CANCEL)
                    result['cancelled'] = True
                    small_id = request(conn, host, port, small, scheme)
            elif event.stream_id == small_id:
                result['smallBytes'] += len(event.data)
        elif isinstance(event, h2.events.ResponseReceived) and event.stream_id == small_id:
            result['smallStatus'] = int(dict(event.headers)[':status'])
        elif isinstance(event, h2.events.StreamEnded) and event.stream_id == small_id:
            result['smallEnded'] = True
        elif isinstance(event, h2.events.StreamReset):
            result['resetsReceived'].append({'stream': event.stream_id, 'code': int(event.error_code)})
        elif isinstance(event, h2.events.ConnectionTerminated):
            result['goaway'] = {'code': int(event.error_code), 'last': event.last_stream_id}
    conn.close_connection()
    try:
        sock.sendall(conn.data_to_send())
    except OSError:
        pass
    sock.close()
    return result


def cancel_many(host, port, tls, slow, small, count):
    scheme = 'https' if tls else 'http'
    sock, conn = connect(host, port, tls)
    for _ in range(count):
        stream_id = request(conn, host, port, slow, scheme)
        conn.reset_stream(stream_id, h2.errors.ErrorCodes.CANCEL)
    sock.sendall(conn.data_to_send())
    time.sleep(0.3)  # the cancelled requests reach their handlers before the next ones arrive
    small_ids = set(request(conn, host, port, small, scheme) for _ in range(count))
    sock.sendall(conn.data_to_send())
    statuses, lengths, ended = {}, {}, set()
    result = {'ok': 0, 'statuses': [], 'bodyLengths': [], 'goaway': None}
    try:
        for event in events(sock, conn, 20, lambda: len(ended) >= count or result['goaway'] is not None):
            if isinstance(event, h2.events.ResponseReceived) and event.stream_id in small_ids:
                statuses[event.stream_id] = int(dict(event.headers)[':status'])
            elif isinstance(event, h2.events.DataReceived):
                conn.acknowledge_received_data(event.flow_controlled_length, event.stream_id)
                if event.stream_id in small_ids:
                    lengths[event.stream_id] = lengths.get(event.stream_id, 0) + len(event.data)
            elif isinstance(event, h2.events.StreamEnded) and event.stream_id in small_ids:
                ended.add(event.stream_id)
            elif isinstance(event, h2.events.ConnectionTerminated):
                result['goaway'] = {'code': int(event.error_code), 'last': event.last_stream_id}
    except OSError as error:
        result['error'] = str(error)
    sock.close()
    result['statuses'] = sorted(set(statuses.values()))
    result['bodyLengths'] = sorted(set(lengths.get(i, 0) for i in ended))
    result['ok'] = sum(1 for i in ended if statuses.get(i) == 200)
    return result


def fields(host, port, tls, path, count, length):
    scheme = 'https' if tls else 'http'
    sock, conn = connect(host, port, tls)
    base = [(':method', 'GET'), (':path', path), (':scheme', scheme), (':authority', '%s:%d' % (host, port))]
    # Letters in a fixed, varied order: no run Huffman coding or the dynamic table would shrink.
    big = [('x-field-%d' % i, ''.join(chr(97 + (j * 7919 + i) % 26) for j in range(length))) for i in range(count)]
    conn.send_headers(1, base + big, end_stream=True)
    conn.send_headers(3, base, end_stream=True)
    sock.sendall(conn.data_to_send())
    result = {'statuses': {}, 'ended': [], 'resets': [], 'goaway': None}
    try:
        for event in events(sock, conn, 15, lambda: len(result['ended']) + len(result['resets']) >= 2 or result['goaway'] is not None):
            if isinstance(event, h2.events.ResponseReceived):
                result['statuses'][str(event.stream_id)] = int(dict(event.headers)[':status'])
            elif isinstance(event, h2.events.DataReceived):
                conn.acknowledge_received_data(event.flow_controlled_length, event.stream_id)
            elif isinstance(event, h2.events.StreamEnded):
                result['ended'].append(event.stream_id)
            elif isinstance(event, h2.events.StreamReset):
                result['resets'].append({'stream': event.stream_id, 'code': int(event.error_code)})
            elif isinstance(event, h2.events.ConnectionTerminated):
                result['goaway'] = {'code': int(event.error_code), 'last': event.last_stream_id,
                                    'debug': (event.additional_data or b'').decode('utf-8', 'replace')}
    except OSError as error:
        result['error'] = str(error)
    sock.close()
    return result


def cookies(host, port, tls, path, crumbs):
    scheme = 'https' if tls else 'http'
    sock, conn = connect(host, port, tls)
    base = [(':method', 'GET'), (':path', path), (':scheme', scheme), (':authority', '%s:%d' % (host, port))]
    conn.send_headers(1, base + [('cookie', crumb) for crumb in crumbs], end_stream=True)
    sock.sendall(conn.data_to_send())
    result = {'status': 0, 'body': '', 'ended': False}
    body = b''
    for event in events(sock, conn, 15, lambda: result['ended']):
        if isinstance(event, h2.events.ResponseReceived):
            result['status'] = int(dict(event.headers)[':status'])
        elif isinstance(event, h2.events.DataReceived):
            body += event.data
            conn.acknowledge_received_data(event.flow_controlled_length, event.stream_id)
        elif isinstance(event, h2.events.StreamEnded):
            result['ended'] = True
    sock.close()
    result['body'] = body.decode('utf-8', 'replace')
    return result


def read_exactly(sock, count):
    data = b''
    while len(data) < count:
        chunk = sock.recv(count - len(data))
        if not chunk:
            return None
        data += chunk
    return data


def read_frame(sock):
    head = read_exactly(sock, 9)
    if head is None:
        return None
    frame, length = Frame.parse_frame_header(memoryview(head))
    body = read_exactly(sock, length) if length else b''
    if body is None:
        return None
    frame.parse_body(memoryview(body))
    return frame


def drain(host, port, tls, slow, small):
    scheme = 'https' if tls else 'http'
    sock = open_socket(host, port, tls)
    sock.settimeout(20)
    encoder, decoder = hpack.Encoder(), hpack.Decoder()
    window = 1 << 24
    # A 16 MiB window for the stream and the connection: the server never waits for this client's WINDOW_UPDATE.
    sock.sendall(b'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n' + SettingsFrame(0, settings={SettingsFrame.INITIAL_WINDOW_SIZE: window}).serialize()
                 + WindowUpdateFrame(0, window_increment=window - 65535).serialize())

    def send_request(stream_id, path):
        block = encoder.encode([(':method', 'GET'), (':path', path), (':scheme', scheme), (':authority', '%s:%d' % (host, port))])
        sock.sendall(HeadersFrame(stream_id, data=block, flags=['END_HEADERS', 'END_STREAM']).serialize())

    send_request(1, slow)
    streams = {1: {'status': 0, 'bytes': 0, 'ended': False}, 3: {'status': 0, 'bytes': 0, 'ended': False}}
    result = {'goaway': None, 'streams': streams, 'resets': [], 'closed': False, 'framesAfterGoaway': []}
    ready = False
    block = b''
    try:
        while True:
            frame = read_frame(sock)
            if frame is None:
                result['closed'] = True
                break
            if result['goaway'] is not None and not isinstance(frame, DataFrame):
                result['framesAfterGoaway'].append('%s:%d' % (type(frame).__name__, frame.stream_id))
            if isinstance(frame, SettingsFrame) and 'ACK' not in frame.flags:
                sock.sendall(SettingsFrame(0, flags=['ACK']).serialize())
            elif isinstance(frame, PingFrame) and 'ACK' not in frame.flags:
                sock.sendall(PingFrame(0, data=frame.opaque_data, flags=['ACK']).serialize())
            elif isinstance(frame, (HeadersFrame, ContinuationFrame)):
                block += frame.data
                if 'END_HEADERS' in frame.flags:
                    fields = dict(decoder.decode(block))
                    block = b''
                    if frame.stream_id in streams:
                        streams[frame.stream_id]['status'] = int(fields.get(':status', fields.get(b':status', 0)))
                if 'END_STREAM' in frame.flags and frame.stream_id in streams:
                    streams[frame.stream_id]['ended'] = True
            elif isinstance(frame, DataFrame):
                if frame.stream_id in streams:
                    streams[frame.stream_id]['bytes'] += len(frame.data)
                    if 'END_STREAM' in frame.flags:
                        streams[frame.stream_id]['ended'] = True
                if frame.stream_id == 1 and not ready:
                    ready = True
                    print('ready', flush=True)
            elif isinstance(frame, RstStreamFrame):
                result['resets'].append({'stream': frame.stream_id, 'code': frame.error_code})
            elif isinstance(frame, GoAwayFrame) and result['goaway'] is None:
                result['goaway'] = {'last': frame.last_stream_id, 'code': frame.error_code}
                send_request(3, small)  # after the GOAWAY: the server must not process it
    except socket.timeout:
        result['timedOut'] = True
    except OSError as error:
        result['closed'] = True
        result['error'] = str(error)
    sock.close()
    return result


if __name__ == '__main__':
    command = sys.argv[1]
    if command == 'cancel':
        print(json.dumps(cancel(sys.argv[2], int(sys.argv[3]), sys.argv[4] == '1', sys.argv[5], sys.argv[6])))
    elif command == 'cancelmany':
        print(json.dumps(cancel_many(sys.argv[2], int(sys.argv[3]), sys.argv[4] == '1', sys.argv[5], sys.argv[6], int(sys.argv[7]))))
    elif command == 'fields':
        print(json.dumps(fields(sys.argv[2], int(sys.argv[3]), sys.argv[4] == '1', sys.argv[5], int(sys.argv[6]), int(sys.argv[7]))))
    elif command == 'cookies':
        print(json.dumps(cookies(sys.argv[2], int(sys.argv[3]), sys.argv[4] == '1', sys.argv[5], sys.argv[6:])))
    elif command == 'drain':
        print(json.dumps(drain(sys.argv[2], int(sys.argv[3]), sys.argv[4] == '1', sys.argv[5], sys.argv[6])), flush=True)
    else:
        raise SystemExit('unknown command ' + command)
