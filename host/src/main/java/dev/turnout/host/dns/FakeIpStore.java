package dev.turnout.host.dns;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.zip.CRC32;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps fake-IP mappings across restarts in one text file, so applications that cached an answer keep working.
 * The file is replaced atomically (write a temporary file, fsync, rename, fsync the directory): a crash leaves
 * either the old or the new file, never a torn one. A trailing CRC line catches corruption anyway; a file that
 * fails any check is ignored with a warning and Turnout starts with empty pools.
 *
 * <pre>
 * turnout-fake-ip 1
 * pool 198.18.0.1/16
 * 198.18.0.3 example.com
 * end 1 9f1c22aa
 * </pre>
 */
public final class FakeIpStore implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(FakeIpStore.class);
    private static final String MAGIC = "turnout-fake-ip 1";

    private final Path file;
    private final List<FakeIpPool> pools;
    private final Map<FakeIpPool, Long> savedVersions = new HashMap<>();
    private ScheduledExecutorService saver;

    public FakeIpStore(Path file, List<FakeIpPool> pools) {
        this.file = file;
        this.pools = List.copyOf(pools);
    }

    public Path file() {
        return file;
    }

    /**
     * Restores the pools from the file, if it exists and is intact.
     *
     * @return how many mappings were restored (0 when the file was missing or ignored)
     */
    public synchronized int load() {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            return 0;
        } catch (IOException e) {
            LOG.warn("fake-ip cache {} unreadable, starting empty: {}", file, e.toString());
            return 0;
        }
        Map<String, List<FakeIpPool.Mapping>> sections;
        try {
            sections = parse(bytes);
        } catch (IllegalArgumentException e) {
            LOG.warn("fake-ip cache {} is corrupt ({}), ignoring it and starting empty", file, e.getMessage());
            return 0;
        }
        int restored = 0;
        for (FakeIpPool pool : pools) {
            List<FakeIpPool.Mapping> list = sections.get(pool.range().toString());
            if (list == null) {
                continue;
            }
            int skipped = pool.restore(list);
            if (skipped > 0) {
                LOG.warn("fake-ip cache {}: skipped {} entries not valid for {}", file, skipped, pool.range());
            }
            restored += list.size() - skipped;
            savedVersions.put(pool, pool.version());
        }
        LOG.info("fake-ip cache {}: restored {} mappings", file, restored);
        return restored;
    }

    private static Map<String, List<FakeIpPool.Mapping>> parse(byte[] bytes) {
        String text = new String(bytes, StandardCharsets.UTF_8);
        int endLine = text.lastIndexOf("\nend ");
        if (!text.startsWith(MAGIC + "\n") || endLine < 0 || !text.endsWith("\n")) {
            throw new IllegalArgumentException("missing header or end line");
        }
        String body = text.substring(0, endLine + 1);
        String[] end = text.substring(endLine + 1, text.length() - 1).split(" ");
        if (end.length != 3) {
            throw new IllegalArgumentException("bad end line");
        }
        CRC32 crc = new CRC32();
        crc.update(body.getBytes(StandardCharsets.UTF_8));
        if (!Long.toHexString(crc.getValue()).equals(end[2])) {
            throw new IllegalArgumentException("checksum mismatch");
        }
        Map<String, List<FakeIpPool.Mapping>> sections = new HashMap<>();
        List<FakeIpPool.Mapping> current = null;
        int count = 0;
        String[] lines = body.split("\n");
        for (int i = 1; i < lines.length; i++) {
            String line = lines[i];
            if (line.startsWith("pool ")) {
                current = new ArrayList<>();
                sections.put(line.substring(5), current);
                continue;
            }
            int sp = line.indexOf(' ');
            InetAddress a = sp > 0 ? IpLiteral.parse(line.substring(0, sp)) : null;
            if (current == null || a == null) {
                throw new IllegalArgumentException("bad line " + (i + 1));
            }
            current.add(new FakeIpPool.Mapping(a, line.substring(sp + 1)));
            count++;
        }
        if (!Integer.toString(count).equals(end[1])) {
            throw new IllegalArgumentException("entry count mismatch");
        }
        return sections;
    }

    /**
     * Writes every pool to the file if any changed since the last save or load.
     *
     * @return true when the file was written
     */
    public synchronized boolean saveIfChanged() throws IOException {
        boolean changed = false;
        for (FakeIpPool p : pools) {
            Long v = savedVersions.get(p);
            changed |= v == null || v != p.version();
        }
        if (!changed) {
            return false;
        }
        save();
        return true;
    }

    /** Writes every pool to the file, atomically. */
    public synchronized void save() throws IOException {
        StringBuilder sb = new StringBuilder(64 * 1024).append(MAGIC).append('\n');
        int count = 0;
        Map<FakeIpPool, Long> versions = new HashMap<>();
        for (FakeIpPool pool : pools) {
            versions.put(pool, pool.version());
            sb.append("pool ").append(pool.range()).append('\n');
            for (FakeIpPool.Mapping m : pool.snapshot()) {
                sb.append(m.address().getHostAddress()).append(' ').append(m.name()).append('\n');
                count++;
            }
        }
        byte[] body = sb.toString().getBytes(StandardCharsets.UTF_8);
        CRC32 crc = new CRC32();
        crc.update(body);
        byte[] end = ("end " + count + " " + Long.toHexString(crc.getValue()) + "\n")
                .getBytes(StandardCharsets.UTF_8);
        writeAtomically(body, end);
        savedVersions.putAll(versions);
    }

    private void writeAtomically(byte[] body, byte[] end) throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path tmp = Files.createTempFile(dir, file.getFileName().toString(), ".tmp");
        try {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
                ByteBuffer b = ByteBuffer.wrap(body);
                while (b.hasRemaining()) {
                    ch.write(b);
                }
                b = ByteBuffer.wrap(end);
                while (b.hasRemaining()) {
                    ch.write(b);
                }
                ch.force(true);
            }
            try {
                Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
        // Make the rename itself durable; not every platform lets a directory be opened, hence best effort.
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        } catch (IOException | UnsupportedOperationException ignored) {
            // The data is safe either way; only the rename might be lost on power failure.
        }
    }

    /** Saves every {@code period} when something changed, on a daemon thread of its own (fsync may block). */
    public synchronized void startPeriodicSave(long period, TimeUnit unit) {
        if (saver != null) {
            return;
        }
        saver = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "turnout-fake-ip-save");
            t.setDaemon(true);
            return t;
        });
        saver.scheduleWithFixedDelay(() -> {
            try {
                saveIfChanged();
            } catch (IOException | RuntimeException e) {
                LOG.warn("saving fake-ip cache {} failed: {}", file, e.toString());
            }
        }, period, period, unit);
    }

    /** Stops periodic saving and saves a last time. */
    @Override
    public void close() {
        ScheduledExecutorService s;
        synchronized (this) {
            s = saver;
            saver = null;
        }
        if (s != null) {
            s.shutdown();
            try {
                s.awaitTermination(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        try {
            saveIfChanged();
        } catch (IOException | RuntimeException e) {
            LOG.warn("saving fake-ip cache {} at close failed: {}", file, e.toString());
        }
    }
}
