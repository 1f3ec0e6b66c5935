package dev.turnout.api.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** A blocking TCP server on 127.0.0.1 with one behaviour per connection, for the far end of a test. */
public final class LocalTcpServer implements AutoCloseable {

    /** What the server does with each accepted connection. */
    @FunctionalInterface
    public interface Behaviour {
        void serve(Socket socket) throws IOException;
    }

    private final ServerSocket listener;
    private final List<Socket> accepted = new CopyOnWriteArrayList<>();

    private LocalTcpServer(Behaviour behaviour) throws IOException {
        listener = new ServerSocket();
        listener.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        Thread acceptor = new Thread(() -> {
            while (!listener.isClosed()) {
                try {
                    Socket s = listener.accept();
                    accepted.add(s);
                    Thread t = new Thread(() -> {
                        try (s) {
                            behaviour.serve(s);
                        } catch (IOException e) {
                            // the peer went away: nothing to do in a test server
                        }
                    }, "test-server-conn");
                    t.setDaemon(true);
                    t.start();
                } catch (IOException e) {
                    return;
                }
            }
        }, "test-server-accept");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    /**
     * Writes {@code bytes} one at a time, each flushed on its own after a short pause, so the reader sees the
     * message in pieces, as from a slow or odd server.
     */
    /**
     * Reads an HTTP head byte by byte up to and including its blank line (at most 8 KiB), leaving whatever follows
     * it unread in the socket, as a server that looks only at the head does.
     */
    public static String readHttpHead(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int matched = 0;
        byte[] end = {'\r', '\n', '\r', '\n'};
        for (int b; matched < 4 && head.size() < 8192 && (b = in.read()) >= 0; ) {
            head.write(b);
            matched = b == end[matched] ? matched + 1 : b == '\r' ? 1 : 0;
        }
        return head.toString(StandardCharsets.ISO_8859_1);
    }

    public static void writeInPieces(Socket socket, byte[] bytes) throws IOException {
        socket.setTcpNoDelay(true);
        OutputStream out = socket.getOutputStream();
        for (byte b : bytes) {
            out.write(b);
            out.flush();
            try {
                Thread.sleep(3);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException(e);
            }
        }
    }

    /** Serves every connection with {@code behaviour}. */
    public static LocalTcpServer serving(Behaviour behaviour) throws IOException {
        return new LocalTcpServer(behaviour);
    }

    /** Echoes every byte back. */
    public static LocalTcpServer echo() throws IOException {
        return new LocalTcpServer(s -> {
            InputStream in = s.getInputStream();
            OutputStream out = s.getOutputStream();
            byte[] buf = new byte[4096];
            for (int n; (n = in.read(buf)) >= 0; ) {
                out.write(buf, 0, n);
                out.flush();
            }
        });
    }

    /** Speaks first with {@code greeting}, then echoes. */
    public static LocalTcpServer greeting(String greeting) throws IOException {
        return new LocalTcpServer(s -> {
            s.getOutputStream().write(greeting.getBytes(StandardCharsets.ISO_8859_1));
            s.getOutputStream().flush();
            InputStream in = s.getInputStream();
            byte[] buf = new byte[4096];
            for (int n; (n = in.read(buf)) >= 0; ) {
                s.getOutputStream().write(buf, 0, n);
            }
        });
    }

    /** Reads {@code expect} bytes (or less if the client stops), then writes {@code answer} in one write. */
    public static LocalTcpServer answering(int expect, byte[] answer, List<byte[]> requests) throws IOException {
        return new LocalTcpServer(s -> {
            byte[] request = s.getInputStream().readNBytes(expect);
            requests.add(request);
            s.getOutputStream().write(answer);
            s.getOutputStream().flush();
            s.getInputStream().read();
        });
    }

    /** Accepts and never says a word; holds the connection until the client leaves. */
    public static LocalTcpServer silent() throws IOException {
        return new LocalTcpServer(s -> {
            try {
                while (s.getInputStream().read() >= 0) {
                    // swallow
                }
            } catch (SocketException e) {
                // closed by close()
            }
        });
    }

    /** The port it listens on, on 127.0.0.1. */
    public int port() {
        return listener.getLocalPort();
    }

    /** Where it listens: 127.0.0.1 and {@link #port()}. */
    public InetSocketAddress address() {
        return new InetSocketAddress(InetAddress.getLoopbackAddress(), port());
    }

    @Override
    public void close() throws IOException {
        listener.close();
        for (Socket s : accepted) {
            s.close();
        }
    }

    /**
     * {@code count} different ports on 127.0.0.1 with nothing listening: each held until all are chosen, since a
     * port just released may be the kernel's next pick.
     */
    public static List<Integer> closedPorts(int count) throws IOException {
        List<ServerSocket> held = new ArrayList<>();
        try {
            List<Integer> ports = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
                held.add(s);
                ports.add(s.getLocalPort());
            }
            return ports;
        } finally {
            for (ServerSocket s : held) {
                s.close();
            }
        }
    }

    /** A port on 127.0.0.1 with nothing listening (just released; good enough for a refused connect). */
    public static int closedPort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}
