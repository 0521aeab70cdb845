# A scripted HTTP/2 client for Http2.Tests.ps1 (Debian's python3-h2, run by /usr/bin/python3): what browsers do that curl
# and nghttp cannot be told to do. Prints one JSON object.
#   h2client.py cancel <host> <port> <tls 0|1> <big path> <small path>
#     GET the big path, reset it (RST_STREAM CANCEL) after its first DATA frame, then GET the small path on the same
#     connection: reports the small response's status and body length, the frames seen after the cancel, and any GOAWAY.
import json, socket, ssl, sys, time
import h2.config, h2.connection, h2.events, h2.errors


def connect(host, port, tls):
    sock = socket.create_connection((host, port), timeout=10)
    if tls:
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE  # the test is about framing, the certificate is proven elsewhere
        context.set_alpn_protocols(['h2'])
        sock = context.wrap_socket(sock, server_hostname=host)
        if sock.selected_alpn_protocol() != 'h2':
            raise RuntimeError('ALPN did not select h2: %r' % sock.selected_alpn_protocol())
    conn = h2.connection.H2Connection(config=h2.config.H2Configuration(client_side=True, header_encoding='utf-8'))
    conn.initiate_connection()
    sock.sendall(conn.data_to_send())
    return sock, conn


def request(conn, host, port, path, scheme):
    stream_id = conn.get_next_available_stream_id()
    conn.send_headers(stream_id, [(':method', 'GET'), (':path', path), (':scheme', scheme), (':authority', '%s:%d' % (host, port))], end_stream=True)
    return stream_id


def cancel(host, port, tls, big, small):
    scheme = 'https' if tls else 'http'
    sock, conn = connect(host, port, tls)
    result = {'bigData': 0, 'cancelled': False, 'smallStatus': 0, 'smallBytes': 0, 'smallEnded': False, 'goaway': None, 'resetsReceived': []}
    big_id = request(conn, host, port, big, scheme)
    sock.sendall(conn.data_to_send())
    small_id = None
    deadline = time.time() + 15
    while time.time() < deadline and not result['smallEnded']:
        data = sock.recv(65536)
        if not data:
            break
        for event in conn.receive_data(data):
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
        sock.sendall(conn.data_to_send())
    conn.close_connection()
    try:
        sock.sendall(conn.data_to_send())
    except OSError:
        pass
    sock.close()
    return result


if __name__ == '__main__':
    command = sys.argv[1]
    if command == 'cancel':
        print(json.dumps(cancel(sys.argv[2], int(sys.argv[3]), sys.argv[4] == '1', sys.argv[5], sys.argv[6])))
    else:
        raise SystemExit('unknown command ' + command)
