package dev.turnout.host.files;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The lifecycle tester's F4: a group choice made while the disk was full was never written, not when space came back
 * and not at stop. A write that fails is tried again (as the fake-IP cache's) and at stop. The failure stands in for
 * a full disk by a folder in the file's place, which the rename cannot replace (the tests run as root, whom modes do
 * not stop).
 */
class KeptFileTest {

    @TempDir
    Path dir;

    @AfterEach
    void restore() {
        KeptFile.retry = Duration.ofSeconds(5);
    }

    private static void waitFor(Path file, String text) throws Exception {
        long end = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!(Files.isRegularFile(file) && Files.readString(file).equals(text)) && System.nanoTime() < end) {
            Thread.sleep(20);
        }
    }

    @Test
    void aFailedWriteIsTriedAgainUntilItGoesThrough() throws Exception {
        KeptFile.retry = Duration.ofMillis(200);
        Path file = dir.resolve(".turnout-selections");
        Files.createDirectories(file.resolve("blocker"));
        AtomicReference<String> contents = new AtomicReference<>("PROXY=sock\n");
        ExecutorService writer = KeptFile.ownWriter("test-kept");
        KeptFile kept = KeptFile.at(file, "selections", writer, contents::get);
        kept.changed();
        Thread.sleep(500);
        assertTrue(Files.isDirectory(file), "the write failed");
        Files.delete(file.resolve("blocker"));
        Files.delete(file);
        waitFor(file, "PROXY=sock\n");
        assertEquals("PROXY=sock\n", Files.readString(file), "written once the disk took it");
        kept.close();
    }

    @Test
    void aFailedWriteIsTriedAgainAtStop() throws Exception {
        KeptFile.retry = Duration.ofMinutes(10);
        Path file = dir.resolve(".turnout-selections");
        Files.createDirectories(file.resolve("blocker"));
        ExecutorService writer = KeptFile.ownWriter("test-kept");
        KeptFile kept = KeptFile.at(file, "selections", writer, () -> "PROXY=sock\n");
        kept.changed();
        Thread.sleep(300);
        assertFalse(Files.isRegularFile(file));
        Files.delete(file.resolve("blocker"));
        Files.delete(file);
        kept.close();
        assertEquals("PROXY=sock\n", Files.readString(file), "written at stop");
    }
}
