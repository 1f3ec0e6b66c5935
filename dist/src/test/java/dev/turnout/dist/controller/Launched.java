package dev.turnout.dist.controller;

import dev.turnout.dist.testing.Logs;
import dev.turnout.dist.testing.Netns;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** The packaged launcher running {@code turnout run -c CONFIG} inside a namespace, until stopped. */
public final class Launched implements AutoCloseable {

    private final Process process;
    private final Path log;

    private Launched(Process process, Path log) {
        this.process = process;
        this.log = log;
    }

    /** Starts Turnout and waits, bounded, until the controller's port listens. */
    public static Launched start(Netns ns, Path config, Path log, int controllerPort) throws IOException, InterruptedException {
        return start(ns, config, log, controllerPort, new String[0]);
    }

    /** As {@link #start(Netns, Path, Path, int)}, with {@code NAME=VALUE} environment variables for Turnout. */
    public static Launched start(Netns ns, Path config, Path log, int controllerPort, String... environment)
            throws IOException, InterruptedException {
        Path dist = Path.of(System.getProperty("turnout.dist"));
        List<String> command = new ArrayList<>();
        if (environment.length > 0) {
            command.add("env");
            command.addAll(List.of(environment));
        }
        command.addAll(List.of(dist.resolve("bin/turnout").toString(), "run", "-c", config.toString(),
                "--pid-file", config.resolveSibling("turnout-" + controllerPort + ".pid").toString()));
        Process p = ns.spawn(log, command.toArray(String[]::new));
        Launched l = new Launched(p, log);
        try {
            ns.awaitTcpPort(controllerPort, Duration.ofSeconds(30));
        } catch (IOException e) {
            throw new IOException(e.getMessage() + "\n" + l.log(), e);
        }
        return l;
    }

    /** Turnout's process id, for signals ({@code kill -HUP}: reload). */
    public long pid() {
        return process.pid();
    }

    /**
     * Sends SIGHUP (a reload, as {@code systemctl reload} does) and waits, at most 20 s, until the log has one more
     * {@code reloaded} or {@code reload failed} line than before; false unless it was {@code reloaded} (a reload that
     * fails logs why).
     */
    public boolean reload() throws IOException, InterruptedException {
        long before = reloads();
        long failedBefore = failures();
        Process kill = new ProcessBuilder("kill", "-HUP", Long.toString(pid())).redirectErrorStream(true).start();
        if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
            throw new IOException("kill -HUP " + pid() + " failed");
        }
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (reloads() == before && failures() == failedBefore && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
        return reloads() > before;
    }

    private long reloads() {
        return log().lines().filter(l -> l.contains("Turnout reloaded")).count();
    }

    private long failures() {
        return log().lines().filter(l -> l.contains("reload failed")).count();
    }

    /** The log, once Turnout has written what it logged so far ({@link Logs#read}). */
    public String log() {
        return Logs.read(log);
    }

    /** Stops Turnout politely (SIGTERM: shutdown hooks run), forcibly after 10 s. */
    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        }
    }
}
