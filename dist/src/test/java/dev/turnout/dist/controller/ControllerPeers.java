package dev.turnout.dist.controller;

import dev.turnout.dist.testing.Daemons;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * Clients and middlemen the controller tests run inside their namespace, as
 * {@code java -cp … ControllerPeers MODE ARGS}:
 * <ul>
 *   <li>{@code ws URL COUNT SECONDS}: opens a WebSocket, prints the first COUNT text messages, one a line;
 *       prints {@code refused STATUS-OR-ERROR} when the upgrade fails;</li>
 *   <li>{@code streams PORT PATH HEADER N}: opens N chunked streams at once and prints how many got 200 and
 *       how many 503;</li>
 *   <li>{@code delay-forward LISTEN TARGET MILLIS}: a TCP forwarder that holds every chunk MILLIS before
 *       passing it on, in both directions: an upstream proxy that is far away.</li>
 * </ul>
 */
public final class ControllerPeers {

    private ControllerPeers() {
    }

    public static void main(String[] args) throws Exception {
        switch (args[0]) {
            case "ws" -> System.exit(ws(args[1], Integer.parseInt(args[2]), Integer.parseInt(args[3])));
            case "streams" -> streams(Integer.parseInt(args[1]), args[2], args[3], Integer.parseInt(args[4]));
            case "delay-forward" -> delayForward(Integer.parseInt(args[1]), Integer.parseInt(args[2]), Integer.parseInt(args[3]));
            default -> throw new IllegalArgumentException("unknown mode " + args[0]);
        }
    }

    /** {@code java -cp <test class path> ControllerPeers ARGS}, for {@code Netns.spawn} and {@code Netns.run}. */
    public static String[] command(String... args) {
        String[] cmd = new String[4 + args.length];
        cmd[0] = Daemons.java();
        cmd[1] = "-cp";
        cmd[2] = System.getProperty("java.class.path");
        cmd[3] = ControllerPeers.class.getName();
        System.arraycopy(args, 0, cmd, 4, args.length);
        return cmd;
    }

    static int ws(String url, int count, int seconds) throws InterruptedException {
        CountDownLatch got = new CountDownLatch(count);
        List<String> lines = new ArrayList<>();
        WebSocket.Listener listener = new WebSocket.Listener() {
            private final StringBuilder partial = new StringBuilder();

            @Override
            public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
                partial.append(data);
                if (last) {
                    synchronized (lines) {
                        if (lines.size() < count) {
                            lines.add(partial.toString());
                            System.out.println(partial);
                            System.out.flush();
                        }
                    }
                    partial.setLength(0);
                    got.countDown();
                }
                ws.request(1);
                return null;
            }
        };
        HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        WebSocket socket;
        try {
            socket = client.newWebSocketBuilder().connectTimeout(Duration.ofSeconds(5))
                    .buildAsync(URI.create(url), listener).get(10, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            System.out.println("refused " + e.getCause());
            return 3;
        } catch (java.util.concurrent.TimeoutException e) {
            System.out.println("refused timeout");
            return 3;
        }
        boolean all = got.await(seconds, TimeUnit.SECONDS);
        socket.sendClose(WebSocket.NORMAL_CLOSURE, "done");
        return all ? 0 : 4;
    }

    static void streams(int port, String path, String authorization, int n) throws IOException, InterruptedException {
        List<Socket> sockets = new ArrayList<>();
        int ok = 0;
        int busy = 0;
        int other = 0;
        try {
            for (int i = 0; i < n; i++) {
                Socket s = new Socket(InetAddress.getLoopbackAddress(), port);
                s.setSoTimeout(5000);
                sockets.add(s);
                String request = "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: " + authorization + "\r\n\r\n";
                s.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
                s.getOutputStream().flush();
                String status = statusLine(s.getInputStream());
                if (status.startsWith("HTTP/1.1 200")) {
                    ok++;
                } else if (status.startsWith("HTTP/1.1 503")) {
                    busy++;
                } else {
                    other++;
                }
            }
        } finally {
            System.out.println("ok=" + ok + " busy=" + busy + " other=" + other);
            for (Socket s : sockets) {
                s.close();
            }
        }
    }

    private static String statusLine(InputStream in) throws IOException {
        StringBuilder sb = new StringBuilder();
        int b;
        while (sb.length() < 200 && (b = in.read()) >= 0 && b != '\n') {
            sb.append((char) b);
        }
        return sb.toString().trim();
    }

    static void delayForward(int listen, int target, int millis) throws IOException {
        ExecutorService pool = Executors.newCachedThreadPool();
        try (ServerSocket server = new ServerSocket()) {
            server.setReuseAddress(true);
            server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), listen), 256);
            System.out.println("listening " + listen + " -> " + target + " delay " + millis + " ms");
            System.out.flush();
            while (true) {
                Socket client = server.accept();
                pool.execute(() -> {
                    try {
                        Socket upstream = new Socket(InetAddress.getLoopbackAddress(), target);
                        pool.execute(() -> pump(client, upstream, millis));
                        pump(upstream, client, millis);
                    } catch (IOException e) {
                        close(client);
                    }
                });
            }
        }
    }

    private static void pump(Socket from, Socket to, int millis) {
        byte[] buf = new byte[16384];
        try {
            InputStream in = from.getInputStream();
            OutputStream out = to.getOutputStream();
            int n;
            while ((n = in.read(buf)) >= 0) {
                Thread.sleep(millis);
                out.write(buf, 0, n);
                out.flush();
            }
        } catch (IOException | InterruptedException e) {
            // one side went away
        } finally {
            close(from);
            close(to);
        }
    }

    private static void close(Socket s) {
        try {
            s.close();
        } catch (IOException e) {
            // already closed
        }
    }
}
