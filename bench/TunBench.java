import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The connection-level peers of bench/tun.sh, run with the JDK's single-file launcher:
 * <ul>
 *   <li>{@code http-server PORT}: answers each connection's request with a short response and closes it;</li>
 *   <li>{@code setup-client HOST PORT COUNT SECONDS [THREADS]}: COUNT connect + GET + read-to-EOF, one after the
 *       other on each of THREADS threads (default 1), stops after SECONDS; prints "connections/s N";</li>
 *   <li>{@code hold-server PORT}: accepts connections and keeps them open, reading and discarding;</li>
 *   <li>{@code hold-client HOST PORT COUNT SECONDS}: opens COUNT connections (a few hundred connecting at a
 *       time), prints "HELD n" once all are up (or SECONDS passed), then holds them until stdin closes or
 *       SECONDS more pass.</li>
 * </ul>
 */
public final class TunBench {

    private static final byte[] RESPONSE = ("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok")
            .getBytes(StandardCharsets.ISO_8859_1);

    public static void main(String[] args) throws Exception {
        switch (args[0]) {
            case "http-server" -> httpServer(Integer.parseInt(args[1]));
            case "setup-client" -> setupClient(args[1], Integer.parseInt(args[2]), Integer.parseInt(args[3]),
                    Integer.parseInt(args[4]), args.length > 5 ? Integer.parseInt(args[5]) : 1);
            case "hold-server" -> holdServer(Integer.parseInt(args[1]));
            case "hold-client" -> holdClient(args[1], Integer.parseInt(args[2]), Integer.parseInt(args[3]),
                    Integer.parseInt(args[4]));
            default -> throw new IllegalArgumentException("unknown mode " + args[0]);
        }
    }

    /** Two threads, so a slow client does not stall the next one; closing first puts TIME_WAIT on this side. */
    static void httpServer(int port) throws IOException {
        ServerSocket server = new ServerSocket();
        server.setReuseAddress(true);
        server.bind(new InetSocketAddress(port), 1024);
        Runnable loop = () -> {
            byte[] buf = new byte[4096];
            while (true) {
                try (Socket s = server.accept()) {
                    s.setTcpNoDelay(true);
                    InputStream in = s.getInputStream();
                    int seen = 0;
                    int state = 0;
                    while (state < 4 && seen < 65536) {
                        int n = in.read(buf);
                        if (n < 0) {
                            break;
                        }
                        for (int i = 0; i < n && state < 4; i++) {
                            byte b = buf[i];
                            state = (b == '\r' && state % 2 == 0) ? state + 1 : (b == '\n' && state % 2 == 1) ? state + 1 : 0;
                        }
                        seen += n;
                    }
                    if (state == 4) {
                        s.getOutputStream().write(RESPONSE);
                    }
                } catch (IOException e) {
                    // next one
                }
            }
        };
        Thread t = new Thread(loop);
        t.setDaemon(true);
        t.start();
        loop.run();
    }

    static void setupClient(String host, int port, int count, int seconds, int threads) throws Exception {
        InetSocketAddress target = new InetSocketAddress(host, port);
        byte[] request = ("GET / HTTP/1.1\r\nHost: " + host + "\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1);
        long deadline = System.nanoTime() + seconds * 1_000_000_000L;
        AtomicLong done = new AtomicLong();
        AtomicLong failed = new AtomicLong();
        AtomicLong left = new AtomicLong(count);
        long start = System.nanoTime();
        List<Thread> workers = new ArrayList<>();
        for (int w = 0; w < threads; w++) {
            Thread t = new Thread(() -> {
                byte[] buf = new byte[4096];
                while (left.getAndDecrement() > 0 && System.nanoTime() < deadline) {
                    try (Socket s = new Socket()) {
                        s.setTcpNoDelay(true);
                        s.setSoTimeout(5000);
                        s.connect(target, 5000);
                        OutputStream out = s.getOutputStream();
                        out.write(request);
                        InputStream in = s.getInputStream();
                        int got = 0;
                        int n;
                        while ((n = in.read(buf)) > 0) {
                            got += n;
                        }
                        if (got >= RESPONSE.length) {
                            done.incrementAndGet();
                        } else {
                            failed.incrementAndGet();
                        }
                    } catch (IOException e) {
                        failed.incrementAndGet();
                    }
                }
            });
            t.start();
            workers.add(t);
        }
        for (Thread t : workers) {
            t.join();
        }
        double secs = (System.nanoTime() - start) / 1e9;
        System.out.printf("connections/s %.0f ok %d failed %d in %.2fs%n", done.get() / secs, done.get(), failed.get(), secs);
    }

    static void holdServer(int port) throws IOException {
        try (Selector selector = Selector.open(); ServerSocketChannel server = ServerSocketChannel.open()) {
            server.setOption(StandardSocketOptions.SO_REUSEADDR, true);
            server.bind(new InetSocketAddress(port), 4096);
            server.configureBlocking(false);
            server.register(selector, SelectionKey.OP_ACCEPT);
            ByteBuffer sink = ByteBuffer.allocate(4096);
            while (true) {
                selector.select();
                Iterator<SelectionKey> it = selector.selectedKeys().iterator();
                while (it.hasNext()) {
                    SelectionKey k = it.next();
                    it.remove();
                    if (k.isAcceptable()) {
                        SocketChannel c;
                        while ((c = server.accept()) != null) {
                            c.configureBlocking(false);
                            c.register(selector, SelectionKey.OP_READ);
                        }
                    } else if (k.isReadable()) {
                        SocketChannel c = (SocketChannel) k.channel();
                        sink.clear();
                        int n;
                        try {
                            n = c.read(sink);
                        } catch (IOException e) {
                            n = -1;
                        }
                        if (n < 0) {
                            k.cancel();
                            c.close();
                        }
                    }
                }
            }
        }
    }

    static void holdClient(String host, int port, int count, int seconds) throws Exception {
        InetSocketAddress target = new InetSocketAddress(host, port);
        long deadline = System.nanoTime() + seconds * 1_000_000_000L;
        List<SocketChannel> held = new ArrayList<>(count);
        int failed = 0;
        int pending = 0;
        int started = 0;
        try (Selector selector = Selector.open()) {
            while ((started < count || pending > 0) && System.nanoTime() < deadline) {
                while (started < count && pending < 256) {
                    SocketChannel c = SocketChannel.open();
                    c.configureBlocking(false);
                    started++;
                    if (c.connect(target)) {
                        held.add(c);
                    } else {
                        c.register(selector, SelectionKey.OP_CONNECT);
                        pending++;
                    }
                }
                selector.select(100);
                Iterator<SelectionKey> it = selector.selectedKeys().iterator();
                while (it.hasNext()) {
                    SelectionKey k = it.next();
                    it.remove();
                    SocketChannel c = (SocketChannel) k.channel();
                    pending--;
                    k.cancel();
                    try {
                        c.finishConnect();
                        held.add(c);
                    } catch (IOException e) {
                        failed++;
                        c.close();
                    }
                }
            }
            System.out.println("HELD " + held.size() + " failed " + failed);
            System.out.flush();
            // Hold until told to stop (stdin closes) or the time is up.
            Thread waiter = new Thread(() -> {
                try {
                    while (System.in.read() >= 0) {
                        // nothing
                    }
                } catch (IOException ignored) {
                    // stop
                }
            });
            waiter.setDaemon(true);
            waiter.start();
            waiter.join(seconds * 1000L);
        }
        for (SocketChannel c : held) {
            c.close();
        }
    }
}
