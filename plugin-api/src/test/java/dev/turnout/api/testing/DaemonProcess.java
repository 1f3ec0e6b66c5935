package dev.turnout.api.testing;

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

/**
 * A real server program (danted, tinyproxy) that a plugin is tested against: started in the foreground,
 * waited for until it listens on 127.0.0.1, and stopped with its children by {@link #close()}. What the
 * program is told (its config file) is the caller's business; this class only runs it.
 *
 * <p>It runs under a small shell watchdog ({@link #WATCHDOG}) that ends the program's whole process group when
 * the JVM that started it dies, however it dies: PIT kills a test JVM whose mutant timed out with SIGKILL, so no
 * close() runs, and a parent-death signal does not help as danted and tinyproxy switch to user nobody (the kernel
 * clears it then). The watchdog holds the read end of a pipe whose only writer is this JVM; the kernel closes it
 * when the JVM exits, and the watchdog (still root) signals the group.
 */
public final class DaemonProcess implements AutoCloseable {

    /**
     * bash, run as {@code bash -c WATCHDOG watchdog COMMAND...}: starts COMMAND in a session of its own (its pid
     * is its group's id; util-linux setsid execs in place, as a background child of a shell without job control
     * is no group leader), keeps this JVM's pipe open on fd 3 in a {@code cat}, and waits for whichever ends
     * first. If the pipe ends first (the JVM is gone, or close() closed it), or this shell gets SIGTERM, the
     * group gets SIGTERM, then SIGKILL after 5 s. If the program ends first, the shell exits with its status
     * (what start() reports), after ending whatever is left of its group.
     */
    static final String WATCHDOG = String.join("\n",
            "exec 3<&0",
            "setsid \"$@\" </dev/null 3<&- & d=$!",
            "cat <&3 >/dev/null & c=$!",
            "exec 3<&-",
            "stop() {",
            "  kill -TERM -- -$d 2>/dev/null",
            "  for i in $(seq 50); do kill -0 -- -$d 2>/dev/null || return 0; sleep 0.1; done",
            "  kill -KILL -- -$d 2>/dev/null",
            "}",
            "trap 'stop; kill $c 2>/dev/null; exit 143' TERM",
            "wait -n -p first $d $c; rc=$?",
            "stop",
            "kill $c 2>/dev/null",
            "if [ \"$first\" = \"$d\" ]; then exit $rc; fi",
            "exit 0");
    private static final Path BASH = Path.of("/bin/bash");

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
        List<String> watched = new ArrayList<>(List.of(BASH.toString(), "-c", WATCHDOG, "watchdog"));
        watched.addAll(command);
        Process p = new ProcessBuilder(watched)
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve(name + ".out").toFile())
                .start();
        DaemonProcess d = new DaemonProcess(name, p, log, port);
        try {
            d.awaitListening(port);
        } catch (IOException | RuntimeException e) {
            d.close();
            throw e;
        }
        return d;
    }

    /**
     * Returns once it accepts connections on 127.0.0.1:{@code otherPort} too (at most about 5 s): a daemon with
     * several listeners may open them one after another.
     */
    public void awaitListening(int otherPort) throws IOException, InterruptedException {
        for (int i = 0; i < 100; i++) {
            if (!process.isAlive()) {
                throw new IOException(name + " exited with " + process.exitValue() + ": " + log());
            }
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), otherPort), 200);
                return;
            } catch (IOException e) {
                Thread.sleep(50);
            }
        }
        throw new IOException(name + " did not listen on port " + otherPort + " within 5 s: " + log());
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
        // Closing the watchdog's pipe ends the program's group (danted forks helpers) and then the watchdog.
        try {
            process.getOutputStream().close();
        } catch (IOException e) {
            process.destroy();
        }
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        }
    }
}
