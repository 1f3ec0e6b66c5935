package dev.turnout.api.testing;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real server program (danted, tinyproxy) that a plugin is tested against: started in the foreground,
 * waited for until it listens on 127.0.0.1, and stopped with its children by {@link #close()}. What the
 * program is told (its config file) is the caller's business; this class only runs it.
 */
public final class DaemonProcess implements AutoCloseable {

    private final String name;
    private final Process process;
    private final Path log;
    private final int port;

    private DaemonProcess(String name, Process process, Path log, int port) {
        this.name = name;
        this.process = process;
        this.log = log;
        this.port = port;
    }

    /**
     * Runs {@code command} with its output in {@code dir/NAME.out}, and returns once it accepts connections
     * on 127.0.0.1:{@code port} (at most about 5 s); stops it again if it exits or never listens.
     *
     * @param name the program's name, for file names and messages
     * @param log the log file its config points at, read by {@link #log()}
     */
    public static DaemonProcess start(String name, List<String> command, Path dir, Path log, int port)
            throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve(name + ".out").toFile())
                .start();
        DaemonProcess d = new DaemonProcess(name, p, log, port);
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
                throw new IOException(name + " exited with " + process.exitValue() + ": " + log());
            }
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 200);
                return;
            } catch (IOException e) {
                Thread.sleep(50);
            }
        }
        throw new IOException(name + " did not listen on port " + port + " within 5 s: " + log());
    }

    /** The port it listens on, on 127.0.0.1. */
    public int port() {
        return port;
    }

    /** Its log so far (empty before it has written one). */
    public String log() throws IOException {
        return Files.exists(log) ? Files.readString(log, StandardCharsets.UTF_8) : "";
    }

    /** Its log, or why it cannot be read: for a failure message, which must not fail itself. */
    public String logForMessage() {
        try {
            return log();
        } catch (IOException e) {
            return e.toString();
        }
    }

    /** Waits (bounded) until the log contains {@code text}: daemons write some lines after the fact. */
    public boolean logShows(String text, long millis) throws IOException, InterruptedException {
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
        // Some daemons (danted) fork helper processes; end them too, by their ids.
        process.descendants().forEach(ProcessHandle::destroy);
        process.destroy();
        if (!process.waitFor(5, TimeUnit.SECONDS)) {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        }
    }
}
