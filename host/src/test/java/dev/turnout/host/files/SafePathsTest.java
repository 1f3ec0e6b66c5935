package dev.turnout.host.files;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafePathsTest {

    @TempDir
    Path dir;

    private SafePaths home(String safePathsVariable) throws Exception {
        Path home = Files.createDirectories(dir.resolve("home"));
        Files.writeString(home.resolve("config.yaml"), "mixed-port: 7890\n");
        return new SafePaths(List.of(home), "the config's folder", safePathsVariable);
    }

    @Test
    void filesInTheConfigsFolderAreAllowedByTheirRealPath() throws Exception {
        SafePaths safe = home(null);
        Path other = Files.writeString(dir.resolve("home/other.yaml"), "mixed-port: 7891\n");
        assertEquals(other.toRealPath(), safe.check(other));
        assertEquals(other.toRealPath(), safe.check(dir.resolve("home/sub/../other.yaml")));
        assertThrows(NoSuchFileException.class, () -> safe.check(dir.resolve("home/missing.yaml")));
    }

    @Test
    void dotDotAndSymlinksOutOfTheFolderAreRefused() throws Exception {
        SafePaths safe = home(null);
        Path outside = Files.writeString(dir.resolve("outside.yaml"), "secret: hunter2\n");
        Files.createSymbolicLink(dir.resolve("home/link.yaml"), outside);
        SafePaths.Refused e = assertThrows(SafePaths.Refused.class, () -> safe.check(dir.resolve("home/../outside.yaml")));
        assertTrue(e.getMessage().startsWith("path " + dir.resolve("home/../outside.yaml") + " is outside the config's folder"),
                e.getMessage());
        assertThrows(SafePaths.Refused.class, () -> safe.check(dir.resolve("home/link.yaml")));
        assertThrows(SafePaths.Refused.class, () -> safe.check(Path.of("/etc/shadow")));
        // Not even whether it exists is told.
        assertThrows(SafePaths.Refused.class, () -> safe.check(Path.of("/nonexistent/x.yaml")));
    }

    @Test
    void safePathsAddsFoldersLikeMihomo() throws Exception {
        Path shared = Files.createDirectories(dir.resolve("shared"));
        Path file = Files.writeString(shared.resolve("c.yaml"), "mixed-port: 7891\n");
        assertThrows(SafePaths.Refused.class, () -> home(null).check(file));
        assertEquals(file.toRealPath(), home("/nonexistent:" + shared + ":relative/ignored").check(file));
    }

    @Test
    void aPlaceToMakeSomethingMayNotBeYetButMustBeInside() throws Exception {
        SafePaths safe = home(null);
        safe.checkPlace(dir.resolve("home/ui/metacubexd"));
        safe.checkPlace(dir.resolve("home/config.yaml"));
        assertThrows(SafePaths.Refused.class, () -> safe.checkPlace(dir.resolve("home/../elsewhere/ui")));
        assertThrows(SafePaths.Refused.class, () -> safe.checkPlace(Path.of("/")));
        assertThrows(SafePaths.Refused.class, () -> safe.checkPlace(Path.of("/etc/cron.d")));
        Path outside = Files.createDirectories(dir.resolve("outside"));
        Files.createSymbolicLink(dir.resolve("home/link"), outside);
        assertThrows(SafePaths.Refused.class, () -> safe.checkPlace(dir.resolve("home/link/ui")),
                "a link inside leads outside");
    }

    @Test
    void theRootFolderAllowsNothing() throws Exception {
        SafePaths safe = new SafePaths(List.of(Path.of("/")), "the home folder", "/");
        assertThrows(SafePaths.Refused.class, () -> safe.check(Path.of("/etc/hostname")));
    }
}
