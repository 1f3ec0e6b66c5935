package dev.turnout.plugins.socks5;

import dev.turnout.api.testing.LocalTcpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * A real dante-server ({@code danted}) on 127.0.0.1, started with a generated config in a temp folder, and
 * stopped (with its children) by {@link #close()}.
 */
final class Danted implements AutoCloseable {

    static final Path BINARY = Path.of("/usr/sbin/danted");

    private final Process process;
    private final Path log;
    private final int port;

    private Danted(Process process, Path log, int port) {
        this.process = process;
        this.log = log;
        this.port = port;
    }

    static boolean installed() {
        return Files.isExecutable(BINARY);
    }

    /**
     * Starts danted.
     *
     * @param socksMethod {@code none} or {@code username} (system users, checked against /etc/shadow)
     * @param blockedPort a destination port on 127.0.0.1 that a {@code socks block} rule refuses
     */
    static Danted start(Path dir, String socksMethod, int blockedPort) throws IOException, InterruptedException {
        int port = LocalTcpServer.closedPort();
        Path log = dir.resolve("danted.log");
        Path conf = dir.resolve("danted.conf");
        Files.writeString(conf, String.join("\n",
                "logoutput: " + log,
                "internal: 127.0.0.1 port = " + port,
                "external: 127.0.0.1",
                "clientmethod: none",
                "socksmethod: " + socksMethod,
                "user.privileged: root",
                "user.unprivileged: nobody",
                "client pass {",
                "  from: 127.0.0.0/8 to: 0.0.0.0/0",
                "  log: error",
                "}",
                "socks block {",
                "  from: 127.0.0.0/8 to: 127.0.0.1/32 port = " + blockedPort,
                "  log: connect error",
                "}",
                // Only loopback destinations: tests must never reach beyond this machine.
                "socks pass {",
                "  from: 127.0.0.0/8 to: 127.0.0.0/8",
                "  command: connect udpassociate udpreply",
                "  log: connect disconnect error",
                "}",
                ""));
        Process p = new ProcessBuilder(BINARY.toString(), "-f", conf.toString(), "-p", dir.resolve("danted.pid").toString(),
                "-N", "1")
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve("danted.out").toFile())
                .start();
        Danted d = new Danted(p, log, port);
        try {
            d.awaitListening();
        } catch (IOException | RuntimeException e) {
            d.close();
            throw e;
        }
        return d;
    }

    private void awaitListening() throws IOException, InterruptedException {
        for (int i = 0; i < 100; i++) {
            if (!process.isAlive()) {
                throw new IOException("danted exited with " + process.exitValue() + ": " + log());
            }
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 200);
                return;
            } catch (IOException e) {
                Thread.sleep(50);
            }
        }
        throw new IOException("danted did not listen on port " + port + " within 5 s: " + log());
    }

    int port() {
        return port;
    }

    /** The log so far; dante writes addresses as {@code 127.0.0.1.PORT}. */
    String log() throws IOException {
        return Files.exists(log) ? Files.readString(log, StandardCharsets.UTF_8) : "";
    }

    /** Waits (bounded) until the log contains {@code text}: dante writes some lines after the fact. */
    boolean logShows(String text, long millis) throws IOException, InterruptedException {
        long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
        while (System.nanoTime() < end) {
            if (log().contains(text)) {
                return true;
            }
            Thread.sleep(50);
        }
        return log().contains(text);
    }

    @Override
    public void close() throws InterruptedException {
        // danted forks helper processes; end them too, by their ids.
        process.descendants().forEach(ProcessHandle::destroy);
        process.destroy();
        if (!process.waitFor(5, TimeUnit.SECONDS)) {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        }
    }
}
