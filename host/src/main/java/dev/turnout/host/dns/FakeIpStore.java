package dev.turnout.host.dns;

import dev.turnout.host.config.ConfigLoader;
import dev.turnout.host.files.TornCopies;
import java.io.FileOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.zip.CRC32;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps fake-IP mappings across restarts, so applications that cached an answer keep working, and across a
 * crash: a snapshot file plus an append-only journal of the mappings made since.
 *
 * <p>The snapshot is replaced atomically (write a temporary file, fsync, rename, fsync the directory): a crash
 * leaves either the old or the new file, never a torn one. A trailing CRC line catches corruption anyway; a
 * snapshot that fails any check is ignored with a warning.
 *
 * <pre>
 * turnout-fake-ip 1
 * journal 7
 * pool 198.18.0.1/16
 * 198.18.0.4 example.com
 * end 1 9f1c22aa
 * </pre>
 *
 * <p>Every mapping a query makes (a recycled address included: the record replaces the address's old name)
 * is appended to {@code <snapshot>.journal.<generation>} as one line, {@code 198.18.0.5 other.example}, by the
 * {@link JournalWriter}'s thread, never by the thread that made the mapping; the answer waits for it (see
 * {@link #afterJournaled}). There is no fsync per record: the record is in the OS page cache once {@code write}
 * returns, which survives a kill of the JVM (kill -9, a crash), and an fsync would cost a disk flush per new
 * name. A power loss may lose the records since the last
 * compaction; that is out of scope. A last line without its newline is a record torn by the kill: it is
 * ignored with a warning.
 *
 * <p>Compaction writes a snapshot that names the first journal generation it does not contain, then deletes
 * the older journals; at start the snapshot is read and the journals of that generation and later replayed in
 * order. So a crash at any point of a compaction loses nothing and replays nothing twice. Compaction runs at
 * start (after replay), at a clean stop (which leaves no journal) and, on a thread of its own, when the
 * journal grows past a bound; cutting the journal holds the pools' locks only to copy the mappings and queue
 * the switch to the next journal, the snapshot and the journals are written outside them.
 */
public final class FakeIpStore implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(FakeIpStore.class);
    private static final FileAttribute<Set<PosixFilePermission>> OWNER_ONLY =
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"));
    private static final String MAGIC = "turnout-fake-ip 1";
    private static final String JOURNAL_MAGIC = "turnout-fake-ip-journal 1";
    /** About 60,000 records of a typical name; compaction then writes a snapshot of the same order of size. */
    static final long DEFAULT_JOURNAL_LIMIT = 4L << 20;
    /** How long a stop waits for queued records before it writes the snapshot that holds them anyway. */
    static final Duration WRITER_PATIENCE = Duration.ofSeconds(2);
    private static final int WRITE_SLICE = 64 * 1024;

    private final Path file;
    private final List<FakeIpPool> pools;
    private final long journalLimit;
    /** Held for a whole compaction, so that snapshots are written in the order they were taken. */
    private final Object compactionLock = new Object();
    private final Object journalLock = new Object();
    /** Guarded by journalLock, as are the fields below. */
    private boolean journaling;
    private FileChannel journal;
    private long generation;
    /** The generation of the open journal: behind {@link #generation} while the switch to the next is queued. */
    private long journalGeneration = -1;
    private long journalBytes;
    private boolean compacting;
    private volatile boolean writeFailureLogged;
    /** The journal generation whose last write failed, -1 when no mapping is missing from the files. */
    private final java.util.concurrent.atomic.AtomicLong missedIn = new java.util.concurrent.atomic.AtomicLong(-1);
    private long lastRetry;
    /** How often records coming while the journal fails try a snapshot instead (a full disk may have room again). */
    private static final long MISSED_RETRY_NANOS = TimeUnit.SECONDS.toNanos(5);
    /** Whether {@link #load} found a snapshot or a journal: a cache this run did not start stays, even empty. */
    private boolean foundOnDisk;
    /**
     * Whether {@link #load} found a cache of another format version (a newer Turnout's): left alone, this run keeps
     * its mappings in memory only, so that the version that wrote it finds them again.
     */
    private volatile boolean otherVersion;
    private ExecutorService compactor;
    /** Set by {@link #open} while journaling; the pools queue their records to it. */
    private volatile JournalWriter writer;

    public FakeIpStore(Path file, List<FakeIpPool> pools) {
        this(file, pools, DEFAULT_JOURNAL_LIMIT);
    }

    /** @param journalLimit journal size in bytes past which it is compacted into the snapshot */
    FakeIpStore(Path file, List<FakeIpPool> pools, long journalLimit) {
        this.file = file;
        this.pools = List.copyOf(pools);
        this.journalLimit = journalLimit;
    }

    public Path file() {
        return file;
    }

    /** The journal of {@code generation}, beside the snapshot. */
    Path journalFile(long gen) {
        return file.resolveSibling(file.getFileName() + ".journal." + gen);
    }

    /**
     * Restores the pools (snapshot, then journals), compacts, and from then on journals every new mapping.
     * Failing to write only costs persistence: it is logged, never fatal.
     *
     * @return how many names have an address after the restore
     */
    public synchronized int open() {
        removeTornSnapshots();
        int restored = load();
        if (otherVersion) {
            return restored;
        }
        try {
            // A cache beside a config in a folder not made yet; one removed later is not made again (folderOrGone).
            Files.createDirectories(file.toAbsolutePath().getParent());
        } catch (IOException e) {
            // said by the write below
        }
        synchronized (journalLock) {
            journaling = true;
        }
        writer = new JournalWriter(new JournalSink(), "turnout-fake-ip-journal");
        try {
            compact();
        } catch (IOException | RuntimeException e) {
            LOG.warn("fake-ip cache {}: cannot write it, mappings will not survive a restart: {}", file, e.toString());
            synchronized (journalLock) {
                journaling = false;
            }
            stopWriter();
            synchronized (journalLock) {
                closeJournal();
            }
            return restored;
        }
        // The first journal is open before the first answer (bounded: a stuck disk only costs persistence).
        writer.awaitWritten(WRITER_PATIENCE);
        synchronized (journalLock) {
            compactor = Executors.newSingleThreadExecutor(r -> {
                Thread t = new Thread(r, "turnout-fake-ip-compact");
                t.setDaemon(true);
                return t;
            });
        }
        for (FakeIpPool p : pools) {
            p.journalTo(this::append);
        }
        return restored;
    }

    /**
     * Restores the pools from the snapshot and the journals written since, as far as they are intact; a name
     * whose saved address the pool may no longer hand out gets a new one.
     *
     * @return how many names have an address after the restore
     */
    public synchronized int load() {
        Map<String, List<FakeIpPool.Mapping>> sections = Map.of();
        long firstJournal = 0;
        try {
            Snapshot s = parse(ConfigLoader.readFile(file));
            sections = s.sections();
            firstJournal = s.firstJournal();
        } catch (NoSuchFileException e) {
            // First start, or every mapping is still in the journal.
        } catch (IOException e) {
            LOG.warn("fake-ip cache {} unreadable, ignoring it: {}", file, e.toString());
        } catch (OtherVersion e) {
            otherVersion = true;
            LOG.warn("fake-ip cache {} was written by another version of Turnout ('{}', this one reads '{}'): "
                    + "leaving it and its journals alone, this run's mappings are kept in memory only", file,
                    e.getMessage(), MAGIC);
            return 0;
        } catch (IllegalArgumentException e) {
            LOG.warn("fake-ip cache {} is corrupt ({}), ignoring it", file, e.getMessage());
        }
        Map<FakeIpPool, Set<String>> misplaced = new HashMap<>();
        int invalid = 0;
        Map<String, List<FakeIpPool.Mapping>> otherRanges = new TreeMap<>(sections);
        for (FakeIpPool pool : pools) {
            List<FakeIpPool.Mapping> list = otherRanges.remove(pool.range().toString());
            if (list != null) {
                invalid += restore(pool, list, misplaced);
            }
        }
        otherRanges.forEach((range, list) -> { // said: they were dropped without a word
            if (!list.isEmpty()) {
                LOG.warn("fake-ip cache {}: {} mappings of {} dropped, no longer a fake-ip-range: a flow of an "
                        + "application still holding one of those addresses is routed by the address, not the name",
                        file, list.size(), range);
            }
        });
        TreeMap<Long, Path> journals = journals();
        foundOnDisk = Files.exists(file) || !journals.isEmpty();
        int replayed = 0;
        for (Map.Entry<Long, Path> j : journals.tailMap(firstJournal).entrySet()) {
            Map<FakeIpPool, List<FakeIpPool.Mapping>> records = new HashMap<>();
            replayed += readJournal(j.getValue(), records);
            for (Map.Entry<FakeIpPool, List<FakeIpPool.Mapping>> e : records.entrySet()) {
                invalid += restore(e.getKey(), e.getValue(), misplaced);
            }
        }
        synchronized (journalLock) {
            generation = Math.max(firstJournal, journals.isEmpty() ? 0 : journals.lastKey());
        }
        int repaired = 0;
        int moved = 0;
        for (Map.Entry<FakeIpPool, Set<String>> e : misplaced.entrySet()) {
            moved += e.getValue().size();
            repaired += e.getKey().repair(e.getValue());
        }
        if (invalid > 0) {
            LOG.warn("fake-ip cache {}: dropped {} entries with invalid names", file, invalid);
        }
        if (moved > 0) {
            LOG.warn("fake-ip cache {}: repaired {} mappings on addresses no longer handed out (the TUN's subnet "
                    + "or outside the range): their names got new addresses", file, repaired);
        }
        int mapped = 0;
        for (FakeIpPool p : pools) {
            mapped += p.mapped();
        }
        if (mapped > 0 || replayed > 0) {
            LOG.info("fake-ip cache {}: restored {} mappings ({} journal records replayed)", file, mapped, replayed);
        }
        return mapped;
    }

    private static int restore(FakeIpPool pool, List<FakeIpPool.Mapping> list, Map<FakeIpPool, Set<String>> misplaced) {
        FakeIpPool.Restored r = pool.restore(list);
        if (!r.misplaced().isEmpty()) {
            misplaced.computeIfAbsent(pool, p -> new LinkedHashSet<>()).addAll(r.misplaced());
        }
        return r.invalid();
    }

    /** The snapshot's sections by range, and the first journal generation it does not contain. */
    private record Snapshot(Map<String, List<FakeIpPool.Mapping>> sections, long firstJournal) {
    }

    private static Snapshot parse(byte[] bytes) {
        String text = new String(bytes, StandardCharsets.UTF_8);
        String first = text.lines().findFirst().orElse("");
        if (first.matches("turnout-fake-ip \\S+") && !first.equals(MAGIC)) {
            throw new OtherVersion(first);
        }
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
        long firstJournal = 0;
        int count = 0;
        String[] lines = body.split("\n");
        for (int i = 1; i < lines.length; i++) {
            String line = lines[i];
            if (line.startsWith("pool ")) {
                current = new ArrayList<>();
                sections.put(line.substring(5), current);
                continue;
            }
            if (i == 1 && line.startsWith("journal ")) {
                firstJournal = generationOf(line.substring(8));
                continue;
            }
            FakeIpPool.Mapping m = mapping(line);
            if (current == null || m == null) {
                throw new IllegalArgumentException("bad line " + (i + 1));
            }
            current.add(m);
            count++;
        }
        if (!Integer.toString(count).equals(end[1])) {
            throw new IllegalArgumentException("entry count mismatch");
        }
        return new Snapshot(sections, firstJournal);
    }

    /** {@code address name}, or {@code null}. */
    private static FakeIpPool.Mapping mapping(String line) {
        int sp = line.indexOf(' ');
        InetAddress a = sp > 0 ? IpLiteral.parse(line.substring(0, sp)) : null;
        return a == null ? null : new FakeIpPool.Mapping(a, line.substring(sp + 1));
    }

    private static long generationOf(String text) {
        try {
            long g = Long.parseLong(text);
            if (g < 0) {
                throw new IllegalArgumentException("negative journal generation");
            }
            return g;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("bad journal generation '" + text + "'");
        }
    }

    /**
     * Deletes snapshots a kill cut short: written as {@code <file>NNN.tmp} and renamed when complete, so one a
     * process did not finish (a SIGKILL during a stop stuck on a frozen disk, a power loss) stays behind, one more
     * at every such kill. Removed at once: a Turnout writes them only while it runs, and only the one that holds the
     * folder's state lock ({@code StateFolder}) keeps its cache there.
     */
    private void removeTornSnapshots() {
        try {
            for (String torn : TornCopies.remove(file, ".tmp", Duration.ZERO)) {
                LOG.info("fake-ip cache {}: removed {}, a snapshot a kill cut short", file, torn);
            }
        } catch (IOException e) {
            LOG.warn("fake-ip cache {}: cannot remove snapshots a kill cut short: {}", file, e.toString());
        }
    }

    /** The journals beside the snapshot, by generation. */
    private TreeMap<Long, Path> journals() {
        TreeMap<Long, Path> out = new TreeMap<>();
        Path dir = file.toAbsolutePath().getParent();
        String prefix = file.getFileName() + ".journal.";
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, p -> p.getFileName().toString().startsWith(prefix))) {
            for (Path p : ds) {
                try {
                    out.put(generationOf(p.getFileName().toString().substring(prefix.length())), p);
                } catch (IllegalArgumentException e) {
                    // Not one of ours.
                }
            }
        } catch (NoSuchFileException e) {
            // No directory yet: nothing saved.
        } catch (IOException e) {
            LOG.warn("fake-ip cache {}: cannot list its journals: {}", file, e.toString());
        }
        return out;
    }

    /**
     * Reads one journal's records into {@code out} by pool; a torn last record, bad lines and records of
     * ranges other than the journal's are skipped with a warning.
     *
     * @return how many records were read
     */
    private int readJournal(Path path, Map<FakeIpPool, List<FakeIpPool.Mapping>> out) {
        String text;
        try {
            text = new String(ConfigLoader.readFile(path), StandardCharsets.UTF_8);
        } catch (IOException e) {
            LOG.warn("fake-ip journal {} unreadable, ignoring it: {}", path, e.toString());
            return 0;
        }
        int lastNewline = text.lastIndexOf('\n');
        if (lastNewline < text.length() - 1) {
            LOG.warn("fake-ip journal {}: ignoring a torn last record (no end of line), written as Turnout was killed",
                    path);
        }
        if (lastNewline < 0) {
            return 0;
        }
        String[] lines = text.substring(0, lastNewline).split("\n", -1);
        if (!lines[0].startsWith(JOURNAL_MAGIC + " ")) {
            LOG.warn("fake-ip journal {}: not a journal (bad header), ignoring it", path);
            return 0;
        }
        // Records belong to the pools whose range the journal was written for; a changed range drops them, as it
        // drops the snapshot's section.
        Set<String> ranges = Set.of(lines[0].substring(JOURNAL_MAGIC.length() + 1).split(" "));
        int read = 0;
        int bad = 0;
        for (int i = 1; i < lines.length; i++) {
            FakeIpPool.Mapping m = mapping(lines[i]);
            FakeIpPool pool = m == null ? null : poolFor(m.address());
            if (pool == null) {
                bad++;
            } else if (ranges.contains(pool.range().toString())) {
                out.computeIfAbsent(pool, p -> new ArrayList<>()).add(m);
                read++;
            }
        }
        if (bad > 0) {
            LOG.warn("fake-ip journal {}: skipped {} unreadable records", path, bad);
        }
        return read;
    }

    /** The pool of the address's family. */
    private FakeIpPool poolFor(InetAddress a) {
        boolean v4 = a.getAddress().length == 4;
        for (FakeIpPool p : pools) {
            if (p.isIpv4() == v4) {
                return p;
            }
        }
        return null;
    }

    /** Queues the record of one new mapping; called under {@code pool}'s lock, so it never waits for the disk. */
    private void append(FakeIpPool pool, int slot, String name) {
        JournalWriter w = writer;
        if (w != null) {
            w.record((pool.addressOf(slot).getHostAddress() + ' ' + name + '\n').getBytes(StandardCharsets.UTF_8));
        }
    }

    /**
     * Runs {@code then} once every mapping made so far is in the journal (on the journal's thread), so that an
     * answer naming a new mapping can wait until a kill would no longer lose it.
     *
     * @return false, with {@code then} never run, when nothing waits to be written, when nothing is journaled,
     *     or while the disk is known to be stuck ({@link #journalLate})
     */
    public boolean afterJournaled(Runnable then) {
        JournalWriter w = writer;
        return w != null && w.afterWritten(then);
    }

    /** Somebody waited for the journal in vain: nobody waits again until the disk takes the next write. */
    public void journalLate() {
        JournalWriter w = writer;
        if (w != null) {
            w.waitedInVain();
        }
    }

    /** True once every mapping made so far is written to the journal, within {@code patience} (for tests). */
    boolean journalWritten(Duration patience) {
        JournalWriter w = writer;
        return w == null || w.awaitWritten(patience);
    }

    /** What the journal's thread does, each under {@code journalLock}. */
    private final class JournalSink implements JournalWriter.Sink {
        @Override
        public void write(List<byte[]> records) {
            int length = 0;
            for (byte[] r : records) {
                length += r.length;
            }
            byte[] all = new byte[length];
            int at = 0;
            for (byte[] r : records) {
                System.arraycopy(r, 0, all, at, r.length);
                at += r.length;
            }
            ExecutorService compactNow = null;
            synchronized (journalLock) {
                long now = System.nanoTime();
                if (journal == null) {
                    if (!journaling) {
                        return;
                    }
                    missed(now, generation); // the switch to this generation's journal failed (rotate said so)
                } else {
                    try {
                        writeFully(journal, all);
                        journalBytes += length;
                    } catch (IOException e) {
                        if (!writeFailureLogged) {
                            writeFailureLogged = true;
                            LOG.warn("fake-ip journal of {}: write failed, new mappings may not survive a crash: {}",
                                    file, e.toString());
                        }
                        missed(now, journalGeneration);
                    }
                }
                // A full disk took nothing of these records, and its space coming back brought them no second try:
                // a snapshot holds every mapping, those the journal missed with them.
                boolean retry = missedIn.get() >= 0 && now - lastRetry >= MISSED_RETRY_NANOS;
                // Not while a switch of journal is still queued, unless the last one failed and none is open.
                boolean due = journalBytes > journalLimit || retry;
                if (due && (journalGeneration == generation || retry && journal == null) && !compacting
                        && compactor != null) {
                    lastRetry = now;
                    compacting = true;
                    compactNow = compactor;
                }
            }
            if (compactNow != null) {
                // Never rejected: close() takes the executor away (under journalLock) before shutting it down.
                compactNow.execute(FakeIpStore.this::compactWhileOverLimit);
            }
        }

        /** Under journalLock: records of generation {@code gen} or earlier are not in the files. */
        private void missed(long now, long gen) {
            if (missedIn.getAndAccumulate(gen, Math::max) < 0) {
                lastRetry = now; // the disk that just refused would refuse the snapshot too
            }
        }

        @Override
        public void rotate(long next) {
            synchronized (journalLock) {
                try {
                    startJournal(next);
                } catch (IOException e) {
                    LOG.warn("fake-ip journal of {}: cannot start {}, new mappings may not survive a crash: {}", file,
                            journalFile(next), e.toString());
                }
            }
        }
    }

    /** Under journalLock: closes the current journal and, while journaling, opens journal {@code next}. */
    private void startJournal(long next) throws IOException {
        closeJournal();
        if (journaling) {
            journal = openJournal(next);
            journalGeneration = next;
        }
    }

    /** Writes what the pools queued, for a bounded time, and ends the journal's thread. */
    private void stopWriter() {
        JournalWriter w = writer;
        writer = null;
        if (w != null && !w.stop(WRITER_PATIENCE)) {
            LOG.warn("fake-ip journal of {}: the disk took nothing for {} s; going on without it", file,
                    WRITER_PATIENCE.toSeconds());
        }
    }

    /** True while a compaction runs on its thread (tests wait for it before acting out a kill). */
    boolean compacting() {
        synchronized (journalLock) {
            return compacting;
        }
    }

    /** Records keep coming while the snapshot is written, so the new journal may be over the limit already. */
    private void compactWhileOverLimit() {
        try {
            while (true) {
                compact();
                synchronized (journalLock) {
                    // A switch still queued behind records the disk has not taken: the next journal starts empty.
                    if (journalBytes <= journalLimit || compactor == null || journalGeneration != generation) {
                        return;
                    }
                }
            }
        } catch (IOException | RuntimeException e) {
            if (missedIn.get() >= 0) { // said once, as the journal's failure is: a full disk is tried again every few seconds
                LOG.debug("compacting fake-ip cache {} failed: {}", file, e.toString());
            } else {
                LOG.warn("compacting fake-ip cache {} failed: {}", file, e.toString());
            }
        } finally {
            synchronized (journalLock) {
                compacting = false;
            }
        }
    }

    /**
     * Writes every pool to the snapshot, atomically, and drops the journals it now contains; journaling (if on)
     * goes on in a new journal.
     */
    public void save() throws IOException {
        if (!otherVersion) {
            compact();
        }
    }

    /**
     * Copies the mappings and switches to the next journal generation at one instant (under every pool's lock,
     * so every mapping is in the copy or in the next journal), then writes the snapshot and deletes the older
     * journals. Should the snapshot fail, the older journals stay and are still replayed at the next start.
     */
    private void compact() throws IOException {
        synchronized (compactionLock) {
            cut();
        }
    }

    private void cut() throws IOException {
        List<List<FakeIpPool.Mapping>> mappings = new ArrayList<>(pools.size());
        long next;
        IOException openFailed = null;
        for (FakeIpPool p : pools) {
            p.mappingLock().lock();
        }
        try {
            for (FakeIpPool p : pools) {
                mappings.add(p.snapshot());
            }
            JournalWriter w = writer;
            synchronized (journalLock) {
                next = ++generation;
                if (w == null) {
                    try {
                        startJournal(next);
                    } catch (IOException e) {
                        openFailed = e;
                    }
                }
            }
            if (w != null) {
                // Behind every record of a mapping in the copy, ahead of every record of one that is not.
                w.rotate(next);
            }
        } finally {
            for (int i = pools.size() - 1; i >= 0; i--) {
                pools.get(i).mappingLock().unlock();
            }
        }
        writeSnapshot(mappings, next);
        // Not under journalLock, which the journal's thread holds while a frozen disk keeps it opening a journal.
        long missed = missedIn.get();
        if (missed >= 0 && missed < next && missedIn.compareAndSet(missed, -1)) {
            writeFailureLogged = false;
            LOG.info("fake-ip cache {}: the disk takes writes again; the mappings its journal missed are in the "
                    + "snapshot", file);
        }
        for (Map.Entry<Long, Path> j : journals().headMap(next).entrySet()) {
            Files.deleteIfExists(j.getValue());
        }
        if (openFailed != null) {
            throw openFailed;
        }
    }

    /** Under journalLock. */
    private void closeJournal() {
        if (journal != null) {
            try {
                journal.close();
            } catch (IOException e) {
                LOG.debug("closing fake-ip journal", e);
            }
            journal = null;
        }
        journalGeneration = -1;
        journalBytes = 0;
    }

    private FileChannel openJournal(long gen) throws IOException {
        Path path = journalFile(gen);
        folderOrGone();
        // One writer, so the position simply follows the records; a leftover file of this generation (none
        // should exist: generations only grow) is started afresh.
        // Owner only, as the snapshot (a temporary file's mode): every name anyone looked up is in it.
        FileChannel ch = path.getFileSystem().supportedFileAttributeViews().contains("posix")
                ? FileChannel.open(path, Set.of(StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                        StandardOpenOption.TRUNCATE_EXISTING), OWNER_ONLY)
                : FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                        StandardOpenOption.TRUNCATE_EXISTING);
        StringBuilder header = new StringBuilder(JOURNAL_MAGIC);
        for (FakeIpPool p : pools) {
            header.append(' ').append(p.range());
        }
        try {
            writeFully(ch, header.append('\n').toString().getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            ch.close();
            throw e;
        }
        return ch;
    }

    /** In slices: the JDK copies a heap buffer into a direct one as large, which the writing thread then keeps. */
    private static void writeFully(FileChannel ch, byte[] bytes) throws IOException {
        for (int at = 0; at < bytes.length; at += WRITE_SLICE) {
            ByteBuffer b = ByteBuffer.wrap(bytes, at, Math.min(WRITE_SLICE, bytes.length - at));
            while (b.hasRemaining()) {
                ch.write(b);
            }
        }
    }

    private void writeSnapshot(List<List<FakeIpPool.Mapping>> mappings, long firstJournal) throws IOException {
        StringBuilder sb = new StringBuilder(64 * 1024).append(MAGIC).append('\n');
        sb.append("journal ").append(firstJournal).append('\n');
        int count = 0;
        for (int i = 0; i < pools.size(); i++) {
            sb.append("pool ").append(pools.get(i).range()).append('\n');
            for (FakeIpPool.Mapping m : mappings.get(i)) {
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
    }

    private void writeAtomically(byte[] body, byte[] end) throws IOException {
        Path dir = folderOrGone();
        Path tmp = Files.createTempFile(dir, file.getFileName().toString(), ".tmp");
        try {
            // A stream, not a FileChannel: a channel writes a heap array through a direct copy of it, which the
            // writing thread then keeps (the snapshot of a full /16 pool is some 2 MB).
            try (FileOutputStream out = new FileOutputStream(tmp.toFile())) {
                out.write(body);
                out.write(end);
                out.getChannel().force(true);
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

    /**
     * The cache's folder, where it exists. One removed while Turnout runs (the config's folder deleted) is not made
     * again: a stop as root left a root-owned folder and cache where the user had deleted theirs.
     */
    private Path folderOrGone() throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        if (!Files.isDirectory(dir)) {
            throw new FolderGone(dir);
        }
        return dir;
    }

    /** A cache whose header names a format version this one does not read. */
    private static final class OtherVersion extends IllegalArgumentException {
        OtherVersion(String header) {
            super(header);
        }
    }

    /** The cache's folder was removed: nothing is written, and it is not made again. */
    static final class FolderGone extends IOException {
        FolderGone(Path dir) {
            super("its folder " + dir + " is gone");
        }
    }

    /** Stops journaling, writes the snapshot a last time and deletes the journals: a clean stop leaves one file. */
    @Override
    public void close() {
        ExecutorService c;
        synchronized (journalLock) {
            c = compactor;
            compactor = null;
        }
        if (c != null) {
            c.shutdown();
            try {
                c.awaitTermination(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        for (FakeIpPool p : pools) {
            p.journalTo(null);
        }
        synchronized (journalLock) {
            journaling = false;
        }
        stopWriter();
        if (otherVersion) {
            return; // another version's cache, left as it was (load said so)
        }
        try {
            if (!foundOnDisk && pools.stream().allMatch(p -> p.mapped() == 0)) {
                // Nothing to keep, and no file before this run: a start that was refused leaves nothing behind.
                synchronized (journalLock) {
                    closeJournal();
                }
                for (Path j : journals().values()) {
                    Files.deleteIfExists(j);
                }
                Files.deleteIfExists(file);
                return;
            }
            compact();
        } catch (FolderGone e) {
            LOG.warn("not saving fake-ip cache {} at close: {}", file, e.getMessage());
        } catch (IOException | RuntimeException e) {
            LOG.warn("saving fake-ip cache {} at close failed: {}", file, e.toString());
        }
    }
}
