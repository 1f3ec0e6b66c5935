package dev.turnout.host.tun;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * Two network namespaces joined by a veth pair, for the TUN tests: "client" (where the TUN runs) and
 * "server" (the internet). Names carry a random suffix; {@link #close()} kills every process started here
 * and deletes both namespaces (which deletes the veth pair).
 */
final class NetnsLab implements AutoCloseable {

    final String suffix = Integer.toHexString(ThreadLocalRandom.current().nextInt(0x10000, 0xFFFFF));
    final String client = "tunc-" + suffix;
    final String server = "tuns-" + suffix;
    final String clientIf = "tvc" + suffix;
    final String serverIf = "tvs" + suffix;
    private final List<Child> children = new ArrayList<>();

    /** Runs a command (bounded by 30 s) and returns its output; throws when it fails. */
    static String sh(String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException("timed out: " + String.join(" ", cmd));
        }
        if (p.exitValue() != 0) {
            throw new IOException(String.join(" ", cmd) + " -> " + p.exitValue() + ": " + out);
        }
        return out;
    }

    String in(String ns, String... cmd) throws IOException, InterruptedException {
        List<String> all = new ArrayList<>(List.of("ip", "netns", "exec", ns));
        all.addAll(Arrays.asList(cmd));
        return sh(all.toArray(String[]::new));
    }

    void up() throws IOException, InterruptedException {
        sh("ip", "netns", "add", client);
        sh("ip", "netns", "add", server);
        // Made inside the client namespace with its peer end put straight into the server's: the root namespace
        // never has either end, not even for a moment.
        sh("ip", "-n", client, "link", "add", clientIf, "type", "veth", "peer", "name", serverIf, "netns", server);
        in(client, "ip", "link", "set", "lo", "up");
        in(client, "ip", "addr", "add", "192.0.2.1/24", "dev", clientIf);
        in(client, "ip", "-6", "addr", "add", "2001:db8:1::1/64", "dev", clientIf, "nodad");
        in(client, "ip", "link", "set", clientIf, "up");
        in(server, "ip", "link", "set", "lo", "up");
        in(server, "ip", "addr", "add", "192.0.2.2/24", "dev", serverIf);
        in(server, "ip", "-6", "addr", "add", "2001:db8:1::2/64", "dev", serverIf, "nodad");
        in(server, "ip", "link", "set", serverIf, "up");
        // The services live off-link, so the client reaches them through its default route, which the
        // TUN's split routes override.
        in(server, "ip", "addr", "add", "198.51.100.1/32", "dev", "lo");
        in(server, "ip", "-6", "addr", "add", "2001:db8:2::1/128", "dev", "lo");
        in(client, "ip", "route", "add", "default", "via", "192.0.2.2");
        in(client, "ip", "-6", "route", "add", "default", "via", "2001:db8:1::2");
    }

    String routes(String ns) throws IOException, InterruptedException {
        return in(ns, "ip", "-4", "route", "show") + "--\n" + in(ns, "ip", "-6", "route", "show");
    }

    /** A long-running process in {@code ns}, its stdout read line by line. */
    Child start(String ns, String... cmd) throws IOException {
        List<String> all = new ArrayList<>(List.of("ip", "netns", "exec", ns));
        all.addAll(Arrays.asList(cmd));
        Child c = new Child(new ProcessBuilder(all).redirectErrorStream(true).start());
        children.add(c);
        return c;
    }

    /** A Java main of the test classpath in {@code ns}. */
    Child java(String ns, String mainClass, String... args) throws IOException {
        return java(ns, List.of(), mainClass, args);
    }

    /** As {@link #java(String, String, String...)}, with {@code jvmOptions} (system properties) for the child. */
    Child java(String ns, List<String> jvmOptions, String mainClass, String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(
                java.nio.file.Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx256m"));
        cmd.addAll(jvmOptions);
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), mainClass));
        cmd.addAll(Arrays.asList(args));
        return start(ns, cmd.toArray(String[]::new));
    }


    @Override
    public void close() {
        for (Child c : children) {
            c.process.destroyForcibly();
        }
        for (Child c : children) {
            try {
                c.process.waitFor(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        for (String ns : List.of(client, server)) {
            try {
                sh("ip", "netns", "del", ns);
            } catch (IOException | InterruptedException e) {
                // not created, or already gone
            }
        }
    }

    /** A child process whose output lines are queued for the test to wait on. */
    static final class Child {
        final Process process;
        final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
        final StringBuilder transcript = new StringBuilder();
        private final Writer stdin;

        Child(Process process) {
            this.process = process;
            this.stdin = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
            Thread t = new Thread(() -> {
                try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                    String line;
                    while ((line = r.readLine()) != null) {
                        synchronized (transcript) {
                            transcript.append(line).append('\n');
                        }
                        lines.add(line);
                    }
                } catch (IOException e) {
                    // process gone
                }
            }, "child-output");
            t.setDaemon(true);
            t.start();
        }

        /** Waits for a line starting with {@code prefix}; throws with the transcript when none comes in time. */
        String await(String prefix, long seconds) throws InterruptedException {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
            while (true) {
                long left = deadline - System.nanoTime();
                String line = left <= 0 ? null : lines.poll(left, TimeUnit.NANOSECONDS);
                if (line == null) {
                    throw new AssertionError("no '" + prefix + "' within " + seconds + " s; output:\n" + transcript());
                }
                if (line.startsWith(prefix)) {
                    return line;
                }
            }
        }

        void send(String line) throws IOException {
            stdin.write(line + "\n");
            stdin.flush();
        }

        String transcript() {
            synchronized (transcript) {
                return transcript.toString();
            }
        }
    }
}
