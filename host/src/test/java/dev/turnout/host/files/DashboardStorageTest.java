package dev.turnout.host.files;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DashboardStorageTest {

    @TempDir
    Path dir;

    /** A JSON string document that takes {@code bytes} bytes with {@code key}. */
    private static String documentOf(String key, int bytes) {
        return "\"" + "x".repeat(bytes - key.length() - 2) + "\"";
    }

    @Test
    void documentsSurviveARestartAsTheyWereWrittenAndADeletedOneDoesNot() {
        Path file = dir.resolve(DashboardStorage.FILE_NAME);
        DashboardStorage first = DashboardStorage.at(file);
        String settings = "{\"config/theme\":\"dark\",\"config/名前\":\"🚀 \\\"quoted\\\"\",\"n\":[1,2.5,null,true]}";
        first.put("zashboard", settings);
        first.put("其他", "42");
        first.put("gone", "{}");
        first.delete("gone");
        first.delete("never there");
        first.close();

        DashboardStorage again = DashboardStorage.at(file);
        assertEquals(settings, again.get("zashboard"));
        assertEquals("42", again.get("其他"));
        assertNull(again.get("gone"));
        assertNull(again.get("never there"));
    }

    @Test
    void aDocumentLargerThanTheLimitIsRefusedAndChangesNothing() {
        DashboardStorage storage = DashboardStorage.at(null);
        storage.put("zashboard", "{\"a\":1}");
        String key = "zashboard";
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> storage.put(key, documentOf(key, DashboardStorage.MAX_BYTES + 1)));
        assertTrue(e.getMessage().contains("at most " + DashboardStorage.MAX_BYTES), e.getMessage());
        assertEquals("{\"a\":1}", storage.get(key));
        storage.put(key, documentOf(key, DashboardStorage.MAX_BYTES)); // exactly the limit is kept
        assertEquals(DashboardStorage.MAX_BYTES - key.length(), storage.get(key).length());
    }

    @Test
    void documentsThatWouldTakeMoreThanTheLimitTogetherPushOutTheOnesWrittenLongestAgo() {
        DashboardStorage storage = DashboardStorage.at(null);
        int third = DashboardStorage.MAX_BYTES / 3;
        storage.put("a", documentOf("a", third));
        storage.put("b", documentOf("b", third));
        storage.put("c", documentOf("c", third));
        storage.put("a", documentOf("a", third)); // written again: now the newest
        storage.put("d", documentOf("d", third));
        assertNull(storage.get("b"), "b was written longest ago");
        assertEquals(third - 1, storage.get("a").length());
        assertEquals(third - 1, storage.get("c").length());
        assertEquals(third - 1, storage.get("d").length());

        storage.put("e", documentOf("e", DashboardStorage.MAX_BYTES)); // takes it all: every other one goes
        assertNull(storage.get("a"));
        assertNull(storage.get("c"));
        assertNull(storage.get("d"));
        assertEquals(DashboardStorage.MAX_BYTES - 1, storage.get("e").length());
    }

    @Test
    void anUnreadableFileMeansNothingKeptAndIsReplacedByTheNextWrite() throws Exception {
        Path file = dir.resolve(DashboardStorage.FILE_NAME);
        Files.writeString(file, "[\"not an object\"", StandardCharsets.UTF_8);
        DashboardStorage storage = DashboardStorage.at(file);
        assertNull(storage.get("zashboard"));
        storage.put("zashboard", "{\"b\":2}");
        storage.close();
        assertEquals("{\"b\":2}", DashboardStorage.at(file).get("zashboard"));
    }

    @Test
    void aWriteAfterTheFolderWasRemovedDoesNotMakeItAgain() throws Exception {
        Path folder = Files.createDirectories(dir.resolve("config-folder"));
        DashboardStorage storage = DashboardStorage.at(folder.resolve(DashboardStorage.FILE_NAME));
        Files.delete(folder);
        storage.put("zashboard", "{}");
        storage.close();
        assertFalse(Files.exists(folder), "the removed folder was made again");
        assertEquals("{}", storage.get("zashboard"), "kept in memory still");
    }
}
