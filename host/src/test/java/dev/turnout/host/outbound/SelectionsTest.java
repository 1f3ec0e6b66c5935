package dev.turnout.host.outbound;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.nio.file.Files;
import java.nio.file.Path;
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
        try (var files = Files.list(dir)) {
            assertEquals(1, files.count());
        }
    }
}
