package dev.turnout.dist.testing;

import java.io.IOException;
import java.io.InputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An application namespace's worth of flows of every kind at once, the way a desktop makes them: names looked up
 * through the system resolver and fetched, over a proxy and not, refused, rejected, left unanswered, reset by the
 * application, to an address nobody answers, to a fake address with no name, and UDP exchanges, each kind
 * {@code rounds} times on {@code threads} threads. Prints one line per kind, {@code KIND ok N of M}, where "ok"
 * is what that kind should see: an answer for the fetches and the UDP exchange, an end without an answer for the
 * others. Every socket has a timeout, so the run is bounded.
 *
 * <p>Arguments: rounds, threads, the name suffix fetched directly, the one fetched through a proxy, the one
 * rejected, the server's address, its HTTP port, a refusing port, a silent port, its UDP echo port, an address
 * nobody answers; optionally the server's IPv6 address, which adds fetches, refusals and UDP exchanges over IPv6.
 */
final class Churn {

    private final String direct;
    private final String proxied;
    private final String rejected;
    private final String server;
    private final int http;
    private final int refusing;
    private final int silent;
    private final int echo;
    private final String hole;
    private final String server6;
    private final Map<String, AtomicInteger> ok = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> tried = new ConcurrentHashMap<>();

    private Churn(String[] args) {
        direct = args[3];
        proxied = args[4];
        rejected = args[5];
        server = args[6];
        http = Integer.parseInt(args[7]);
        refusing = Integer.parseInt(args[8]);
        silent = Integer.parseInt(args[9]);
        echo = Integer.parseInt(args[10]);
        hole = args[11];
        server6 = args.length > 12 ? args[12] : null;
    }

    static void run(String[] args) throws InterruptedException {
        int rounds = Integer.parseInt(args[1]);
        int threads = Integer.parseInt(args[2]);
        new Churn(args).churn(rounds, threads);
    }

    private interface Kind {
        boolean once(int round) throws IOException;
    }

    private void churn(int rounds, int threads) throws InterruptedException {
        Map<String, Kind> kinds = new java.util.LinkedHashMap<>();
        kinds.put("name", i -> answered(fetch(new InetSocketAddress(InetAddress.getByName("n" + i + direct), http))));
        kinds.put("proxied-name", i -> answered(fetch(new InetSocketAddress(InetAddress.getByName("p" + i + proxied),
                http))));
        kinds.put("rejected-name", i -> !answered(fetch(new InetSocketAddress(InetAddress.getByName("r" + i + rejected),
                http))));
        kinds.put("refused", i -> !answered(fetch(new InetSocketAddress(server, refusing))));
        kinds.put("unanswered", i -> leave(new InetSocketAddress(server, silent), false));
        kinds.put("reset-by-application", i -> leave(new InetSocketAddress(server, http), true));
        kinds.put("nobody-there", i -> leave(new InetSocketAddress(hole, 80), false));
        kinds.put("fake-address-without-name", i -> !answered(fetch(new InetSocketAddress(
                "198.18.255." + (1 + i % 250), http))));
        kinds.put("udp", i -> exchange(new InetSocketAddress(server, echo)));
        if (server6 != null) {
            kinds.put("address6", i -> answered(fetch(new InetSocketAddress(server6, http))));
            kinds.put("refused6", i -> !answered(fetch(new InetSocketAddress(server6, refusing))));
            kinds.put("udp6", i -> exchange(new InetSocketAddress(server6, echo)));
        }
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        for (int i = 0; i < rounds; i++) {
            int round = i;
            for (Map.Entry<String, Kind> kind : kinds.entrySet()) {
                pool.execute(() -> attempt(kind.getKey(), kind.getValue(), round));
            }
        }
        pool.shutdown();
        if (!pool.awaitTermination(5, TimeUnit.MINUTES)) {
            System.out.println("not finished within 5 minutes");
            pool.shutdownNow();
        }
        for (String kind : kinds.keySet()) {
            System.out.println(kind + " ok " + count(ok, kind) + " of " + count(tried, kind));
        }
    }

    private void attempt(String kind, Kind what, int round) {
        tried.computeIfAbsent(kind, k -> new AtomicInteger()).incrementAndGet();
        try {
            if (what.once(round)) {
                ok.computeIfAbsent(kind, k -> new AtomicInteger()).incrementAndGet();
            } else {
                System.out.println(kind + " round " + round + ": not what it should see");
            }
        } catch (IOException e) {
            System.out.println(kind + " round " + round + ": " + e);
        }
    }

    private static int count(Map<String, AtomicInteger> counts, String kind) {
        AtomicInteger n = counts.get(kind);
        return n == null ? 0 : n.get();
    }

    private static boolean answered(String got) {
        return got.startsWith("HTTP/1.1 200") && got.contains("hello /");
    }

    /** A GET and whatever came back before the end (empty when the connection was refused, reset or ended). */
    private static String fetch(InetSocketAddress to) {
        try (Socket s = new Socket()) {
            s.connect(to, 3000);
            s.setSoTimeout(5000);
            s.getOutputStream().write(("GET /churn HTTP/1.1\r\nHost: churn\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            return new String(s.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
        } catch (IOException e) {
            return "";
        }
    }

    /**
     * Sends the start of a request and leaves after 100 ms: with a FIN, or with a reset ({@code reset}), the way
     * an application that gives up does. Ok when the connection was made and nothing came back by then.
     */
    private static boolean leave(InetSocketAddress to, boolean reset) throws IOException {
        try (Socket s = new Socket()) {
            s.connect(to, 3000);
            s.getOutputStream().write("GET /left HTTP/1.1\r\n".getBytes(StandardCharsets.US_ASCII));
            s.setSoTimeout(100);
            InputStream in = s.getInputStream();
            try {
                if (in.read() >= 0) {
                    return false;
                }
            } catch (java.net.SocketTimeoutException expected) {
                // Nothing within 100 ms: the application gives up.
            }
            if (reset) {
                s.setSoLinger(true, 0);
            }
            return true;
        }
    }

    /** One datagram to the echo server from a socket of its own, and its echo within 2 s. */
    private static boolean exchange(InetSocketAddress to) throws IOException {
        try (DatagramSocket s = new DatagramSocket()) {
            s.setSoTimeout(2000);
            byte[] out = ("churn " + System.nanoTime()).getBytes(StandardCharsets.US_ASCII);
            s.send(new DatagramPacket(out, out.length, to));
            DatagramPacket in = new DatagramPacket(new byte[2048], 2048);
            s.receive(in);
            return new String(in.getData(), 0, in.getLength(), StandardCharsets.US_ASCII)
                    .equals(new String(out, StandardCharsets.US_ASCII));
        }
    }
}
