package dev.turnout.host.dns;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class JournalWriterTest {

    /** A disk that takes writes until {@link #hold}, then none until {@link #release}. */
    private static final class Disk implements JournalWriter.Sink {
        final List<String> events = new ArrayList<>();
        final CountDownLatch stuck = new CountDownLatch(1);
        volatile CountDownLatch taking = new CountDownLatch(0);

        void hold() {
            taking = new CountDownLatch(1);
        }

        void release() {
            taking.countDown();
        }

        @Override
        public void write(List<byte[]> records) {
            await();
            synchronized (events) {
                for (byte[] r : records) {
                    events.add(new String(r, StandardCharsets.UTF_8));
                }
            }
        }

        @Override
        public void rotate(long generation) {
            await();
            synchronized (events) {
                events.add("rotate " + generation);
            }
        }

        private void await() {
            CountDownLatch t = taking;
            if (t.getCount() > 0) {
                stuck.countDown();
                try {
                    t.await(30, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }

        List<String> events() {
            synchronized (events) {
                return List.copyOf(events);
            }
        }
    }

    private final Disk disk = new Disk();
    private final JournalWriter writer = new JournalWriter(disk, "test-journal");

    @AfterEach
    void stop() {
        disk.release();
        writer.stop(Duration.ofSeconds(5));
    }

    private static byte[] line(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void recordsReachTheDiskInTheOrderQueuedWithEachSwitchOfJournalBetweenTheRecordsAroundIt() {
        writer.record(line("a"));
        writer.record(line("b"));
        writer.rotate(7);
        writer.record(line("c"));
        writer.rotate(8);
        assertTrue(writer.awaitWritten(Duration.ofSeconds(10)));
        assertEquals(List.of("a", "b", "rotate 7", "c", "rotate 8"), disk.events());
    }

    @Test
    void queuingNeverWaitsForADiskThatTakesNothingAndWhatItCannotHoldIsDroppedNotReordered() throws Exception {
        disk.hold();
        writer.record(line("first"));
        assertTrue(disk.stuck.await(10, TimeUnit.SECONDS), "the writer reached the disk");
        long start = System.nanoTime();
        int more = JournalWriter.CAPACITY + 100;
        for (int i = 0; i < more; i++) {
            writer.record(line(Integer.toString(i)));
        }
        long took = System.nanoTime() - start;
        assertTrue(took < TimeUnit.SECONDS.toNanos(5), "queuing waited: " + took / 1_000_000 + " ms");
        disk.release();
        assertTrue(writer.awaitWritten(Duration.ofSeconds(30)));
        List<String> written = disk.events();
        assertEquals(1 + JournalWriter.CAPACITY, written.size(), "the first record, then as many as fit");
        assertEquals("first", written.get(0));
        for (int i = 0; i < JournalWriter.CAPACITY; i++) {
            assertEquals(Integer.toString(i), written.get(i + 1));
        }
    }

    @Test
    void aWaitEndsWhenItsRecordIsWrittenAndNobodyWaitsWhileTheDiskIsKnownStuck() throws Exception {
        AtomicInteger ran = new AtomicInteger();
        assertFalse(writer.afterWritten(ran::incrementAndGet), "nothing queued: nothing to wait for");

        disk.hold();
        writer.record(line("a"));
        assertTrue(disk.stuck.await(10, TimeUnit.SECONDS));
        CountDownLatch written = new CountDownLatch(1);
        assertTrue(writer.afterWritten(written::countDown), "a record is waiting");
        assertFalse(written.await(200, TimeUnit.MILLISECONDS), "not run before its record is written");

        writer.waitedInVain();
        assertFalse(writer.afterWritten(ran::incrementAndGet), "known stuck: no wait");
        writer.record(line("b"));
        assertFalse(writer.afterWritten(ran::incrementAndGet), "still stuck: no wait");

        disk.release();
        assertTrue(written.await(10, TimeUnit.SECONDS), "run once its record was written");
        assertTrue(writer.awaitWritten(Duration.ofSeconds(10)));
        disk.hold();
        writer.record(line("c"));
        CountDownLatch again = new CountDownLatch(1);
        assertTrue(writer.afterWritten(again::countDown), "the disk took a write since: waits are back");
        disk.release();
        assertTrue(again.await(10, TimeUnit.SECONDS));
        assertEquals(0, ran.get(), "a wait refused is never run");
        assertEquals(List.of("a", "b", "c"), disk.events());
    }

    @Test
    void aStopGivesUpOnADiskThatTakesNothing() throws Exception {
        disk.hold();
        writer.record(line("a"));
        assertTrue(disk.stuck.await(10, TimeUnit.SECONDS));
        long start = System.nanoTime();
        assertFalse(writer.stop(Duration.ofMillis(300)), "not everything was written");
        long took = System.nanoTime() - start;
        assertTrue(took < TimeUnit.SECONDS.toNanos(5), "the stop waited " + took / 1_000_000 + " ms");
    }
}
