package dev.turnout.host.dns;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * A disk that stops taking a store's journal, as a file system frozen for a backup snapshot does: the store's
 * next journal is a FIFO nobody reads, so the journal's thread blocks opening it; a compaction switches to it.
 * {@link #read} lets it go on; {@link #close} unblocks it whatever happened.
 */
final class JournalOnAFifo implements AutoCloseable {

    private final FakeIpStore store;
    private final Path fifo;
    private Thread reader;

    /** Skips the test where there is no mkfifo; fails when the switch to the FIFO waits for the disk. */
    JournalOnAFifo(FakeIpStore store, Path dir) throws Exception {
        this.store = store;
        long current;
        try (var files = Files.list(dir)) {
            current = files.map(f -> f.getFileName().toString()).filter(n -> n.contains(".journal."))
                    .mapToLong(n -> Long.parseLong(n.substring(n.lastIndexOf('.') + 1))).max().orElseThrow();
        }
        fifo = store.journalFile(current + 1);
        Process mkfifo = new ProcessBuilder("mkfifo", fifo.toString()).start();
        assumeTrue(mkfifo.waitFor(10, TimeUnit.SECONDS) && mkfifo.exitValue() == 0, "skipped: no mkfifo here");
        ExecutorService compaction = Executors.newSingleThreadExecutor();
        try {
            compaction.submit(() -> {
                store.save();
                return null;
            }).get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            close();
            throw e;
        } finally {
            compaction.shutdown();
        }
    }

    /** The disk takes writes again: whatever reaches the FIFO is read and thrown away. */
    void read() {
        reader = new Thread(() -> {
            try (var in = Files.newInputStream(fifo)) {
                in.transferTo(OutputStream.nullOutputStream());
            } catch (IOException e) {
                // the test is over
            }
        }, "fifo-reader");
        reader.start();
    }

    @Override
    public void close() throws Exception {
        if (reader == null) {
            // Read and write: this open never blocks, and it lets the journal's blocked open go on.
            try (FileChannel unblock = FileChannel.open(fifo, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
                store.close();
            }
        } else {
            store.close();
            reader.join(TimeUnit.SECONDS.toMillis(10));
            assertTrue(!reader.isAlive(), "the FIFO's reader ended");
        }
    }
}
