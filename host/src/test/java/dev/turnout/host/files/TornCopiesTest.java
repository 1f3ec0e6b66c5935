package dev.turnout.host.files;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TornCopiesTest {

    @TempDir
    Path dir;

    @Test
    void removesTheCopiesACreateTempFileOfTheTargetMadeAndNothingElse() throws Exception {
        Path target = Files.writeString(dir.resolve("Country.mmdb"), "kept");
        Path made = Files.createTempFile(dir, "Country.mmdb", ".part");
        List<Path> others = List.of(dir.resolve("Country.mmdb.part"), dir.resolve("Country.mmdb12.tmp"),
                dir.resolve("Country.mmdb12x.part"), dir.resolve("GeoSite.dat12.part"), dir.resolve("Country.mmdb12.part.bak"));
        for (Path p : others) {
            Files.writeString(p, "x");
        }
        assertEquals(List.of(made.getFileName().toString()), TornCopies.remove(target, ".part", Duration.ZERO));
        assertTrue(Files.exists(target));
        others.forEach(p -> assertTrue(Files.exists(p), p + " was removed"));
    }

    @Test
    void aCopyWrittenLatelyIsLeftToWhoeverWritesIt() throws Exception {
        Path target = dir.resolve("rules.yaml");
        Path fresh = Files.createTempFile(dir, "rules.yaml", ".part");
        Path stale = Files.createTempFile(dir, "rules.yaml", ".part");
        Files.setLastModifiedTime(stale, FileTime.from(Instant.now().minus(Duration.ofMinutes(11))));
        assertEquals(List.of(stale.getFileName().toString()), TornCopies.remove(target, ".part", Duration.ofMinutes(10)));
        assertTrue(Files.exists(fresh));
    }

    @Test
    void aFolderNotThereHoldsNone() throws Exception {
        assertEquals(List.of(), TornCopies.remove(dir.resolve("none/file"), ".tmp", Duration.ZERO));
    }
}
