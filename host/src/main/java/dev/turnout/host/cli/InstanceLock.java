package dev.turnout.host.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.Optional;
import java.util.Properties;

/**
 * One Turnout per network namespace: an exclusive lock on a file named after the namespace, taken before
 * anything else opens and held for the life of the process. The kernel drops it when the process ends, however
 * it ends ({@code kill -9} included), so unlike a pid file it cannot outlive its holder: a held lock proves a
 * live Turnout, and the holder's pid, config and start time written inside say which.
 *
 * <p>The lock is a POSIX record lock ({@link FileChannel#tryLock()}), which a process loses when it closes
 * <em>any</em> descriptor of the file: the holder never opens its lock file a second time.
 */
final class InstanceLock {

    /** What the config of an instance started without {@code -c} is called in the lock. */
    static final String BUILT_IN = "the built-in default";

    private static final int READ_ATTEMPTS = 20;
    private static final long READ_PAUSE_MILLIS = 25;

    private final Path file;
    private final FileChannel channel;
    private final FileLock lock;

    private InstanceLock(Path file, FileChannel channel, FileLock lock) {
        this.file = file;
        this.channel = channel;
        this.lock = lock;
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

    /** Thrown by {@link #acquire} when a live instance holds the lock; its message names that instance. */
    static final class HeldElsewhere extends Exception {

        private final Holder holder;

        HeldElsewhere(Holder holder) {
            super("turnout is already running in this network namespace: " + holder);
            this.holder = holder;
        }

        Holder holder() {
            return holder;
        }
    }

    /**
     * Takes the lock in {@code file} for this process and writes {@code self} into it, or fails at once
     * naming the live holder. The returned lock must stay reachable as long as the process runs.
     */
    static InstanceLock acquire(Path file, Holder self) throws IOException, HeldElsewhere {
        Path dir = file.toAbsolutePath().getParent();
        if (dir != null) {
            Files.createDirectories(dir);
        }
        FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ,
                StandardOpenOption.WRITE);
        FileLock lock;
        try {
            lock = channel.tryLock();
        } catch (OverlappingFileLockException e) {
            lock = null; // this very process holds it already
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
        if (lock == null) {
            channel.close();
            throw new HeldElsewhere(read(file));
        }
        try {
            channel.truncate(0);
            Properties p = new Properties();
            p.setProperty("pid", Long.toString(self.pid()));
            p.setProperty("config", self.config());
            p.setProperty("since", self.since());
            OutputStream out = Channels.newOutputStream(channel);
            p.store(out, "held by the running Turnout; the kernel releases it when that process ends");
            out.flush();
            channel.force(false);
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
        return new InstanceLock(file, channel, lock);
    }

    /**
     * The live instance holding the lock in {@code file}, or empty when none does (no file, or one left by
     * an instance that ended). Never call it from the holder itself: probing opens and closes the file, which
     * would drop the holder's own lock.
     */
    static Optional<Holder> holder(Path file) throws IOException {
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

    Path file() {
        return file;
    }

    /** Lets the lock go (the process would on exit anyway), for a run that gives up before serving. */
    void release() {
        try {
            lock.release();
            channel.close();
        } catch (IOException e) {
            // the descriptor is gone either way, and the lock with it
        }
    }
}
