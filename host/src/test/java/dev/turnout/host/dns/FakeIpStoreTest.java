package dev.turnout.host.dns;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FakeIpStoreTest {

    @TempDir
    Path dir;

    private static FakeIpPool pool() throws Exception {
        return new FakeIpPool(Cidr.parse("198.18.0.1/16"), List.of(InetAddress.getByName("198.18.0.2")),
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
        assertEquals(0, new FakeIpStore(file, List.of(other)).load());
    }

    @Test
    void closeSavesChangesAndLeavesNoTemporaryFiles() throws Exception {
        Path file = dir.resolve("sub/fake-ip.cache");
        FakeIpPool p = pool();
        FakeIpStore store = new FakeIpStore(file, List.of(p));
        store.load();
        store.startPeriodicSave(50, TimeUnit.MILLISECONDS);
        InetAddress a = p.assign("periodic.test");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (!Files.exists(file) && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertTrue(Files.exists(file), "periodic save wrote the file");
        InetAddress b = p.assign("atclose.test");
        store.close();
        FakeIpPool again = pool();
        FakeIpStore reloaded = new FakeIpStore(file, List.of(again));
        assertEquals(2, reloaded.load());
        assertEquals(a, again.assign("periodic.test"));
        assertEquals(b, again.assign("atclose.test"));
        assertFalse(reloaded.saveIfChanged(), "nothing new to write");
        try (var files = Files.list(file.getParent())) {
            assertEquals(List.of(file), files.toList());
        }
    }
}
