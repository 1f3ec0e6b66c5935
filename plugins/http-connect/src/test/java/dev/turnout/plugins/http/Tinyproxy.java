package dev.turnout.plugins.http;

import dev.turnout.api.testing.LocalTcpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** A real tinyproxy on 127.0.0.1, run in the foreground with a generated config, stopped by {@link #close()}. */
final class Tinyproxy implements AutoCloseable {

    static final Path BINARY = Path.of("/usr/bin/tinyproxy");

    private final Process process;
    private final Path log;
    private final int port;

    private Tinyproxy(Process process, Path log, int port) {
        this.process = process;
        this.log = log;
        this.port = port;
    }

    static boolean installed() {
        return Files.isExecutable(BINARY);
    }

    /**
     * @param connectPorts the only ports CONNECT may reach (tinyproxy answers 403 for others)
     * @param basicAuth {@code "user pass"}, or {@code null} for none
     */
    static Tinyproxy start(Path dir, List<Integer> connectPorts, String basicAuth) throws IOException, InterruptedException {
        int port = LocalTcpServer.closedPort();
        Path log = dir.resolve("tinyproxy.log");
        Path conf = dir.resolve("tinyproxy.conf");
        List<String> lines = new ArrayList<>(List.of(
                "Port " + port,
                "Listen 127.0.0.1",
                "Timeout 30",
                "LogFile \"" + log + "\"",
                "LogLevel Info",
                "MaxClients 20",
                "Allow 127.0.0.1"));
        connectPorts.forEach(p -> lines.add("ConnectPort " + p));
        if (basicAuth != null) {
            lines.add("BasicAuth " + basicAuth);
        }
        Files.writeString(conf, String.join("\n", lines) + "\n");
        Process p = new ProcessBuilder(BINARY.toString(), "-d", "-c", conf.toString())
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve("tinyproxy.out").toFile())
                .start();
        Tinyproxy t = new Tinyproxy(p, log, port);
        try {
            t.awaitListening();
        } catch (IOException | RuntimeException e) {
            t.close();
            throw e;
        }
        return t;
    }

    private void awaitListening() throws IOException, InterruptedException {
        for (int i = 0; i < 100; i++) {
            if (!process.isAlive()) {
                throw new IOException("tinyproxy exited with " + process.exitValue() + ": " + log());
            }
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 200);
                return;
            } catch (IOException e) {
                Thread.sleep(50);
            }
        }
        throw new IOException("tinyproxy did not listen on port " + port + " within 5 s: " + log());
    }

    int port() {
        return port;
    }

    String log() throws IOException {
        return Files.exists(log) ? Files.readString(log, StandardCharsets.UTF_8) : "";
    }

    /** Waits (bounded) until the log contains {@code text}. */
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
        process.descendants().forEach(ProcessHandle::destroy);
        process.destroy();
        if (!process.waitFor(5, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        }
    }
}
