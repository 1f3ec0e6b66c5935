package dev.turnout.host.controller;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What Turnout may delete, create and open up at the path of {@code external-controller-unix}. */
class ControllerSocketTest {

    @TempDir
    Path home;

    /** A socket file as a run killed before its stop leaves one: bound, then its channel closed. */
    private static void leaveSocketAt(Path path) throws Exception {
        try (ServerSocketChannel ch = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            ch.bind(UnixDomainSocketAddress.of(path));
        }
    }

    @Test
    void aRelativePathIsUnderTheHomeFolderAndItsFolderIsMade() {
        Path p = ControllerSocket.resolve(home, " run/../run/ctl.sock ");
        assertEquals(home.resolve("run/ctl.sock"), p);
        ControllerSocket.prepare(p);
        assertTrue(Files.isDirectory(home.resolve("run")));
        assertEquals(Path.of("/tmp/verge/verge-mihomo.sock"), ControllerSocket.resolve(home, "/tmp/verge/verge-mihomo.sock"));
    }

    @Test
    void aSocketLeftBehindIsRemovedAndAnythingElseIsRefusedUntouched() throws Exception {
        Path socket = home.resolve("left.sock");
        leaveSocketAt(socket);
        assertTrue(Files.exists(socket, LinkOption.NOFOLLOW_LINKS));
        ControllerSocket.prepare(socket);
        assertFalse(Files.exists(socket, LinkOption.NOFOLLOW_LINKS), "a stale socket stays in the way of the bind");

        Path file = Files.writeString(home.resolve("notes.sock"), "mine");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ControllerSocket.prepare(file));
        assertTrue(e.getMessage().contains(file + " exists and is not a socket"), e.getMessage());
        assertEquals("mine", Files.readString(file));

        Path target = home.resolve("other.sock");
        leaveSocketAt(target);
        Path link = Files.createSymbolicLink(home.resolve("link.sock"), target);
        assertThrows(IllegalArgumentException.class, () -> ControllerSocket.prepare(link), "a link is not followed");
        assertTrue(Files.exists(link, LinkOption.NOFOLLOW_LINKS) && Files.exists(target, LinkOption.NOFOLLOW_LINKS));
    }

    @Test
    void aSocketAnotherProgramListensOnIsLeftToIt() throws Exception {
        Path socket = home.resolve("other-service.sock");
        try (ServerSocketChannel other = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            other.bind(UnixDomainSocketAddress.of(socket));
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> ControllerSocket.prepare(socket));
            assertTrue(e.getMessage().contains("another program listens on " + socket), e.getMessage());
            assertTrue(Files.exists(socket, LinkOption.NOFOLLOW_LINKS), "its socket is still there");
        }
    }

    @Test
    void theSocketIsItsUsersAloneAndRemovedAtCloseButNeverAnotherFile() throws Exception {
        Path socket = home.resolve("ctl.sock");
        leaveSocketAt(socket);
        String who = ControllerSocket.restrict(socket, Map.of());
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(socket, LinkOption.NOFOLLOW_LINKS)));
        assertEquals("user " + System.getProperty("user.name"), who, "no sudo: the user running Turnout");
        ControllerSocket.remove(socket);
        assertFalse(Files.exists(socket, LinkOption.NOFOLLOW_LINKS));
        Path file = Files.writeString(home.resolve("replaced.sock"), "someone else's");
        ControllerSocket.remove(file);
        assertEquals("someone else's", Files.readString(file));
    }
}
