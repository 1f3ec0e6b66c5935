package dev.turnout.host.outbound;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SelectionsTest {

    @TempDir
    Path dir;

    @Test
    void choicesSurviveARestartWithUnicodeNames() {
        Path file = dir.resolve(Selections.FILE_NAME);
        Selections first = Selections.at(file);
        first.remember("🚀 Proxy", "香港 01");
        first.remember("G", "h1");
        first.close();
        Selections again = Selections.at(file);
        assertEquals("香港 01", again.choiceFor("🚀 Proxy"));
        assertEquals("h1", again.choiceFor("G"));
        assertNull(again.choiceFor("other"));
    }

    @Test
    void garbageFileMeansNoChoices() throws Exception {
        Path file = dir.resolve(Selections.FILE_NAME);
        Files.write(file, new byte[] {'\\', 'u', 'z', 'z'});
        assertNull(Selections.at(file).choiceFor("G"));
    }

    @Test
    void leavesNoTemporaryFilesBehind() throws Exception {
        Selections s = Selections.at(dir.resolve(Selections.FILE_NAME));
        for (int i = 0; i < 5; i++) {
            s.remember("G", "m" + i);
        }
        s.close();
        try (var files = Files.list(dir)) {
            assertEquals(1, files.count());
        }
    }

    @Test
    void aChoiceHoldsAtOnceAndTheFileIsWrittenByTheWriterWithTheLastChoiceOfThoseMadeMeanwhile() throws Exception {
        Path file = dir.resolve(Selections.FILE_NAME);
        // A writer that has not run yet: a disk that takes no writes, as far as the caller can tell.
        List<Runnable> queued = new ArrayList<>();
        Selections s = Selections.at(file, queued::add);
        s.remember("G", "a");
        s.remember("G", "b");
        s.remember("H", "c");
        assertEquals("b", s.choiceFor("G"));
        assertEquals("c", s.choiceFor("H"));
        assertFalse(Files.exists(file), "the caller wrote the file itself");
        assertEquals(1, queued.size(), "one write carries the choices made while it waited");

        queued.remove(0).run();
        assertEquals("b", Selections.at(file, Runnable::run).choiceFor("G"));
        assertEquals("c", Selections.at(file, Runnable::run).choiceFor("H"));

        s.remember("G", "d");
        assertEquals(1, queued.size(), "a choice after the write queues the next one");
        queued.remove(0).run();
        assertEquals("d", Selections.at(file, Runnable::run).choiceFor("G"));
    }

    @Test
    void aStopWaitsForTheLastWriteButNotForADiskThatTakesNone() throws Exception {
        ExecutorService writer = Executors.newSingleThreadExecutor();
        CountDownLatch disk = new CountDownLatch(1);
        try {
            writer.execute(() -> {
                try {
                    disk.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            Selections s = Selections.at(dir.resolve(Selections.FILE_NAME), writer);
            s.remember("G", "a");
            assertTimeoutPreemptively(Selections.STOP_PATIENCE.plusSeconds(3), s::close);
            assertEquals("a", s.choiceFor("G"));
        } finally {
            disk.countDown();
            writer.shutdownNow();
        }
    }

    @Test
    void aCopyAKillCutShortIsRemovedAtStartAndNothingElseIs() throws Exception {
        Path file = dir.resolve(Selections.FILE_NAME);
        Files.writeString(file, "G=kept\n", StandardCharsets.UTF_8);
        Path torn = dir.resolve(Selections.FILE_NAME + "8340188823163125183.tmp");
        Files.writeString(torn, "G=ha", StandardCharsets.UTF_8);
        List<Path> others = List.of(dir.resolve(Selections.FILE_NAME + ".tmp"), dir.resolve(Selections.FILE_NAME + "12.bak"),
                dir.resolve("notes" + "12.tmp"), dir.resolve(Selections.FILE_NAME + "12x.tmp"));
        for (Path p : others) {
            Files.writeString(p, "x", StandardCharsets.UTF_8);
        }
        Selections s = Selections.at(file, Runnable::run);
        assertFalse(Files.exists(torn));
        others.forEach(p -> assertTrue(Files.exists(p), p + " was removed"));
        assertEquals("kept", s.choiceFor("G"));
    }
}
