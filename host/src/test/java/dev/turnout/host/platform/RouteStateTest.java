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

    /** A write that fails is said with the record's name, not alone ("No space left on device" was all a full disk said). */
    /** What a persistent device was before Turnout stays through every change of the record, for cleanup to give back. */
    @Test
    void aPersistentDevicesRecordIsKeptWithTheRoutes(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("routes.state");
        String found = "mtu 1400 qlen 500 down linkdown4 0 linkdown6 0 addr 198.18.0.1/30";
        new RouteState("linux", "tpers0", List.of(), List.of(), found, file).withRoute("-4 0.0.0.0/1 dev tpers0")
                .withDns("rule -4 ipproto udp dport 53 lookup 2053 priority 9053").save();
        RouteState loaded = RouteState.load(file);
        assertEquals(found, loaded.found());
        assertEquals(found, loaded.withoutRoutes().withoutDns().found());
        assertEquals(List.of(), loaded.withoutRoutes().routes());
        assertEquals(null, new RouteState("linux", "turnout0", List.of(), file).found(), "a device that goes with Turnout");
    }

    @Test
    void aFileThatCannotBeWrittenIsNamedInTheError(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("routes.state");
        Files.createDirectories(dir.resolve("routes.state.tmp/in-the-way"));
        IOException e = assertThrows(IOException.class,
                () -> new RouteState("linux", "turnout0", List.of(), file).withRoute("-4 0.0.0.0/1 dev turnout0").save());
        assertTrue(e.getMessage().startsWith("cannot write the routes' state file " + file + ": "), e.getMessage());
    }

    /** A link at the temporary name is replaced, never written through: the record's folder may be another user's. */
    @Test
    void aLinkAtTheTemporaryNameIsNotWrittenThrough(@TempDir Path dir) throws IOException {
        Path victim = Files.writeString(dir.resolve("victim"), "precious\n");
        Path file = dir.resolve("routes.state");
        Files.createSymbolicLink(dir.resolve("routes.state.tmp"), victim);
        new RouteState("linux", "turnout0", List.of(), file).withRoute("-4 0.0.0.0/1 dev turnout0").save();
        assertEquals("precious\n", Files.readString(victim));
        assertEquals(List.of("-4 0.0.0.0/1 dev turnout0"), RouteState.load(file).routes());
    }

    /**
     * A state-file naming a file that is not a record (a typo, /etc/resolv.conf, or a link placed there) is refused,
     * not replaced: the record is written as root and deleted at the stop. The refusal quotes nothing of the file.
     */
    @Test
    void aFileThatIsNotATurnoutRecordIsNeitherReplacedNorQuoted(@TempDir Path dir) throws IOException {
        Path foreign = Files.writeString(dir.resolve("shadow"), "root:$6$secret:19000:0:99999:7:::\n");
        RouteState s = new RouteState("linux", "turnout0", List.of(), foreign).withRoute("-4 0.0.0.0/1 dev turnout0");
        IOException e = assertThrows(IOException.class, s::save);
        assertTrue(e.getMessage().contains("is not a route record of Turnout's"), e.getMessage());
        assertEquals("root:$6$secret:19000:0:99999:7:::\n", Files.readString(foreign));
        IOException loading = assertThrows(IOException.class, () -> RouteState.load(foreign));
        assertFalse(loading.getMessage().contains("secret"), loading.getMessage());

        Path link = Files.createSymbolicLink(dir.resolve("routes.state"), foreign);
        assertThrows(IOException.class, () -> new RouteState("linux", "turnout0", List.of(), link).save());
        assertTrue(Files.isSymbolicLink(link), "the link stays as it was");

        Path own = dir.resolve("own.state");
        new RouteState("linux", "turnout0", List.of(), own).save();
        new RouteState("linux", "turnout0", List.of(), own).withRoute("-4 0.0.0.0/1 dev turnout0").save();
        assertEquals(1, RouteState.load(own).routes().size(), "a record of Turnout's own is replaced as before");
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
