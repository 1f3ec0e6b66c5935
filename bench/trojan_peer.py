#!/usr/bin/env python3
"""Helpers for bench/trojan.sh, run inside its namespace.

  sink PORT              HTTP server that reads each request's body (Content-Length) and answers 200 with the count
  setup PROXY_PORT HOST PORT N
                         N sequential SOCKS5 CONNECTs through 127.0.0.1:PROXY_PORT to HOST:PORT (by name), each
                         sending a GET and reading to close; prints connections per second
  hold PROXY_PORT HOST PORT N
                         N SOCKS5 CONNECTs through 127.0.0.1:PROXY_PORT to HOST:PORT, all held open and idle; prints
                         "held N" once they are, and keeps them until its standard input closes (at most 120 s)
"""
import socket
import struct
import sys
import threading
import time


def sink(port):
    server = socket.socket()
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind(("127.0.0.1", port))
    server.listen(64)
    while True:
        conn, _ = server.accept()
        threading.Thread(target=drain, args=(conn,), daemon=True).start()


def drain(conn):
    with conn:
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = conn.recv(4096)
            if not chunk:
                return
            head += chunk
        header, _, body = head.partition(b"\r\n\r\n")
        length = 0
        for line in header.split(b"\r\n"):
            if line.lower().startswith(b"content-length:"):
                length = int(line.split(b":", 1)[1])
        got = len(body)
        buf = bytearray(1 << 20)
        while got < length:
            n = conn.recv_into(buf)
            if n == 0:
                return
            got += n
        answer = str(got).encode()
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s" % (len(answer), answer))


def connect_request(host, port):
    name = host.encode()
    return b"\x05\x01\x00" + b"\x05\x01\x00\x03" + bytes([len(name)]) + name + struct.pack(">H", port)


def socks_connect(proxy_port, request, timeout=None):
    """A connection through the proxy to the request's destination, the proxy's replies read."""
    s = socket.create_connection(("127.0.0.1", proxy_port), timeout=timeout)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    # Greeting and CONNECT in one write, as curl does not but fast clients do: both proxies take it.
    s.sendall(request)
    replies = b""
    while len(replies) < 2 + 10:
        chunk = s.recv(64)
        if not chunk:
            raise SystemExit("the proxy closed during the handshake")
        replies += chunk
    if replies[3] != 0:
        raise SystemExit("the proxy refused the CONNECT: %r" % replies)
    return s


def setup(proxy_port, host, port, n):
    request = connect_request(host, port)
    get = b"GET / HTTP/1.0\r\nHost: " + host.encode() + b"\r\n\r\n"
    start = time.monotonic()
    for _ in range(n):
        s = socks_connect(proxy_port, request)
        s.sendall(get)
        while s.recv(65536):
            pass
        s.close()
    print("%.1f" % (n / (time.monotonic() - start)))


def hold(proxy_port, host, port, n):
    request = connect_request(host, port)
    held = [socks_connect(proxy_port, request, timeout=10) for _ in range(n)]
    print("held %d" % len(held), flush=True)
    done = threading.Event()
    threading.Thread(target=lambda: (sys.stdin.read(), done.set()), daemon=True).start()
    done.wait(120)


if __name__ == "__main__":
    if sys.argv[1] == "sink":
        sink(int(sys.argv[2]))
    elif sys.argv[1] == "hold":
        hold(int(sys.argv[2]), sys.argv[3], int(sys.argv[4]), int(sys.argv[5]))
    else:
        setup(int(sys.argv[2]), sys.argv[3], int(sys.argv[4]), int(sys.argv[5]))
