package dev.turnout.dist.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The other ends a test needs, run inside its namespace as {@code java -cp … Peers MODE ARGS}: servers
 * (http, udp-echo, silent) and clients that speak to Turnout's mixed port byte by byte (socks5-udp and the
 * probes), printing what they saw for the test to assert on.
 */
public final class Peers {

    private Peers() {
    }

    public static void main(String[] args) throws Exception {
        switch (args[0]) {
            case "http" -> http(Integer.parseInt(args[1]));
            // gun LISTEN-ADDRESS PORT SERVICE CERT KEY UPSTREAM-ADDRESS UPSTREAM-PORT: a gRPC server in front of a
            // v2ray tcp inbound, as a V2Ray or Xray gun inbound is.
            case "gun" -> dev.turnout.api.testing.GunServer.carrying(args[3], java.nio.file.Path.of(args[4]),
                    java.nio.file.Path.of(args[5]), new java.net.InetSocketAddress(args[6], Integer.parseInt(args[7])),
                    new java.net.InetSocketAddress(args[1], Integer.parseInt(args[2]))).awaitTermination();
            case "files" -> files(Integer.parseInt(args[1]), java.nio.file.Path.of(args[2]));
            case "http-keepalive" -> httpKeepAlive(args[1], Integer.parseInt(args[2]));
            case "until-close" -> untilClose(Integer.parseInt(args[1]));
            case "closes-kept" -> closesKept(Integer.parseInt(args[1]));
            case "upgrade-echo" -> upgradeEcho(Integer.parseInt(args[1]));
            case "upgrade" -> upgrade(Integer.parseInt(args[1]), args[2]);
            case "pipeline" -> pipeline(Integer.parseInt(args[1]), java.util.Arrays.copyOfRange(args, 2, args.length));
            case "udp-echo" -> udpEcho(Integer.parseInt(args[1]), args.length > 2 ? args[2] : null);
            case "udp-log" -> udpLog(args[1], Integer.parseInt(args[2]), java.nio.file.Path.of(args[3]));
            case "silent" -> silent(Integer.parseInt(args[1]));
            case "unanswering" -> unanswering(Integer.parseInt(args[1]));
            case "connect-then-reset" -> connectThenReset(Integer.parseInt(args[1]), args[2], Integer.parseInt(args[3]));
            case "reset" -> reset(Integer.parseInt(args[1]));
            case "ends" -> ends(Integer.parseInt(args[1]));
            case "send-then-reset" -> sendThenReset(args[1], Integer.parseInt(args[2]));
            case "bulk" -> drip(Integer.parseInt(args[1]), Integer.parseInt(args[2]), 0, null);
            case "drip" -> drip(Integer.parseInt(args[1]), Integer.parseInt(args[2]), Integer.parseInt(args[3]),
                    args.length > 4 ? Path.of(args[4]) : null);
            case "socks5-udp" -> System.exit(socks5Udp(Integer.parseInt(args[1]), args[2], Integer.parseInt(args[3]), args[4]));
            case "socks5-udp-connected" -> System.exit(socks5UdpConnected(args[1], args[2], Integer.parseInt(args[3]),
                    args[4], Integer.parseInt(args[5]), args[6]));
            case "udp-send" -> System.exit(args.length > 4 ? udpSendSized(args[1], Integer.parseInt(args[2]), args[3],
                    Integer.parseInt(args[4])) : udpSend(args[1], Integer.parseInt(args[2]), args[3]));
            case "probe" -> probe(Integer.parseInt(args[1]), args[2]);
            case "abandon" -> abandon(Integer.parseInt(args[1]), Integer.parseInt(args[2]), Integer.parseInt(args[3]));
            case "half-close" -> halfClose(args[1], Integer.parseInt(args[2]));
            case "connect-and-leave" -> connectAndLeave(Integer.parseInt(args[1]), Integer.parseInt(args[2]),
                    Integer.parseInt(args[3]));
            case "dscp-get" -> System.exit(dscpGet(args[1], Integer.parseInt(args[2]), Integer.parseInt(args[3]), args[4]));
            case "half-closed-get" -> halfClosedGet(args[1], Integer.parseInt(args[2]), Long.parseLong(args[3]));
            case "proxied-gets" -> System.exit(proxiedGets(Integer.parseInt(args[1]), Integer.parseInt(args[2]),
                    Integer.parseInt(args[3])));
            case "beside-failing-names" -> System.exit(besideFailingNames(args[1], Integer.parseInt(args[2]),
                    Integer.parseInt(args[3]), Integer.parseInt(args[4]), args[5]));
            case "churn" -> Churn.run(args);
            default -> throw new IllegalArgumentException("unknown mode " + args[0]);
        }
    }

    /** The files of {@code folder} over HTTP on 127.0.0.1:{@code port} (the JDK's server), for what Turnout downloads. */
    private static void files(int port, java.nio.file.Path folder) throws IOException {
        com.sun.net.httpserver.HttpServer server = com.sun.net.httpserver.HttpServer.create(
                new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 0);
        server.createContext("/", exchange -> {
            java.nio.file.Path file = folder.resolve(exchange.getRequestURI().getPath().substring(1)).normalize();
            if (!file.startsWith(folder) || !java.nio.file.Files.isRegularFile(file)) {
                exchange.sendResponseHeaders(404, -1);
            } else {
                exchange.sendResponseHeaders(200, java.nio.file.Files.size(file));
                try (OutputStream out = exchange.getResponseBody()) {
                    java.nio.file.Files.copy(file, out);
                }
            }
            exchange.close();
        });
        server.start();
        System.out.println("listening " + port);
    }

    /** A server socket bound to {@code port} on every address; says "listening PORT" for whoever waits on the log. */
    private static ServerSocket listen(int port, int backlog) throws IOException {
        ServerSocket server = new ServerSocket();
        try {
            server.setReuseAddress(true);
            server.bind(new InetSocketAddress(port), backlog);
        } catch (IOException e) {
            server.close();
            throw e;
        }
        System.out.println("listening " + port);
        return server;
    }

    /** HTTP/1.1 server answering every request with its path and the peer's address, then closing. */
    static void http(int port) throws IOException {
        ExecutorService pool = Executors.newFixedThreadPool(32);
        try (ServerSocket server = listen(port, 512)) {
            while (true) {
                Socket s = server.accept();
                pool.execute(() -> answer(s));
            }
        }
    }

    private static void answer(Socket s) {
        long accepted = System.currentTimeMillis();
        try (s) {
            s.setSoTimeout(10_000);
            String head;
            ByteArrayOutputStream got = new ByteArrayOutputStream();
            try {
                head = readHead(s.getInputStream(), got);
            } catch (SocketTimeoutException e) {
                // What a test failing with an empty response needs to know: did any of the request arrive?
                System.out.println(java.time.Instant.ofEpochMilli(accepted) + " " + s.getRemoteSocketAddress()
                        + ": no complete request within 10 s (" + got.size() + " bytes of one)");
                return;
            }
            String path = head.isEmpty() ? "?" : head.split(" ")[1];
            System.out.println(java.time.Instant.ofEpochMilli(accepted) + " " + s.getRemoteSocketAddress() + ": "
                    + (head.isEmpty() ? "closed before a request" : head.lines().findFirst().orElse("")) + " after "
                    + (System.currentTimeMillis() - accepted) + " ms");
            String body = "hello " + path + " from " + s.getInetAddress().getHostAddress() + "\n";
            String response = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: " + body.length()
                    + "\r\nConnection: close\r\n\r\n" + body;
            s.getOutputStream().write(response.getBytes(StandardCharsets.ISO_8859_1));
            s.getOutputStream().flush();
        } catch (IOException e) {
            // a client that went away
        }
    }

    private static String readHead(InputStream in) throws IOException {
        return readHead(in, new ByteArrayOutputStream());
    }

    /** The request head read into {@code buf} (which keeps what came before a timeout). */
    private static String readHead(InputStream in, ByteArrayOutputStream buf) throws IOException {
        int state = 0;
        while (buf.size() < 65536) {
            int b = in.read();
            if (b < 0) {
                break;
            }
            buf.write(b);
            state = (b == '\r' && (state == 0 || state == 2)) ? state + 1 : (b == '\n' && (state == 1 || state == 3)) ? state + 1 : 0;
            if (state == 4) {
                break;
            }
        }
        return buf.toString(StandardCharsets.ISO_8859_1);
    }

    /**
     * The JDK's HTTP/1.1 server (keep-alive, pipelining) named {@code name}: answers every request with a body
     * saying who answered what, and prints each request's line and headers, one request a line, to its log.
     */
    static void httpKeepAlive(String name, int port) throws IOException {
        com.sun.net.httpserver.HttpServer server = com.sun.net.httpserver.HttpServer.create(new InetSocketAddress(port), 64);
        server.createContext("/", exchange -> {
            byte[] received = exchange.getRequestBody().readAllBytes();
            StringBuilder headers = new StringBuilder();
            exchange.getRequestHeaders().forEach((k, v) -> headers.append(" [").append(k).append(": ")
                    .append(String.join(",", v)).append(']'));
            System.out.println("request " + exchange.getRequestMethod() + " " + exchange.getRequestURI() + headers);
            System.out.flush();
            byte[] body = (name + " answers " + exchange.getRequestURI() + " for host "
                    + exchange.getRequestHeaders().getFirst("Host")
                    + (received.length > 0 ? " with body " + new String(received, StandardCharsets.ISO_8859_1) : "")
                    + "\n").getBytes(StandardCharsets.ISO_8859_1);
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        server.setExecutor(Executors.newFixedThreadPool(4));
        server.start();
        System.out.println("listening " + port);
    }

    /**
     * Answers the first request on each connection (keep-alive, with a length) and closes the connection, without
     * an answer, when a second request arrives on it: a server whose idle timeout fires just as a proxy reuses the
     * connection. Prints each request it answers and each it dropped.
     */
    static void closesKept(int port) throws IOException {
        try (ServerSocket server = listen(port, 16)) {
            while (true) {
                try (Socket s = server.accept()) {
                    s.setSoTimeout(10_000);
                    String path = readHead(s.getInputStream()).split(" ")[1];
                    byte[] body = ("fresh answers " + path + "\n").getBytes(StandardCharsets.ISO_8859_1);
                    s.getOutputStream().write(("HTTP/1.1 200 OK\r\nContent-Length: " + body.length
                            + "\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
                    s.getOutputStream().write(body);
                    System.out.println("answered " + path);
                    String again = readHead(s.getInputStream()).split(" ")[1];
                    System.out.println("dropped " + again);
                } catch (IOException | RuntimeException e) {
                    // the client went away
                }
                System.out.flush();
            }
        }
    }

    /** Answers every request with a body that has neither a length nor chunks: it ends where the server closes. */
    static void untilClose(int port) throws IOException {
        try (ServerSocket server = listen(port, 16)) {
            while (true) {
                try (Socket s = server.accept()) {
                    s.setSoTimeout(10_000);
                    String path = readHead(s.getInputStream()).split(" ")[1];
                    s.getOutputStream().write(("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nuntil close "
                            + path + "\n").getBytes(StandardCharsets.ISO_8859_1));
                } catch (IOException e) {
                    // the client went away
                }
            }
        }
    }

    /** Answers every request with 101 to a protocol "echo", then echoes bytes until the client closes. */
    static void upgradeEcho(int port) throws IOException {
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try (ServerSocket server = listen(port, 16)) {
            while (true) {
                Socket s = server.accept();
                pool.execute(() -> {
                    try (s) {
                        s.setSoTimeout(10_000);
                        String head = readHead(s.getInputStream());
                        System.out.println("request " + head.replace("\r\n", " | "));
                        System.out.flush();
                        s.getOutputStream().write(("HTTP/1.1 101 Switching Protocols\r\nUpgrade: echo\r\n"
                                + "Connection: Upgrade\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
                        s.getInputStream().transferTo(s.getOutputStream());
                    } catch (IOException e) {
                        // the client went away
                    }
                });
            }
        }
    }

    /**
     * Asks the HTTP proxy on {@code proxyPort} to upgrade {@code url} to "echo", then sends "ping" on the upgraded
     * connection; prints the 101's head and what came back.
     */
    static void upgrade(int proxyPort, String url) throws IOException {
        String host = java.net.URI.create(url).getRawAuthority();
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), proxyPort)) {
            s.setSoTimeout(10_000);
            s.getOutputStream().write(("GET " + url + " HTTP/1.1\r\nHost: " + host + "\r\nConnection: Upgrade\r\n"
                    + "Upgrade: echo\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
            String head = readHead(s.getInputStream());
            System.out.print(head);
            s.getOutputStream().write("ping".getBytes(StandardCharsets.ISO_8859_1));
            System.out.println("echo: " + new String(s.getInputStream().readNBytes(4), StandardCharsets.ISO_8859_1));
        } catch (SocketTimeoutException e) {
            System.out.println("(timed out)");
        }
    }

    /**
     * Sends GETs for {@code urls} to the HTTP proxy on {@code proxyPort} in one write (pipelined), each with
     * headers a proxy must not pass on, the last one asking to close; prints all it reads back.
     */
    static void pipeline(int proxyPort, String[] urls) throws IOException {
        StringBuilder requests = new StringBuilder();
        for (int i = 0; i < urls.length; i++) {
            String host = java.net.URI.create(urls[i]).getRawAuthority();
            requests.append("GET ").append(urls[i]).append(" HTTP/1.1\r\nHost: ").append(host)
                    .append("\r\nProxy-Connection: keep-alive\r\nProxy-Authorization: Basic c2VjcmV0\r\n")
                    .append("X-Hop: secret\r\nKeep-Alive: timeout=5\r\n")
                    .append(i == urls.length - 1 ? "Connection: close, X-Hop\r\n\r\n" : "Connection: X-Hop\r\n\r\n");
        }
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), proxyPort)) {
            s.setSoTimeout(10_000);
            s.getOutputStream().write(requests.toString().getBytes(StandardCharsets.ISO_8859_1));
            s.getOutputStream().flush();
            System.out.print(new String(s.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1));
        } catch (SocketTimeoutException e) {
            System.out.println("\n(timed out)");
        }
    }

    /** Echoes datagrams; bound to {@code address} when given, so replies leave from the address asked. */
    static void udpEcho(int port, String address) throws IOException {
        InetSocketAddress local = address == null ? new InetSocketAddress(port)
                : new InetSocketAddress(InetAddress.getByName(address), port);
        try (DatagramSocket socket = new DatagramSocket(local)) {
            System.out.println("listening " + port);
            byte[] buf = new byte[65535];
            while (true) {
                DatagramPacket p = new DatagramPacket(buf, buf.length);
                socket.receive(p);
                socket.send(new DatagramPacket(p.getData(), p.getOffset(), p.getLength(), p.getSocketAddress()));
            }
        }
    }

    /**
     * Writes a line for each datagram {@code address:port} receives to {@code log}: the sender, the length and the
     * first 8 bytes in hex; answers nothing.
     */
    static void udpLog(String address, int port, java.nio.file.Path log) throws IOException {
        try (DatagramSocket socket = new DatagramSocket(new InetSocketAddress(InetAddress.getByName(address), port))) {
            System.out.println("listening " + port);
            byte[] buf = new byte[65535];
            while (true) {
                DatagramPacket p = new DatagramPacket(buf, buf.length);
                socket.receive(p);
                StringBuilder line = new StringBuilder(p.getSocketAddress() + " " + p.getLength() + " ");
                for (int i = 0; i < Math.min(8, p.getLength()); i++) {
                    line.append(String.format("%02x", buf[p.getOffset() + i]));
                }
                java.nio.file.Files.writeString(log, line + "\n", java.nio.file.StandardOpenOption.CREATE,
                        java.nio.file.StandardOpenOption.APPEND);
            }
        }
    }

    /**
     * HTTP server whose every answer is {@code chunks} KiB sent one KiB every {@code intervalMillis}: a long
     * stream; with an interval of 0, as fast as the socket takes them (mode "bulk").
     */
    /**
     * Serves {@code chunks} KiB, one every {@code intervalMillis}; once {@code hurry} exists (when given), the rest
     * at once, so a test that needed the stream alive through its checks does not wait out the whole drip.
     */
    static void drip(int port, int chunks, int intervalMillis, Path hurry) throws IOException {
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try (ServerSocket server = listen(port, 64)) {
            while (true) {
                Socket s = server.accept();
                pool.execute(() -> {
                    try (s) {
                        readHead(s.getInputStream());
                        OutputStream out = s.getOutputStream();
                        out.write(("HTTP/1.1 200 OK\r\nContent-Length: " + chunks * 1024 + "\r\nConnection: close\r\n\r\n")
                                .getBytes(StandardCharsets.ISO_8859_1));
                        byte[] kib = new byte[1024];
                        for (int i = 0; i < chunks; i++) {
                            out.write(kib);
                            if (intervalMillis > 0 && (hurry == null || !Files.exists(hurry))) {
                                out.flush();
                                Thread.sleep(intervalMillis);
                            }
                        }
                    } catch (IOException | InterruptedException e) {
                        // client gone
                    }
                });
            }
        }
    }

    /** Accepts connections and never says a word: an upstream that hangs. */
    static void silent(int port) throws IOException {
        List<Socket> held = new ArrayList<>();
        try (ServerSocket server = listen(port, 512)) {
            while (true) {
                Socket s = server.accept();
                held.add(s);
                if (held.size() > 2000) {
                    held.remove(0).close();
                }
            }
        }
    }

    /**
     * Listens on 127.0.0.1:{@code port} and never accepts, with its accept queue filled by two connections of its
     * own: the kernel then drops every further SYN, so a connection to it stays in SYN-SENT until its client gives
     * up. Prints "ready" once the queue is full.
     */
    static void unanswering(int port) throws IOException, InterruptedException {
        List<Socket> queued = new ArrayList<>();
        try (ServerSocket server = new ServerSocket(port, 1, java.net.InetAddress.getLoopbackAddress())) {
            for (int i = 0; i < 2; i++) {
                Socket s = new Socket();
                s.connect(server.getLocalSocketAddress(), 2000);
                queued.add(s);
            }
            System.out.println("ready");
            System.out.flush();
            Thread.sleep(Long.MAX_VALUE);
        }
    }

    /**
     * Answers each request head with the start of an answer that promises more, then resets the connection
     * (SO_LINGER 0): a server failing mid-answer.
     */
    static void reset(int port) throws IOException {
        try (ServerSocket server = listen(port, 64)) {
            while (true) {
                try (Socket s = server.accept()) {
                    s.setSoTimeout(5000);
                    readHead(s.getInputStream());
                    s.getOutputStream().write("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\npartial"
                            .getBytes(StandardCharsets.US_ASCII));
                    s.setSoLinger(true, 0);
                } catch (IOException e) {
                    System.out.println("reset peer: " + e);
                }
            }
        }
    }

    /** Reads each connection to its end and prints how it ended: {@code end: fin} or {@code end: reset}. */
    static void ends(int port) throws IOException {
        try (ServerSocket server = listen(port, 64)) {
            while (true) {
                try (Socket s = server.accept()) {
                    s.setSoTimeout(10_000);
                    String how;
                    try {
                        s.getInputStream().readAllBytes();
                        how = "fin";
                    } catch (SocketTimeoutException e) {
                        how = "none within 10 s";
                    } catch (IOException e) {
                        how = e.getMessage() != null && e.getMessage().toLowerCase(Locale.ROOT).contains("reset")
                                ? "reset" : e.toString();
                    }
                    System.out.println("end: " + how);
                }
            }
        }
    }

    /** Connects, sends a byte, and after a moment (for it to cross) closes with a reset (SO_LINGER 0). */
    static void sendThenReset(String host, int port) throws IOException, InterruptedException {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(host, port), 5000);
            s.getOutputStream().write('x');
            Thread.sleep(300);
            s.setSoLinger(true, 0);
        }
    }

    /**
     * Connects, sends a byte, ends its side (a FIN) and waits at most 15 s for the other side to end; prints
     * {@code end: fin}, {@code end: reset} or {@code end: none within 15 s}, and how long it took.
     */
    static void halfClose(String host, int port) throws IOException {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(host, port), 5000);
            s.setSoTimeout(15_000);
            s.getOutputStream().write('x');
            s.shutdownOutput();
            long start = System.nanoTime();
            String how;
            try {
                how = s.getInputStream().readAllBytes().length >= 0 ? "fin" : "";
            } catch (SocketTimeoutException e) {
                how = "none within 15 s";
            } catch (IOException e) {
                how = e.getMessage() != null && e.getMessage().toLowerCase(Locale.ROOT).contains("reset")
                        ? "reset" : e.toString();
            }
            System.out.println("end: " + how + " after " + (System.nanoTime() - start) / 1_000_000 + " ms");
        }
    }

    /**
     * Sends an HTTP/1.0 GET, ends its side at once (a FIN, as {@code nc -N} or a script piping a request does) and
     * reads the answer slowly through a small receive buffer, so the answer waits in Turnout again and again after
     * the FIN; once, after 8 MiB, it stops reading for {@code pauseMillis}. Prints {@code got N bytes} or what
     * ended the read.
     */
    static void halfClosedGet(String host, int port, long pauseMillis) throws IOException, InterruptedException {
        try (Socket s = new Socket()) {
            s.setReceiveBufferSize(64 * 1024);
            s.connect(new InetSocketAddress(host, port), 5000);
            s.setSoTimeout(20_000);
            s.getOutputStream().write(("GET / HTTP/1.0\r\nHost: " + host + "\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
            s.shutdownOutput();
            InputStream in = s.getInputStream();
            byte[] buf = new byte[16 * 1024];
            long got = 0;
            try {
                for (int n; (n = in.read(buf)) > 0; ) {
                    got += n;
                    if (got % (1024 * 1024) < n) {
                        Thread.sleep(got / (1024 * 1024) == 8 ? pauseMillis : 1);
                    }
                }
                System.out.println("got " + got + " bytes");
            } catch (IOException e) {
                System.out.println("failed after " + got + " bytes: " + e);
            }
        }
    }

    /**
     * An HTTP GET from a socket whose packets carry {@code dscp} (set before connecting, so the SYN has it too:
     * curl here cannot set it). Prints the body; exit 0 when a whole answer came, 1 when the flow failed.
     */
    static int dscpGet(String host, int port, int dscp, String path) {
        try (Socket s = new Socket()) {
            s.setTrafficClass(dscp << 2);
            s.connect(new InetSocketAddress(host, port), 5000);
            s.setSoTimeout(10_000);
            s.getOutputStream().write(("GET " + path + " HTTP/1.0\r\nHost: " + host + "\r\n\r\n")
                    .getBytes(StandardCharsets.ISO_8859_1));
            String answer = new String(s.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
            int body = answer.indexOf("\r\n\r\n");
            System.out.print(body < 0 ? answer : answer.substring(body + 4));
            return answer.startsWith("HTTP/1.") && body >= 0 ? 0 : 1;
        } catch (IOException e) {
            System.out.println("failed: " + e);
            return 1;
        }
    }

    /** SOCKS5 UDP ASSOCIATE through the proxy; prints the echoed text. Exit 0 when it came back. */
    static int socks5Udp(int proxyPort, String host, int port, String message) throws IOException {
        try (Socket control = new Socket(InetAddress.getLoopbackAddress(), proxyPort);
             DatagramSocket udp = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            control.setSoTimeout(5000);
            OutputStream out = control.getOutputStream();
            InputStream in = control.getInputStream();
            out.write(new byte[] {5, 1, 0});
            byte[] greet = in.readNBytes(2);
            if (greet.length != 2 || greet[1] != 0) {
                System.out.println("greeting refused");
                return 1;
            }
            out.write(new byte[] {5, 3, 0, 1, 0, 0, 0, 0, 0, 0});
            byte[] reply = in.readNBytes(10);
            if (reply.length != 10 || reply[1] != 0) {
                System.out.println("associate refused: " + HexFormat.of().formatHex(reply));
                return 1;
            }
            InetAddress relay = InetAddress.getByAddress(new byte[] {reply[4], reply[5], reply[6], reply[7]});
            int relayPort = ((reply[8] & 0xff) << 8) | (reply[9] & 0xff);
            ByteArrayOutputStream datagram = new ByteArrayOutputStream();
            datagram.write(new byte[] {0, 0, 0});
            writeSocksAddress(datagram, host, port);
            datagram.write(message.getBytes(StandardCharsets.UTF_8));
            DatagramPacket p = exchange(udp, datagram.toByteArray(), new InetSocketAddress(relay, relayPort));
            if (p == null) {
                System.out.println("no echo");
                return 1;
            }
            byte[] buf = p.getData();
            int atyp = buf[3];
            int headerLength = atyp == 1 ? 10 : atyp == 4 ? 22 : 7 + (buf[4] & 0xff);
            System.out.println("echo: " + new String(buf, headerLength, p.getLength() - headerLength, StandardCharsets.UTF_8));
            return 0;
        }
    }

    /**
     * As {@link #socks5Udp}, from address {@code from} to the proxy at {@code proxy}, with the UDP socket connected to
     * the proxy's address at the relay's port, as many clients connect theirs: it takes answers from there only.
     */
    static int socks5UdpConnected(String from, String proxy, int proxyPort, String host, int port, String message)
            throws IOException {
        InetAddress local = InetAddress.getByName(from);
        try (Socket control = new Socket(InetAddress.getByName(proxy), proxyPort, local, 0);
             DatagramSocket udp = new DatagramSocket(0, local)) {
            control.setSoTimeout(5000);
            OutputStream out = control.getOutputStream();
            InputStream in = control.getInputStream();
            out.write(new byte[] {5, 1, 0});
            in.readNBytes(2);
            out.write(new byte[] {5, 3, 0, 1, 0, 0, 0, 0, 0, 0});
            byte[] head = in.readNBytes(4);
            byte[] rest = in.readNBytes(head.length == 4 && head[3] == 4 ? 18 : 6);
            if (head.length != 4 || head[1] != 0 || rest.length < 6) {
                System.out.println("associate refused");
                return 1;
            }
            int relayPort = ((rest[rest.length - 2] & 0xff) << 8) | (rest[rest.length - 1] & 0xff);
            udp.connect(new InetSocketAddress(proxy, relayPort));
            ByteArrayOutputStream datagram = new ByteArrayOutputStream();
            datagram.write(new byte[] {0, 0, 0});
            writeSocksAddress(datagram, host, port);
            datagram.write(message.getBytes(StandardCharsets.UTF_8));
            DatagramPacket p = exchange(udp, datagram.toByteArray(), new InetSocketAddress(proxy, relayPort));
            System.out.println(p == null ? "no echo" : "echo: " + new String(p.getData(), 10, p.getLength() - 10,
                    StandardCharsets.UTF_8));
            return p == null ? 1 : 0;
        }
    }

    /** A plain UDP exchange (no proxy settings): prints the echo, exit 0 when it came back. */
    static int udpSend(String host, int port, String message) throws IOException {
        try (DatagramSocket socket = new DatagramSocket()) {
            DatagramPacket p = exchange(socket, message.getBytes(StandardCharsets.UTF_8),
                    new InetSocketAddress(InetAddress.getByName(host), port));
            if (p == null) {
                System.out.println("no echo");
                return 1;
            }
            System.out.println("echo: " + new String(p.getData(), 0, p.getLength(), StandardCharsets.UTF_8) + " from "
                    + p.getAddress().getHostAddress());
            return 0;
        }
    }

    /** As {@link #udpSend}, the message padded to {@code size} bytes; says how many came back, and whether intact. */
    static int udpSendSized(String host, int port, String message, int size) throws IOException {
        byte[] bytes = new byte[size];
        java.util.Arrays.fill(bytes, (byte) '.');
        byte[] head = message.getBytes(StandardCharsets.UTF_8);
        System.arraycopy(head, 0, bytes, 0, Math.min(head.length, size));
        try (DatagramSocket socket = new DatagramSocket()) {
            DatagramPacket p = exchange(socket, bytes, new InetSocketAddress(InetAddress.getByName(host), port));
            if (p == null) {
                System.out.println("no echo");
                return 1;
            }
            boolean same = java.util.Arrays.equals(bytes, 0, size, p.getData(), 0, p.getLength());
            System.out.println("echo of " + p.getLength() + " bytes" + (same ? "" : ", changed") + " from "
                    + p.getAddress().getHostAddress());
            return 0;
        }
    }

    /**
     * Sends {@code bytes} to {@code to} and waits a second for the answer, five times at most (UDP may lose
     * either); the answer, or null when none came.
     */
    private static DatagramPacket exchange(DatagramSocket socket, byte[] bytes, InetSocketAddress to)
            throws IOException {
        socket.setSoTimeout(1000);
        for (int attempt = 0; attempt < 5; attempt++) {
            socket.send(new DatagramPacket(bytes, bytes.length, to));
            DatagramPacket answer = new DatagramPacket(new byte[65535], 65535);
            try {
                socket.receive(answer);
                return answer;
            } catch (SocketTimeoutException e) {
                // lost on the way there or back: send again
            }
        }
        return null;
    }

    /** A SOCKS5 address as requests and UDP headers carry it: an IPv4 literal (ATYP 1) or a name (3), then the port. */
    private static void writeSocksAddress(ByteArrayOutputStream out, String host, int port) {
        byte[] ip = literal(host);
        if (ip != null) {
            out.write(1);
            out.writeBytes(ip);
        } else {
            byte[] name = host.getBytes(StandardCharsets.US_ASCII);
            out.write(3);
            out.write(name.length);
            out.writeBytes(name);
        }
        out.write(port >> 8);
        out.write(port & 0xff);
    }

    private static byte[] literal(String host) {
        String[] parts = host.split("\\.");
        if (parts.length != 4) {
            return null;
        }
        byte[] out = new byte[4];
        for (int i = 0; i < 4; i++) {
            try {
                out[i] = (byte) Integer.parseInt(parts[i]);
            } catch (NumberFormatException e) {
                return null;
            }
        }
        return out;
    }

    /**
     * A greeting without authentication and a CONNECT naming {@code hostPort} ("name:port") as a domain (ATYP 3), the
     * name percent-decoded to UTF-8 bytes (so that arguments stay ASCII whatever the machine's locale).
     */
    private static byte[] socksConnectByName(String hostPort) {
        int colon = hostPort.lastIndexOf(':');
        byte[] name = java.net.URLDecoder.decode(hostPort.substring(0, colon), StandardCharsets.UTF_8)
                .getBytes(StandardCharsets.UTF_8);
        int port = Integer.parseInt(hostPort.substring(colon + 1));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(new byte[] {5, 1, 0, 5, 1, 0, 3, (byte) name.length});
        out.writeBytes(name);
        out.write(port >> 8);
        out.write(port);
        return out.toByteArray();
    }

    private static byte[] throwUnknown(String kind) {
        throw new IllegalArgumentException(kind);
    }

    /**
     * Sends {@code kind}'s bad input and prints {@code reply=HEX closed_ms=N}: what came back and how long the
     * proxy took to close (-1 if it had not closed after 20 s).
     */
    static void probe(int proxyPort, String kind) throws IOException {
        byte[] send = switch (kind) {
            case "socks-garbage-command" -> new byte[] {5, 1, 0, 5, 9, 9, 9, 9, 9, 9};
            case "socks-no-methods" -> new byte[] {5, 0};
            case "socks-truncated" -> new byte[] {5, 1};
            case "http-garbage" -> "GARBAGE\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1);
            case "http-origin-form" -> "GET / HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1);
            case "http-huge-head" -> ("GET http://a.test/ HTTP/1.1\r\nX: " + "a".repeat(40_000)).getBytes(StandardCharsets.ISO_8859_1);
            case "silent" -> new byte[0];
            case "http-1.0-then-fin" -> "GET http://127.0.0.1:8080/early HTTP/1.0\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1);
            default -> kind.startsWith("socks-name=") ? socksConnectByName(kind.substring("socks-name=".length()))
                    : throwUnknown(kind);
        };
        long start = System.nanoTime();
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), proxyPort)) {
            s.setSoTimeout(20_000);
            if (send.length > 0) {
                s.getOutputStream().write(send);
                s.getOutputStream().flush();
            }
            if (kind.endsWith("then-fin")) {
                s.shutdownOutput(); // at once, while Turnout is still dialling
            }
            ByteArrayOutputStream got = new ByteArrayOutputStream();
            long closed = -1;
            try {
                byte[] buf = new byte[4096];
                int n;
                while ((n = s.getInputStream().read(buf)) >= 0) {
                    got.write(buf, 0, Math.min(n, 64));
                }
                closed = (System.nanoTime() - start) / 1_000_000;
            } catch (SocketTimeoutException e) {
                closed = -1;
            } catch (IOException e) {
                closed = (System.nanoTime() - start) / 1_000_000; // reset counts as closed
            }
            byte[] reply = got.toByteArray();
            System.out.println("reply=" + HexFormat.of().formatHex(reply, 0, Math.min(reply.length, 16))
                    + " text=" + new String(reply, 0, Math.min(reply.length, 12), StandardCharsets.ISO_8859_1).replaceAll("[^ -~]", ".")
                    + " closed_ms=" + closed);
        }
    }

    /**
     * Opens {@code count} connections that each stop somewhere (mid-greeting, mid-request, waiting on a
     * hanging upstream at {@code silentPort}) and leaves them abruptly.
     */
    static void abandon(int proxyPort, int silentPort, int count) throws IOException, InterruptedException {
        List<Socket> sockets = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            Socket s = new Socket(InetAddress.getLoopbackAddress(), proxyPort);
            OutputStream out = s.getOutputStream();
            switch (i % 4) {
                case 0 -> out.write(new byte[] {5, 1});
                case 1 -> out.write(("CONNECT 127.0.0.1:" + silentPort + " HTTP/1.1\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
                case 2 -> out.write(new byte[] {5, 1, 0, 5, 1, 0, 1, 127, 0, 0, 1, (byte) (silentPort >> 8), (byte) silentPort});
                default -> out.write("GET http://127.0.0.1:".getBytes(StandardCharsets.ISO_8859_1));
            }
            out.flush();
            sockets.add(s);
        }
        Thread.sleep(500);
        for (Socket s : sockets) {
            if (sockets.indexOf(s) % 2 == 0) {
                s.setSoLinger(true, 0); // half of them reset, half close politely
            }
            s.close();
        }
        System.out.println("abandoned " + count);
    }

    /**
     * Asks the SOCKS5 proxy at {@code proxyPort} to CONNECT to {@code host} (an IPv4 literal or a name) and
     * {@code port}, reads the method choice, waits a second without the CONNECT's reply and leaves with a reset:
     * an application that gives up while the proxy is still connecting for it. A FIN would not say that (the
     * application may only have ended its request). Prints "reset".
     */
    static void connectThenReset(int proxyPort, String host, int port) throws IOException, InterruptedException {
        ByteArrayOutputStream request = new ByteArrayOutputStream();
        request.writeBytes(new byte[] {5, 1, 0, 5, 1, 0});
        writeSocksAddress(request, host, port);
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), proxyPort)) {
            s.setSoTimeout(5_000);
            s.getOutputStream().write(request.toByteArray());
            byte[] choice = s.getInputStream().readNBytes(2);
            if (choice.length != 2 || choice[1] != 0) {
                throw new IOException("the proxy refused the greeting");
            }
            Thread.sleep(1_000);
            s.setSoLinger(true, 0);
        }
        System.out.println("reset");
    }

    /**
     * Opens {@code count} SOCKS5 CONNECTs to 127.0.0.1:{@code targetPort} through the proxy at once, waits (at most
     * a few seconds) for the replies, then closes every connection politely (a FIN) and prints
     * {@code served N of COUNT}: an application that leaves while the server still holds its side open.
     */
    static void connectAndLeave(int proxyPort, int targetPort, int count) throws IOException {
        byte[] request = {5, 1, 0, 5, 1, 0, 1, 127, 0, 0, 1, (byte) (targetPort >> 8), (byte) targetPort};
        List<Socket> sockets = new ArrayList<>();
        int served = 0;
        try {
            for (int i = 0; i < count; i++) {
                Socket s = new Socket(InetAddress.getLoopbackAddress(), proxyPort);
                sockets.add(s);
                s.getOutputStream().write(request);
            }
            long deadline = System.nanoTime() + 5_000_000_000L;
            for (Socket s : sockets) {
                long left = Math.max(1, (deadline - System.nanoTime()) / 1_000_000);
                s.setSoTimeout((int) Math.min(left, 5_000));
                try {
                    // The method choice (5, 0), then the CONNECT reply (5, 0 = succeeded, 0, ATYP, address, port),
                    // read whole: a close with unread bytes would be a reset, not the FIN this is about.
                    InputStream in = s.getInputStream();
                    byte[] head = in.readNBytes(6);
                    if (head.length == 6 && head[1] == 0 && head[3] == 0) {
                        int rest = switch (head[5]) {
                            case 1 -> 4 + 2;
                            case 4 -> 16 + 2;
                            default -> in.read() + 2; // a name: its length, then the name and the port
                        };
                        if (in.readNBytes(rest).length == rest) {
                            served++;
                        }
                    }
                } catch (IOException e) {
                    // not accepted in time, or refused: it is left all the same
                }
            }
        } finally {
            for (Socket s : sockets) {
                s.close();
            }
        }
        System.out.println("served " + served + " of " + count);
    }
    /**
     * {@code count} requests one after another, each on a new connection, through the HTTP proxy on 127.0.0.1:
     * {@code proxyPort} to the web server on 127.0.0.1:{@code webPort}; stops at the first that is not answered
     * within 5 s. Prints {@code ANSWERED n} (and what went wrong); exits 0 when every request was answered.
     */
    static int proxiedGets(int proxyPort, int webPort, int count) {
        int answered = 0;
        try {
            for (; answered < count; answered++) {
                try (Socket s = new Socket()) {
                    s.connect(new InetSocketAddress("127.0.0.1", proxyPort), 5_000);
                    s.setSoTimeout(5_000);
                    s.getOutputStream().write(("GET http://127.0.0.1:" + webPort + "/n" + answered
                            + " HTTP/1.1\r\nHost: 127.0.0.1:" + webPort + "\r\nConnection: close\r\n\r\n")
                            .getBytes(StandardCharsets.ISO_8859_1));
                    String got = new String(s.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
                    if (!got.startsWith("HTTP/1.1 200") || !got.contains("hello /n" + answered + " ")) {
                        System.out.println("ANSWERED " + answered + ", then: " + got.lines().findFirst().orElse("nothing"));
                        return 1;
                    }
                }
            }
        } catch (IOException e) {
            System.out.println("ANSWERED " + answered + ", then: " + e);
            return 1;
        }
        System.out.println("ANSWERED " + answered);
        return 0;
    }

    /**
     * Mode "beside-failing-names": {@code rounds} times, one request to {@code host:port} (written the moment the
     * connection opens, as a browser does) and, at once beside it, {@code failing} connections to names under
     * {@code suffix} that have no address (each sends a few bytes and is reset). Prints {@code ANSWERED n} and, at
     * the first request left unanswered, {@code LOST round ...}, then stops (each loss costs the server's 10 s).
     */
    static int besideFailingNames(String host, int port, int rounds, int failing, String suffix) throws Exception {
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(failing + 1);
        try {
            InetAddress web = InetAddress.getByName(host);
            for (int round = 0; round < rounds; round++) {
                int r = round;
                List<java.util.concurrent.Future<String>> all = new ArrayList<>();
                for (int k = 0; k < failing; k++) {
                    int n = k;
                    all.add(pool.submit(() -> {
                        try (Socket s = new Socket()) {
                            s.connect(new InetSocketAddress(InetAddress.getByName("nx" + r + "-" + n + "." + suffix), 443), 5000);
                            s.setSoTimeout(5000);
                            s.getOutputStream().write(new byte[300]);
                            s.getInputStream().read();
                        } catch (IOException expected) {
                            // refused, reset or no address: what a name without an address gets
                        }
                        return null;
                    }));
                }
                java.util.concurrent.Future<String> request = pool.submit(() -> {
                    try (Socket s = new Socket()) {
                        s.connect(new InetSocketAddress(web, port), 5000);
                        s.setSoTimeout(15_000);
                        s.getOutputStream().write(("GET /round" + r + " HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n")
                                .getBytes(StandardCharsets.ISO_8859_1));
                        return new String(s.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
                    } catch (IOException e) {
                        return e.toString();
                    }
                });
                for (java.util.concurrent.Future<String> f : all) {
                    f.get(20, java.util.concurrent.TimeUnit.SECONDS);
                }
                String answer = request.get(20, java.util.concurrent.TimeUnit.SECONDS);
                if (!answer.contains("hello /round" + r + " ")) {
                    System.out.println("ANSWERED " + r);
                    System.out.println("LOST round " + r + ": " + (answer.isEmpty() ? "no answer, the connection closed" : answer.lines().findFirst().orElse("")));
                    return 1;
                }
            }
            System.out.println("ANSWERED " + rounds);
            return 0;
        } finally {
            pool.shutdownNow();
        }
    }
}
