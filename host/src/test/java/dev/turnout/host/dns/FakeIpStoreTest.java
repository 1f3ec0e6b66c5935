package dev.turnout.host.dns;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FakeIpStoreTest {

    @TempDir
    Path dir;

    private static FakeIpPool pool() throws Exception {
        return new FakeIpPool(Cidr.parse("198.18.0.1/16"), List.of(Cidr.parse("198.18.0.2/32")),
                Integer.MAX_VALUE);
    }

    @Test
    void restartReturnsTheSameAddressForAName() throws Exception {
        Path file = dir.resolve("fake-ip.cache");
        FakeIpPool before = pool();
        InetAddress a = before.assign("a.example.com");
        InetAddress b = before.assign("b.example.com");
        new FakeIpStore(file, List.of(before)).save();

        FakeIpPool after = pool();
        assertEquals(2, new FakeIpStore(file, List.of(after)).load());
        assertEquals(a, after.assign("a.example.com"));
        assertEquals(b, after.assign("b.example.com"));
        assertEquals("a.example.com", after.nameOf(a));
        InetAddress c = after.assign("c.example.com");
        assertFalse(c.equals(a) || c.equals(b), "new names do not collide with restored ones");
    }

    @Test
    void restoredOrderKeepsRecencyForRecycling() throws Exception {
        Path file = dir.resolve("fake-ip.cache");
        FakeIpPool small = new FakeIpPool(Cidr.parse("198.18.0.1/29"), List.of(), Integer.MAX_VALUE);
        InetAddress a = small.assign("a.test");
        small.assign("b.test");
        small.assign("a.test"); // b is now least recent
        new FakeIpStore(file, List.of(small)).save();
        FakeIpPool again = new FakeIpPool(Cidr.parse("198.18.0.1/29"), List.of(), Integer.MAX_VALUE);
        new FakeIpStore(file, List.of(again)).load();
        for (int i = 0; i < 3; i++) {
            again.assign("fill" + i + ".test");
        }
        again.assign("new.test"); // pool of 5 is full: recycles b, not a
        assertEquals("a.test", again.nameOf(a));
        assertEquals("new.test", again.nameOf(InetAddress.getByName("198.18.0.3")), "b was least recent");
    }

    @Test
    void corruptOrTornFileIsIgnored() throws Exception {
        Path file = dir.resolve("fake-ip.cache");
        FakeIpPool p = pool();
        for (int i = 0; i < 100; i++) {
            p.assign("n" + i + ".example.com");
        }
        new FakeIpStore(file, List.of(p)).save();
        byte[] good = Files.readAllBytes(file);

        // Torn: every proper prefix must be rejected.
        for (int cut : new int[] {0, 5, good.length / 2, good.length - 2, good.length - 1}) {
            Files.write(file, java.util.Arrays.copyOf(good, cut));
            FakeIpPool fresh = pool();
            assertEquals(0, new FakeIpStore(file, List.of(fresh)).load(), "cut at " + cut);
            assertEquals(0, fresh.mapped());
        }
        // One flipped byte in the middle.
        byte[] bad = good.clone();
        bad[bad.length / 2] ^= 0x01;
        Files.write(file, bad);
        FakeIpPool fresh = pool();
        assertEquals(0, new FakeIpStore(file, List.of(fresh)).load());
        // Garbage.
        Files.writeString(file, "not a cache\n", StandardCharsets.UTF_8);
        assertEquals(0, new FakeIpStore(file, List.of(pool())).load());
        // Missing.
        Files.delete(file);
        assertEquals(0, new FakeIpStore(file, List.of(pool())).load());
    }

    @Test
    void aDifferentRangeIgnoresTheSavedSection() throws Exception {
        Path file = dir.resolve("fake-ip.cache");
        FakeIpPool p = pool();
        p.assign("a.test");
        new FakeIpStore(file, List.of(p)).save();
        FakeIpPool other = new FakeIpPool(Cidr.parse("198.18.0.1/24"), List.of(), Integer.MAX_VALUE);
        try (dev.turnout.host.testing.CapturedLog logged = new dev.turnout.host.testing.CapturedLog()) {
            assertEquals(0, new FakeIpStore(file, List.of(other)).load());
            // Dropped without a word before (DNS helper's F6).
            assertEquals(List.of("fake-ip cache " + file + ": 1 mappings of " + p.range() + " dropped, no longer a "
                    + "fake-ip-range: a flow of an application still holding one of those addresses is routed by the "
                    + "address, not the name"), logged.warnings(FakeIpStore.class.getName()));
        }
    }

    /**
     * The lifecycle tester's F5: the config's folder deleted while Turnout ran was made again at stop (as root, with
     * a root-owned cache in it) to save the cache.
     */
    @Test
    void aFolderRemovedWhileRunningIsNotMadeAgainAtStop() throws Exception {
        Path folder = Files.createDirectories(dir.resolve("gone"));
        Path file = folder.resolve("fake-ip.cache");
        FakeIpPool p = pool();
        FakeIpStore store = new FakeIpStore(file, List.of(p));
        store.open();
        p.assign("a.test");
        assertTrue(store.journalWritten(java.time.Duration.ofSeconds(5)));
        try (var files = Files.walk(folder)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        }
        p.assign("b.test");
        try (dev.turnout.host.testing.CapturedLog logged = new dev.turnout.host.testing.CapturedLog()) {
            store.close();
            assertFalse(Files.exists(folder), "the removed folder made again");
            assertEquals(List.of("not saving fake-ip cache " + file + " at close: its folder " + folder + " is gone"),
                    logged.warnings(FakeIpStore.class.getName()));
        }
    }

    /**
     * F5 with names still coming after the folder went, past the journal's limit: its compaction, the journal's next
     * generation and the retry 5 s later find the folder gone without making it again, and say why.
     */
    @Test
    void aFolderRemovedWhileJournalingIsNotMadeAgain() throws Exception {
        Path folder = Files.createDirectories(dir.resolve("gone"));
        Path file = folder.resolve("fake-ip.cache");
        FakeIpPool p = pool();
        FakeIpStore store = new FakeIpStore(file, List.of(p), 100);
        store.open();
        try (var files = Files.walk(folder)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        }
        try (dev.turnout.host.testing.CapturedLog logged = new dev.turnout.host.testing.CapturedLog()) {
            for (int i = 0; i < 20; i++) {
                p.assign("n" + i + ".example.com");
            }
            store.journalWritten(Duration.ofSeconds(5));
            Thread.sleep(5500);
            for (int i = 20; i < 40; i++) {
                p.assign("n" + i + ".example.com");
            }
            store.journalWritten(Duration.ofSeconds(5));
            Thread.sleep(500);
            store.close();
            assertFalse(Files.exists(folder), "the removed folder made again");
            List<String> warnings = logged.warnings(FakeIpStore.class.getName());
            assertTrue(warnings.stream().allMatch(w -> w.contains("is gone")), warnings.toString());
            assertTrue(warnings.stream().filter(w -> w.startsWith("fake-ip journal of")).count() <= 1, warnings.toString());
            assertTrue(warnings.size() <= 3, warnings.toString());
        }
    }

    /**
     * F9: a cache another version wrote (a newer format) was called corrupt and overwritten at stop, its mappings
     * lost for the version that wrote it. It is left alone now, this run's mappings kept in memory.
     */
    @Test
    void aCacheOfAnotherFormatVersionIsLeftAlone() throws Exception {
        Path file = dir.resolve("fake-ip.cache");
        String newer = "turnout-fake-ip 2\njournal 3\npool 198.18.0.1/16\n198.18.0.5 u2.example.com\nend 1 0\n";
        Files.writeString(file, newer);
        Files.writeString(dir.resolve("fake-ip.cache.journal.3"), "turnout-fake-ip-journal 2 198.18.0.1/16\n");
        FakeIpPool p = pool();
        FakeIpStore store = new FakeIpStore(file, List.of(p));
        try (dev.turnout.host.testing.CapturedLog logged = new dev.turnout.host.testing.CapturedLog()) {
            assertEquals(0, store.open());
            assertEquals(List.of("fake-ip cache " + file + " was written by another version of Turnout ('turnout-fake-ip 2',"
                    + " this one reads 'turnout-fake-ip 1'): leaving it and its journals alone, this run's mappings are"
                    + " kept in memory only"), logged.warnings(FakeIpStore.class.getName()));
        }
        p.assign("z9.example.com");
        store.save();
        store.close();
        assertEquals(newer, Files.readString(file));
        try (var files = Files.list(dir)) {
            assertEquals(2, files.count(), "no journal or snapshot of this run beside it");
        }
    }

    @Test
    void cleanStopLeavesOnlyTheSnapshotAndRestoresEverything() throws Exception {
        Path file = dir.resolve("sub/fake-ip.cache");
        FakeIpPool p = pool();
        FakeIpStore store = new FakeIpStore(file, List.of(p));
        assertEquals(0, store.open());
        InetAddress a = p.assign("a.test");
        InetAddress b = p.assign("b.test");
        store.close();
        try (var files = Files.list(file.getParent())) {
            assertEquals(List.of(file), files.toList(), "no journal, no temporary file");
        }
        FakeIpPool again = pool();
        assertEquals(2, new FakeIpStore(file, List.of(again)).load());
        assertEquals(a, again.assign("a.test"));
        assertEquals(b, again.assign("b.test"));
    }

    @Test
    void aRunThatHandedOutNothingLeavesNoCacheWhereNoneWas() throws Exception {
        Path file = dir.resolve("fake-ip.cache");
        FakeIpStore store = new FakeIpStore(file, List.of(pool()));
        store.open();
        assertTrue(Files.exists(file), "the cache is written at open, so a disk that refuses it is said at start");
        store.close();
        try (var files = Files.list(dir)) {
            assertEquals(List.of(), files.toList(), "neither the snapshot nor a journal is left");
        }
    }

    @Test
    void theJournalIsTheOwnersOnlyAsTheSnapshotIs() throws Exception {
        assumeTrue(dir.getFileSystem().supportedFileAttributeViews().contains("posix"), "no POSIX permissions here");
        Path file = dir.resolve("fake-ip.cache");
        FakeIpPool p = pool();
        FakeIpStore store = new FakeIpStore(file, List.of(p));
        store.open();
        p.assign("a-name-someone-looked-up.test");
        try (var files = Files.list(dir)) {
            List<Path> all = files.toList();
            assertEquals(2, all.size(), all.toString());
            for (Path f : all) {
                assertEquals("rw-------", java.nio.file.attribute.PosixFilePermissions.toString(
                        Files.getPosixFilePermissions(f)), f.toString());
            }
        } finally {
            store.close();
        }
    }

    @Test
    void aCacheThatWasThereStaysThoughNothingWasHandedOut() throws Exception {
        Path file = dir.resolve("fake-ip.cache");
        new FakeIpStore(file, List.of(pool())).save();
        FakeIpStore store = new FakeIpStore(file, List.of(pool()));
        store.open();
        store.close();
        assertTrue(Files.exists(file));
    }

    /**
     * A store that was never closed is what kill -9 leaves: the snapshot plus the journal. Its journal must have
     * taken the records, as the answers naming the mappings waited for that, and its compaction thread must be
     * done, as a kill would have stopped it, before another store reads the files.
     */
    private static void killed(FakeIpStore store) throws InterruptedException {
        assertTrue(store.journalWritten(Duration.ofSeconds(10)), "the journal took every record");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (store.compacting() && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertFalse(store.compacting(), "compaction finished");
    }

    @Test
    void mappingsMadeBeforeAKillSurviveIt() throws Exception {
        Path file = dir.resolve("fake-ip.cache");
        FakeIpPool p = pool();
        FakeIpStore store = new FakeIpStore(file, List.of(p));
        store.open();
        List<InetAddress> given = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            given.add(p.assign("n" + i + ".test"));
        }
        killed(store);

        FakeIpPool after = pool();
        FakeIpStore restarted = new FakeIpStore(file, List.of(after));
        assertEquals(20, restarted.open());
        for (int i = 0; i < 20; i++) {
            assertEquals("n" + i + ".test", after.nameOf(given.get(i)), "before any query");
            assertEquals(given.get(i), after.assign("n" + i + ".test"));
        }
        // And again: the start compacted the journal into the snapshot, a second kill loses nothing either.
        InetAddress late = after.assign("late.test");
        killed(restarted);
        FakeIpPool third = pool();
        assertEquals(21, new FakeIpStore(file, List.of(third)).open());
        assertEquals("late.test", third.nameOf(late));
        assertEquals("n0.test", third.nameOf(given.get(0)));
    }

    @Test
    void aRecycledAddressIsJournaledWithItsNewName() throws Exception {
        Path file = dir.resolve("fake-ip.cache");
        FakeIpPool small = new FakeIpPool(Cidr.parse("198.18.0.1/29"), List.of(), Integer.MAX_VALUE);
        FakeIpStore store = new FakeIpStore(file, List.of(small));
        store.open();
        InetAddress first = small.assign("old.test");
        for (int i = 0; i < 4; i++) {
            small.assign("fill" + i + ".test");
        }
        assertEquals(first, small.assign("new.test"), "pool of 5 is full: the least recent address is recycled");
        killed(store);

        FakeIpPool again = new FakeIpPool(Cidr.parse("198.18.0.1/29"), List.of(), Integer.MAX_VALUE);
        new FakeIpStore(file, List.of(again)).open();
        assertEquals("new.test", again.nameOf(first));
        assertEquals(5, again.mapped(), "old.test lost its address with the recycling");
    }

    @Test
    void aTornLastJournalRecordIsIgnored() throws Exception {
        Path file = dir.resolve("fake-ip.cache");
        FakeIpPool p = pool();
        FakeIpStore store = new FakeIpStore(file, List.of(p));
        store.open();
        InetAddress a = p.assign("a.test");
        InetAddress b = p.assign("b.test");
        killed(store);
        Path journal;
        try (var files = Files.list(dir)) {
            journal = files.filter(f -> f.getFileName().toString().startsWith("fake-ip.cache.journal.")).findFirst()
                    .orElseThrow();
        }
        // The kill came in the middle of writing a third record.
        Files.writeString(journal, "198.18.0.9 tor", StandardCharsets.UTF_8, StandardOpenOption.APPEND);

        FakeIpPool again = pool();
        assertEquals(2, new FakeIpStore(file, List.of(again)).open());
        assertEquals("a.test", again.nameOf(a));
        assertEquals("b.test", again.nameOf(b));
        assertNull(again.nameOf(InetAddress.getByName("198.18.0.9")));
    }

    @Test
    void aCompactionCutShortReplaysTheJournalsTheSnapshotLacksAndOnlyThose() throws Exception {
        // What a kill during a compaction leaves: the snapshot says journals from generation 1 on are not in it;
        // journal 1 was cut, journal 2 started, journal 0 is an older one not yet deleted.
        Path file = dir.resolve("fake-ip.cache");
        FakeIpPool old = pool();
        assertEquals(InetAddress.getByName("198.18.0.3"), old.assign("a.test"));
        new FakeIpStore(file, List.of(old)).save();
        String snapshot = Files.readString(file);
        assertTrue(snapshot.contains("\njournal 1\n"), snapshot);
        String header = "turnout-fake-ip-journal 1 198.18.0.1/16\n";
        Files.writeString(dir.resolve("fake-ip.cache.journal.0"), header + "198.18.0.7 stale.test\n");
        Files.writeString(dir.resolve("fake-ip.cache.journal.1"), header + "198.18.0.4 b.test\n");
        Files.writeString(dir.resolve("fake-ip.cache.journal.2"), header + "198.18.0.5 c.test\n198.18.0.4 d.test\n");

        FakeIpPool p = pool();
        FakeIpStore store = new FakeIpStore(file, List.of(p));
        assertEquals(3, store.open());
        assertEquals("a.test", p.nameOf(InetAddress.getByName("198.18.0.3")));
        assertEquals("d.test", p.nameOf(InetAddress.getByName("198.18.0.4")), "the later record recycled b's address");
        assertEquals("c.test", p.nameOf(InetAddress.getByName("198.18.0.5")));
        assertNull(p.nameOf(InetAddress.getByName("198.18.0.7")), "journal 0 is already in the snapshot");
        try (var files = Files.list(dir)) {
            assertEquals(2, files.count(), "the start compacted: the snapshot and the new journal");
        }
        store.close();
    }

    @Test
    void theJournalIsCompactedWhenItGrowsPastItsBound() throws Exception {
        Path file = dir.resolve("fake-ip.cache");
        FakeIpPool p = pool();
        // About five records per journal.
        FakeIpStore store = new FakeIpStore(file, List.of(p), 100);
        store.open();
        String startSnapshot = Files.readString(file);
        List<InetAddress> given = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            given.add(p.assign("name" + i + ".example.test"));
        }
        // The journal and the compaction have threads of their own; wait (bounded) until both have caught up.
        assertTrue(store.journalWritten(Duration.ofSeconds(10)), "the journal took every record");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (journalBytes() > 2000 && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertTrue(journalBytes() <= 2000, "journals stay bounded: " + journalBytes() + " bytes");
        assertNotEquals(startSnapshot, Files.readString(file), "the snapshot was rewritten");
        killed(store);

        FakeIpPool again = pool();
        assertEquals(200, new FakeIpStore(file, List.of(again)).open());
        for (int i = 0; i < 200; i++) {
            assertEquals("name" + i + ".example.test", again.nameOf(given.get(i)));
        }
    }

    /**
     * The disk stops taking the journal ({@link JournalOnAFifo}). Mapping new names and pinning the address of an old
     * one (what every new TUN flow does, on its lane) must not wait for it: they did, under the pool's lock, and
     * every lane stopped with them. Nothing is lost once the disk takes writes again.
     */
    @Test
    void aJournalTheDiskDoesNotTakeStopsNeitherNewMappingsNorFlowsPinningOldOnes() throws Exception {
        Path file = dir.resolve("fake-ip.cache");
        FakeIpPool p = pool();
        FakeIpStore store = new FakeIpStore(file, List.of(p), 100);
        store.open();
        InetAddress old = p.assign("old.example.test");
        assertTrue(store.journalWritten(Duration.ofSeconds(10)));
        ExecutorService lanes = Executors.newFixedThreadPool(2);
        try (JournalOnAFifo disk = new JournalOnAFifo(store, dir)) {
            Future<?> mapping = lanes.submit(() -> {
                for (int i = 0; i < 300; i++) {
                    p.assign("new" + i + ".example.test");
                }
            });
            mapping.get(10, TimeUnit.SECONDS);
            Future<String> pinning = lanes.submit(() -> {
                String name = p.acquire(old);
                p.release(old);
                return name;
            });
            assertEquals("old.example.test", pinning.get(10, TimeUnit.SECONDS), "a flow pinned its address");
            assertFalse(store.journalWritten(Duration.ofMillis(200)), "the journal is stuck on the FIFO");

            disk.read();
            assertTrue(store.journalWritten(Duration.ofSeconds(10)), "the journal goes on once the FIFO is read");
        } finally {
            lanes.shutdownNow();
        }
        FakeIpPool again = pool();
        assertEquals(301, new FakeIpStore(file, List.of(again)).load(), "nothing lost");
        assertEquals("old.example.test", again.nameOf(old));
    }

    /**
     * A disk that fills up ({@code /dev/full} as the next journal: ENOSPC) and then takes writes again. The records of
     * the mappings made meanwhile were dropped for good, so a kill after the space came back lost them: the soak
     * helper's names came back with other addresses. A snapshot now holds them, tried again every few seconds while
     * names are made.
     */
    @Test
    void mappingsAFullDisksJournalMissedSurviveAKillOnceItTakesWritesAgain() throws Exception {
        assumeTrue(Files.isWritable(Path.of("/dev/full")), "skipped: no /dev/full here");
        Path file = dir.resolve("fake-ip.cache");
        FakeIpPool p = pool();
        FakeIpStore store = new FakeIpStore(file, List.of(p), 1 << 20);
        store.open();
        InetAddress before = p.assign("before.example.test");
        assertTrue(store.journalWritten(Duration.ofSeconds(10)));
        long current;
        try (var files = Files.list(dir)) {
            current = files.map(f -> f.getFileName().toString()).filter(n -> n.contains(".journal."))
                    .mapToLong(n -> Long.parseLong(n.substring(n.lastIndexOf('.') + 1))).max().orElseThrow();
        }
        Path full = Files.createSymbolicLink(store.journalFile(current + 1), Path.of("/dev/full"));
        store.save();
        List<InetAddress> during = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            during.add(p.assign("during" + i + ".example.test"));
        }
        assertTrue(store.journalWritten(Duration.ofSeconds(10)));
        Thread.sleep(5_500); // the next name made tries a snapshot
        InetAddress after = p.assign("after.example.test");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while ((!store.journalWritten(Duration.ofSeconds(1)) || store.compacting()) && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        Thread.sleep(200); // a compaction the last record started
        while (store.compacting() && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        // A kill: the files as they are, the store never closed; of the journal on the full disk, nothing (were it
        // still there, reading /dev/full would never end).
        Files.deleteIfExists(full);
        FakeIpPool again = pool();
        new FakeIpStore(file, List.of(again)).load();
        assertEquals("before.example.test", again.nameOf(before));
        for (int i = 0; i < 50; i++) {
            assertEquals("during" + i + ".example.test", again.nameOf(during.get(i)), "a name the journal missed");
        }
        assertEquals("after.example.test", again.nameOf(after));
        store.close();
    }

    @Test
    void aSnapshotAKillCutShortIsRemovedAtStartAndNothingElseIs() throws Exception {
        Path file = dir.resolve("fake-ip.cache");
        FakeIpPool p = pool();
        InetAddress a = p.assign("a.test");
        new FakeIpStore(file, List.of(p)).save();
        // What createTempFile named the snapshot being written when the kill came, and files that are not that.
        Path torn = dir.resolve("fake-ip.cache8171627281918.tmp");
        Files.writeString(torn, "turnout-fake-ip 1\njournal 3\npool 198.18.0.1/16\n198.18.0.9 half");
        List<Path> others = List.of(dir.resolve("fake-ip.cache.tmp"), dir.resolve("fake-ip.cache12.tmp.keep"),
                dir.resolve("other.cache12.tmp"), dir.resolve("fake-ip.cacheX12.tmp"));
        for (Path o : others) {
            Files.writeString(o, "not ours");
        }
        FakeIpPool again = pool();
        FakeIpStore store = new FakeIpStore(file, List.of(again));
        assertEquals(1, store.open());
        store.close();
        assertFalse(Files.exists(torn), "the torn snapshot is gone");
        for (Path o : others) {
            assertTrue(Files.exists(o), o + " is not one of ours");
        }
        assertEquals("a.test", again.nameOf(a));
    }

    private long journalBytes() throws Exception {
        long total = 0;
        try (var files = Files.list(dir)) {
            for (Path f : files.filter(f -> f.getFileName().toString().contains(".journal.")).toList()) {
                try {
                    total += Files.size(f);
                } catch (java.nio.file.NoSuchFileException e) {
                    // Deleted by the compaction since the listing.
                }
            }
        }
        return total;
    }

    @Test
    void aCachedAddressInTheTunSubnetIsRepairedAtStart() throws Exception {
        Path file = dir.resolve("fake-ip.cache");
        // What an older Turnout saved: it excluded only 198.18.0.1 and .2 and gave out .3, the broadcast address
        // of the TUN's 198.18.0.1/30.
        FakeIpPool old = new FakeIpPool(Cidr.parse("198.18.0.1/16"), List.of(Cidr.parse("198.18.0.2/32")),
                Integer.MAX_VALUE);
        assertEquals(InetAddress.getByName("198.18.0.3"), old.assign("broken.test"));
        InetAddress kept = old.assign("kept.test");
        new FakeIpStore(file, List.of(old)).save();

        List<Cidr> tun = List.of(Cidr.parse("198.18.0.1/30"), Cidr.parse("198.18.0.2/32"));
        FakeIpPool now = new FakeIpPool(Cidr.parse("198.18.0.1/16"), tun, Integer.MAX_VALUE);
        FakeIpStore store = new FakeIpStore(file, List.of(now));
        assertEquals(2, store.open());
        assertNull(now.nameOf(InetAddress.getByName("198.18.0.3")));
        InetAddress repaired = now.assign("broken.test");
        assertFalse(Cidr.parse("198.18.0.0/30").contains(repaired), repaired.toString());
        assertEquals(kept, now.assign("kept.test"));
        store.close();
        assertFalse(Files.readString(file).contains("198.18.0.3 "), "the repair was saved");
        FakeIpPool again = new FakeIpPool(Cidr.parse("198.18.0.1/16"), tun, Integer.MAX_VALUE);
        new FakeIpStore(file, List.of(again)).load();
        assertEquals("broken.test", again.nameOf(repaired));
    }
}
