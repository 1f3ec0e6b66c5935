package dev.turnout.host.files;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StateFolderTest {

    @TempDir
    Path folder;

    @Test
    void theFirstInstanceKeepsItsStateInTheFolderAndASecondIsToldWhoDoes() {
        try (StateFolder first = StateFolder.claim(folder, "pid 11, config a.yaml");
                StateFolder second = StateFolder.claim(folder, "pid 12, config b.yaml")) {
            assertTrue(first.owned());
            assertEquals(folder.resolve("turnout-fakeip.cache"), first.file("turnout-fakeip.cache"));
            assertNull(first.refusal());
            assertFalse(second.owned());
            assertNull(second.file("turnout-fakeip.cache"), "the second keeps its state in memory");
            assertEquals("another Turnout keeps its own there (pid 11, config a.yaml)", second.refusal());
        }
    }

    @Test
    void theFolderIsFreeAgainOnceItsHolderLetsGoAndNoLockIsLeftInIt() throws Exception {
        StateFolder first = StateFolder.claim(folder, "pid 11, config a.yaml");
        first.close();
        try (var left = Files.list(folder)) {
            assertEquals(0, left.count(), "nothing left in the folder");
        }
        try (StateFolder next = StateFolder.claim(folder, "pid 12, config b.yaml")) {
            assertTrue(next.owned());
        }
    }

    @Test
    void lettingGoTwiceLeavesTheNextHoldersLockAlone() throws Exception {
        StateFolder first = StateFolder.claim(folder, "pid 11, config a.yaml");
        first.close();
        try (StateFolder next = StateFolder.claim(folder, "pid 12, config b.yaml")) {
            first.close(); // as a stop and an early stop both may
            assertTrue(Files.exists(folder.resolve(StateFolder.LOCK_NAME)), "the next holder's lock file is still there");
            try (StateFolder third = StateFolder.claim(folder, "pid 13, config c.yaml")) {
                assertFalse(third.owned());
                assertEquals("another Turnout keeps its own there (pid 12, config b.yaml)", third.refusal());
            }
        }
    }

    @Test
    void aFolderWhereNoLockCanBeTakenIsNotKeptInAndSaysWhy() {
        try (StateFolder missing = StateFolder.claim(folder.resolve("gone"), "pid 11, config a.yaml")) {
            assertFalse(missing.owned());
            assertNull(missing.file("turnout-fakeip.cache"));
            assertTrue(missing.refusal().startsWith("no lock can be taken there ("), missing.refusal());
        }
    }
}
