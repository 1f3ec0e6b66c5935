package dev.turnout.host.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class LocationsTest {

    /**
     * The systemd unit runs Turnout as its own user with XDG_RUNTIME_DIR=/run: its locks must be in root's
     * /run/turnout, so that root's `turnout reload` and `turnout cleanup` see the service running.
     */
    @Test
    void theServiceUsersLockFolderIsRootsWithTheUnitsRuntimeFolder() {
        assertEquals(Path.of("/run/turnout"), Locations.lockDir("root", null));
        assertEquals(Locations.lockDir("root", null), Locations.lockDir("turnout", "/run"));
    }

    @Test
    void aUserWithoutARuntimeFolderUsesTheHomeFolder() {
        assertEquals(Path.of(Locations.home(), ".turnout"), Locations.lockDir("someone", null));
        assertEquals(Path.of(Locations.home(), ".turnout"), Locations.lockDir("someone", "/nonexistent/run"));
    }
}
