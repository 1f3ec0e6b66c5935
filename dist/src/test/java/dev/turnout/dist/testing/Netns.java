package dev.turnout.dist.testing;

import dev.turnout.api.testing.Required;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A network namespace of the test's own, with only loopback up. Everything the test starts runs inside it,
 * so the machine's own interfaces and routes are never touched; closing it kills every process in it and
 * deletes it, also when the test failed.
 */
public final class Netns implements AutoCloseable {

    private final String name;
    private final List<Process> spawned = new ArrayList<>();

    private Netns(String name) {
        this.name = name;
    }

    /** Why namespaces cannot be used here, or {@code null} when they can. */
    public static String unavailableReason() {
        if (!"root".equals(System.getProperty("user.name"))) {
            return "needs root to create network namespaces (CI runs as root)";
        }
        if (!Files.isExecutable(Path.of("/usr/sbin/ip")) && !Files.isExecutable(Path.of("/sbin/ip"))
                && !Files.isExecutable(Path.of("/usr/bin/ip"))) {
            return "needs the ip command (iproute2)";
        }
        return null;
    }

    /**
     * Skips the calling test (a JUnit assumption; under CI a failure, see {@link Required}) unless namespaces
     * can be made here and every one of {@code binaries} that it runs inside them is installed.
     */
    public static void assumeUsable(String... binaries) {
        String why = unavailableReason();
        Required.nothingMissing(why);
        for (String binary : binaries) {
            String missing = Daemons.missing(binary);
            Required.nothingMissing(missing);
        }
    }

    /**
     * Every namespace's resolver until its test names another ({@link #resolver}): an address of the test ranges
     * that no test serves. Without it, lookups inside used the machine's own resolver, an address outside the test
     * ranges, and in a namespace routed to another each waited out that resolver's timeouts before failing (20 s
     * for a name's A and AAAA here; 2 s with this one).
     */
    private static final String UNSERVED_RESOLVER = "203.0.113.254";

    public static Netns create(String prefix) throws IOException, InterruptedException {
        String name = prefix + "-" + Integer.toHexString(ThreadLocalRandom.current().nextInt(0x10000, 0xfffff));
        Netns ns = new Netns(name);
        ns.must(Duration.ofSeconds(10), "ip", "netns", "add", name);
        try {
            ns.must(Duration.ofSeconds(10), "ip", "-n", name, "link", "set", "lo", "up");
            ns.resolver(UNSERVED_RESOLVER, 1);
        } catch (IOException | RuntimeException e) {
            ns.close();
            throw e;
        }
        return ns;
    }

    public String name() {
        return name;
    }

    /**
     * Joins this namespace to {@code other} with a veth pair made inside the namespaces themselves (the root
     * namespace never sees it), addresses and brings both ends up. Addresses carry their prefix
     * ({@code 192.0.2.1/24}); IPv6 ones are added without duplicate address detection.
     */
    public void link(String ifHere, List<String> addressesHere, Netns other, String ifThere, List<String> addressesThere)
            throws IOException, InterruptedException {
        must(Duration.ofSeconds(10), "ip", "-n", name, "link", "add", ifHere, "type", "veth", "peer", "name", ifThere,
                "netns", other.name);
        for (String a : addressesHere) {
            address(ifHere, a);
        }
        for (String a : addressesThere) {
            other.address(ifThere, a);
        }
        ip(List.of("link", "set", ifHere, "up"));
        other.ip(List.of("link", "set", ifThere, "up"));
    }

    /**
     * Adds {@code address} with its prefix ({@code 198.51.100.2/32}) to interface {@code dev}; an IPv6 one
     * without duplicate address detection, which would keep it unusable for a second or so.
     */
    public void address(String dev, String address) throws IOException, InterruptedException {
        ip(address.contains(":") ? List.of("-6", "addr", "add", address, "dev", dev, "nodad")
                : List.of("addr", "add", address, "dev", dev));
    }

    /** Sends everything this namespace has no nearer route for to {@code gateway}, IPv4 or IPv6. */
    public void defaultRoute(String gateway) throws IOException, InterruptedException {
        ip(gateway.contains(":") ? List.of("-6", "route", "add", "default", "via", gateway)
                : List.of("route", "add", "default", "via", gateway));
    }

    /** Runs {@code ip ARGS} in this namespace; fails when it fails. */
    public void ip(List<String> args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("ip", "-n", name));
        cmd.addAll(args);
        must(Duration.ofSeconds(10), cmd.toArray(String[]::new));
    }

    /** Gives the namespace its own /etc/resolv.conf (bind-mounted by ip netns exec like the hosts file). */
    public void resolver(String nameserver) throws IOException {
        resolver(nameserver, 2);
    }

    private void resolver(String nameserver, int timeoutSeconds) throws IOException {
        Path dir = Path.of("/etc/netns", name);
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("resolv.conf"),
                "nameserver " + nameserver + "\noptions timeout:" + timeoutSeconds + " attempts:1\n");
    }

    /** Gives the namespace its own /etc/hosts (ip netns exec bind-mounts /etc/netns/NAME/hosts). */
    public void hosts(Map<String, String> nameToAddress) throws IOException {
        Path dir = Path.of("/etc/netns", name);
        Files.createDirectories(dir);
        StringBuilder sb = new StringBuilder("127.0.0.1 localhost\n::1 localhost\n");
        nameToAddress.forEach((host, address) -> sb.append(address).append(' ').append(host).append('\n'));
        Files.writeString(dir.resolve("hosts"), sb.toString());
    }

    /** Starts {@code command} inside the namespace, output to {@code log}; killed on {@link #close()}. */
    public Process spawn(Path log, String... command) throws IOException {
        List<String> full = new ArrayList<>(List.of("ip", "netns", "exec", name));
        full.addAll(List.of(command));
        Process p = new ProcessBuilder(full).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        spawned.add(p);
        return p;
    }

    /** Runs {@code command} inside the namespace to completion, within {@code timeout}. */
    public Result run(Duration timeout, String... command) throws IOException, InterruptedException {
        List<String> full = new ArrayList<>(List.of("ip", "netns", "exec", name));
        full.addAll(List.of(command));
        return Result.of(full, timeout);
    }

    private void must(Duration timeout, String... command) throws IOException, InterruptedException {
        Result r = Result.of(List.of(command), timeout);
        if (r.exitCode() != 0) {
            throw new IOException(String.join(" ", command) + " failed: " + r.stderr());
        }
    }

    /** Waits, bounded, until something listens on TCP {@code port} inside the namespace. */
    public void awaitTcpPort(int port, Duration timeout) throws IOException, InterruptedException {
        awaitPort("-Htln", "port", port, timeout);
    }

    /** Waits, bounded, until a socket is bound to UDP {@code port} inside the namespace. */
    public void awaitUdpPort(int port, Duration timeout) throws IOException, InterruptedException {
        awaitPort("-Huln", "UDP port", port, timeout);
    }

    private void awaitPort(String ssFlags, String what, int port, Duration timeout)
            throws IOException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            Result r = run(Duration.ofSeconds(5), "ss", ssFlags, "sport = :" + port);
            if (r.exitCode() == 0 && !r.stdout().isBlank()) {
                return;
            }
            Thread.sleep(100);
        }
        throw new IOException("nothing listens on " + what + " " + port + " in " + name + " after " + timeout);
    }

    /**
     * Waits, at most 10 s, until the TUN {@code device}'s split routes are in the namespace's table (Turnout installs
     * them after its ports listen); the routes seen and {@code log} say why when they never come.
     */
    public void awaitSplitRoutes(String device, java.util.function.Supplier<String> log)
            throws IOException, InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        String routes = "";
        while (System.nanoTime() < deadline) {
            routes = run(Duration.ofSeconds(5), "ip", "route", "show").stdout();
            if (routes.contains("128.0.0.0/1 dev " + device)) {
                return;
            }
            Thread.sleep(100);
        }
        throw new IOException("no split routes through the TUN " + device + ":\n" + routes + log.get());
    }

    /** Established TCP connections whose local port is {@code port}, counted by the kernel. */
    public int establishedOn(int port) throws IOException, InterruptedException {
        return tcpOn("established", port);
    }

    /** TCP connections in {@code state} (as ss names it: {@code close-wait} ...) whose local port is {@code port}. */
    public int tcpOn(String state, int port) throws IOException, InterruptedException {
        Result r = run(Duration.ofSeconds(5), "ss", "-Htn", "state", state, "sport = :" + port);
        return (int) r.stdout().lines().filter(l -> !l.isBlank()).count();
    }

    /** Closes each of {@code namespaces} that was made (a test's setup may have failed before some were). */
    public static void closeAll(Netns... namespaces) {
        for (Netns ns : namespaces) {
            if (ns != null) {
                ns.close();
            }
        }
    }

    /** The namespace's inode, as Turnout names it in its instance locks, or {@code null} when it cannot be read. */
    private String namespaceInode() {
        try {
            return Files.getAttribute(Path.of("/run/netns", name), "unix:ino").toString();
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
            return null;
        }
    }

    /** The instance-lock files in /run/turnout named after this namespace (a running Turnout as root holds them). */
    public List<Path> instanceLocks() throws IOException {
        String inode = namespaceInode();
        Path dir = Path.of("/run/turnout");
        if (inode == null || !Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(f -> f.getFileName().toString().startsWith("turnout-net-" + inode + "-")).sorted().toList();
        }
    }

    /**
     * Waits until {@code turnout}, started in this namespace, holds its first instance lock (it has read its config
     * and is starting), until it exits, or until {@code timeout}; says whether a lock file is there.
     */
    public boolean awaitInstanceLock(Process turnout, Duration timeout) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (instanceLocks().isEmpty() && turnout.isAlive() && System.nanoTime() < deadline) {
            Thread.sleep(2);
        }
        return !instanceLocks().isEmpty();
    }

    /**
     * A Turnout that was killed (tests do that on purpose) leaves its instance-lock files in /run/turnout, named
     * after this namespace; with the namespace gone nothing can hold them, so they go too.
     */
    private static void removeInstanceLocks(String inode) throws IOException {
        Path dir = Path.of("/run/turnout");
        if (inode == null || !Files.isDirectory(dir)) {
            return;
        }
        try (Stream<Path> s = Files.list(dir)) {
            for (Path f : s.filter(f -> f.getFileName().toString().startsWith("turnout-net-" + inode + "-")).toList()) {
                Files.deleteIfExists(f);
            }
        }
    }

    @Override
    public void close() {
        for (Process p : spawned) {
            p.destroy();
        }
        for (Process p : spawned) {
            try {
                if (!p.waitFor(5, TimeUnit.SECONDS)) {
                    p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        try {
            // Anything else still inside (daemons that forked) goes too, before the namespace.
            Result pids = Result.of(List.of("ip", "netns", "pids", name), Duration.ofSeconds(5));
            for (String pid : pids.stdout().split("\\s+")) {
                if (!pid.isBlank()) {
                    Result.of(List.of("kill", "-9", pid), Duration.ofSeconds(5));
                }
            }
            String inode = namespaceInode();
            Result.of(List.of("ip", "netns", "del", name), Duration.ofSeconds(10));
            removeInstanceLocks(inode);
        } catch (IOException | InterruptedException e) {
            System.err.println("cleanup of netns " + name + " failed: " + e);
        }
        Path dir = Path.of("/etc/netns", name);
        if (Files.exists(dir)) {
            try (Stream<Path> s = Files.walk(dir)) {
                s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            } catch (IOException e) {
                System.err.println("cannot remove " + dir + ": " + e);
            }
        }
    }

    /** A finished command's exit code and output. */
    public record Result(int exitCode, String stdout, String stderr) {

        static Result of(List<String> command, Duration timeout) throws IOException, InterruptedException {
            Path out = Files.createTempFile("cmd", ".out");
            Path err = Files.createTempFile("cmd", ".err");
            try {
                Process p = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
                if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                    p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
                    return new Result(-1, Files.readString(out), "timed out after " + timeout + ": " + String.join(" ", command));
                }
                return new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                        Files.readString(err, StandardCharsets.UTF_8));
            } finally {
                Files.deleteIfExists(out);
                Files.deleteIfExists(err);
            }
        }
    }
}
