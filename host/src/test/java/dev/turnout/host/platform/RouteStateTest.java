package dev.turnout.host.platform;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RouteStateTest {

    @Test
    void savesAndLoadsExactlyTheRecordedRoutes(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("sub/routes.state");
        RouteState s = new RouteState("linux", "turnout0", List.of(), file)
                .withRoute("-4 0.0.0.0/1 dev turnout0")
                .withRoute("-6 ::/1 dev turnout0");
        s.save();
        RouteState loaded = RouteState.load(file);
        assertEquals("linux", loaded.platform());
        assertEquals("turnout0", loaded.device());
        assertEquals(List.of("-4 0.0.0.0/1 dev turnout0", "-6 ::/1 dev turnout0"), loaded.routes());
        assertFalse(Files.exists(dir.resolve("sub/routes.state.tmp")), "no temp file left behind");
        assertEquals(List.of("-6 ::/1 dev turnout0"), loaded.withoutRoute("-4 0.0.0.0/1 dev turnout0").routes());
    }

    /** A full disk ({@code /dev/full} where the file is written) is said with the file's name, not alone. */
    @Test
    void aFileTheDiskRefusesIsNamedInTheError(@TempDir Path dir) throws IOException {
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isWritable(Path.of("/dev/full")), "no /dev/full here");
        Path file = dir.resolve("routes.state");
        Files.createSymbolicLink(dir.resolve("routes.state.tmp"), Path.of("/dev/full"));
        IOException e = assertThrows(IOException.class,
                () -> new RouteState("linux", "turnout0", List.of(), file).withRoute("-4 0.0.0.0/1 dev turnout0").save());
        assertEquals("cannot write the routes' state file " + file + ": No space left on device", e.getMessage());
        assertFalse(Files.exists(dir.resolve("routes.state.tmp"), java.nio.file.LinkOption.NOFOLLOW_LINKS));
    }

    @Test
    void keepsTheDnsChangesApartFromTheRoutes(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("routes.state");
        new RouteState("linux", "turnout0", List.of(), file).withRoute("-4 192.0.2.2/32 dev turnout0")
                .withDns("resolved turnout0").save();
        RouteState loaded = RouteState.load(file);
        assertEquals(List.of("-4 192.0.2.2/32 dev turnout0"), loaded.routes());
        assertEquals(List.of("resolved turnout0"), loaded.dns());
        assertEquals(List.of(), loaded.withoutDns().dns());
    }

    @Test
    void rejectsAFileWithoutPlatform(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("bad.state");
        Files.writeString(file, "device=x\nroute=-4 0.0.0.0/1 dev x\n");
        assertThrows(IOException.class, () -> RouteState.load(file));
    }

    @Test
    void cleanupWithoutStateFileDoesNothing(@TempDir Path dir) throws IOException {
        assertTrue(RouteCleanup.cleanup(dir.resolve("absent.state")).isEmpty());
    }

    @Test
    void cleanupRefusesAnotherPlatformsFileAndKeepsIt(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("mac.state");
        new RouteState("other-os", "utun9", List.of("x"), file).save();
        assertThrows(IOException.class, () -> RouteCleanup.cleanup(file));
        assertTrue(Files.exists(file));
    }
}
