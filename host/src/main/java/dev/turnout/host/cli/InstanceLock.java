package dev.turnout.host.cli;

import dev.turnout.host.files.HeldFile;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;

/**
 * What a running Turnout holds in its network namespace, as exclusive locks on small files named after the
 * namespace: its config (one instance per config), the TUN (one TUN-mode instance: the routes are the
 * namespace's), and its listening ports. Taken before anything opens and held for the life of the process; the
 * kernel drops them when the process ends, however it ends ({@code kill -9} included), so unlike a pid file a
 * held lock proves a live holder, and the holder's pid, config and start time written inside say which.
 *
 * <p>The locks are POSIX record locks ({@link FileChannel#tryLock()}), which a process loses when it closes
 * <em>any</em> descriptor of the file: the holder never opens its own lock files a second time.
 */
final class InstanceLock {

    /** What the config of an instance started without {@code -c} is called in the lock. */
    static final String BUILT_IN = "the built-in default";

    private static final String CONFIG_PREFIX = "config-";
    private static final int READ_ATTEMPTS = 20;
    private static final long READ_PAUSE_MILLIS = 25;

    /** By claim key, in the order taken. */
    private final Map<String, HeldFile> held = new LinkedHashMap<>();
    private final Path dir;
    private final String namespace;
    private final Holder self;

    private InstanceLock(Path dir, String namespace, Holder self) {
        this.dir = dir;
        this.namespace = namespace;
        this.self = self;
    }

    /**
     * Something only one Turnout in a namespace may have.
     *
     * @param key the lock file's part of the name
     * @param conflict how a refusal describes the running instance's hold on it
     */
    record Claim(String key, String conflict) {

        static final Claim TUN = new Claim("tun", "it runs the TUN and owns the namespace's routes");

        static Claim port(int port) {
            return new Claim("port-" + port, "it listens on port " + port);
        }

        /** Keyed by a digest of the config's path, which may be long or hold any character. */
        static Claim config(String config) {
            try {
                byte[] digest = MessageDigest.getInstance("SHA-256").digest(config.getBytes(StandardCharsets.UTF_8));
                return new Claim(CONFIG_PREFIX + HexFormat.of().formatHex(digest, 0, 8), "on the same config");
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException("every Java has SHA-256", e);
            }
        }
    }

    /**
     * The instance that holds a lock: its pid, its config (an absolute path, or {@link #BUILT_IN}) and when
     * it took the lock. {@code pid} is 0 when the holder had not written itself down yet.
     */
    record Holder(long pid, String config, String since) {

        static Holder self(Path config) {
            return new Holder(ProcessHandle.current().pid(),
                    config == null ? BUILT_IN : config.toAbsolutePath().normalize().toString(), Instant.now().toString());
        }

        @Override
        public String toString() {
            return "pid " + (pid > 0 ? Long.toString(pid) : "unknown") + ", config " + config + ", since " + since;
        }
    }

    /** Thrown by {@link #acquire} when a live instance holds a claim; its message names that instance. */
    static final class HeldElsewhere extends Exception {

        private final Holder holder;

        HeldElsewhere(Holder holder, Claim claim) {
            super("turnout is already running in this network namespace: " + holder + " (" + claim.conflict() + ")");
            this.holder = holder;
        }

        Holder holder() {
            return holder;
        }
    }

    /** The lock file of {@code claim} in network namespace {@code namespace}, under {@code dir}. */
    static Path file(Path dir, String namespace, Claim claim) {
        return dir.resolve("turnout-" + namespace + "-" + claim.key() + ".lock");
    }

    /**
     * Takes every one of {@code claims} in namespace {@code namespace} for this process and writes {@code self}
     * into each, or, at the first one a live instance holds, lets go of those taken and fails naming that
     * instance. The returned lock must stay reachable as long as the process runs.
     */
    static InstanceLock acquire(Path dir, String namespace, List<Claim> claims, Holder self)
            throws IOException, HeldElsewhere {
        Files.createDirectories(dir);
        InstanceLock lock = new InstanceLock(dir, namespace, self);
        try {
            for (Claim claim : claims) {
                lock.claim(claim);
            }
        } catch (IOException | HeldElsewhere | RuntimeException e) {
            lock.release();
            throw e;
        }
        return lock;
    }

    /**
     * Takes {@code claim} as well (a port the running instance opens), or fails naming the live instance that holds
     * it. One this lock holds already is left as it is: taking its file again would open a second descriptor, and
     * closing that one would drop the lock.
     */
    synchronized void claim(Claim claim) throws IOException, HeldElsewhere {
        if (held.containsKey(claim.key())) {
            return;
        }
        Path file = file(dir, namespace, claim);
        Optional<HeldFile> locked = HeldFile.tryHold(file);
        if (locked.isEmpty()) {
            throw new HeldElsewhere(read(file), claim);
        }
        held.put(claim.key(), locked.get());
        try {
            write(locked.get().channel(), self);
        } catch (IOException | RuntimeException e) {
            held.remove(claim.key()).close();
            throw e;
        }
    }

    /** Lets {@code claim} go (a port the running instance closed), its file removed; the others stay held. */
    synchronized void giveBack(Claim claim) {
        HeldFile file = held.remove(claim.key());
        if (file != null) {
            file.close();
        }
    }

    private static void write(FileChannel channel, Holder self) throws IOException {
        channel.truncate(0);
        Properties p = new Properties();
        p.setProperty("pid", Long.toString(self.pid()));
        p.setProperty("config", self.config());
        p.setProperty("since", self.since());
        OutputStream out = Channels.newOutputStream(channel);
        p.store(out, "held by the running Turnout; the kernel releases it when that process ends");
        out.flush();
        channel.force(false);
    }

    /**
     * The live instance holding {@code claim} in namespace {@code namespace}, or empty when none does (no
     * file, or one left by an instance that ended). Never call it from the holder itself: probing opens and
     * closes the file, which would drop the holder's own lock.
     */
    static Optional<Holder> holder(Path dir, String namespace, Claim claim) throws IOException {
        return holder(file(dir, namespace, claim));
    }

    private static Optional<Holder> holder(Path file) throws IOException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            // A shared lock is enough to probe, and needs only read access.
            FileLock probe = channel.tryLock(0, Long.MAX_VALUE, true);
            if (probe != null) {
                probe.release();
                return Optional.empty();
            }
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
        return Optional.of(read(file));
    }

    /** Every Turnout running in namespace {@code namespace}: the live holders of its config locks. */
    static List<Holder> running(Path dir, String namespace) throws IOException {
        List<Holder> out = new ArrayList<>();
        if (!Files.isDirectory(dir)) {
            return out;
        }
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "turnout-" + namespace + "-" + CONFIG_PREFIX + "*.lock")) {
            for (Path f : files) {
                holder(f).ifPresent(out::add);
            }
        }
        return out;
    }

    /** The holder written in {@code file}; it may be mid-write when the holder has just started, so a few tries. */
    private static Holder read(Path file) throws IOException {
        try {
            for (int attempt = 1; ; attempt++) {
                Properties p = new Properties();
                try (InputStream in = Files.newInputStream(file)) {
                    p.load(in);
                }
                String pid = p.getProperty("pid");
                if (pid != null && p.getProperty("since") != null || attempt >= READ_ATTEMPTS) {
                    return new Holder(pid == null ? 0 : parsePid(pid), p.getProperty("config", "unknown"),
                            p.getProperty("since", "unknown"));
                }
                Thread.sleep(READ_PAUSE_MILLIS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted reading " + file, e);
        }
    }

    private static long parsePid(String text) {
        try {
            return Long.parseLong(text.trim());
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    /**
     * Lets the locks go and removes their files, for a run that stops or gives up before serving; nothing of this
     * instance is left in the folder. A process that is killed leaves its files; the next one reuses them.
     */
    synchronized void release() {
        held.values().forEach(HeldFile::close);
        held.clear();
    }
}
