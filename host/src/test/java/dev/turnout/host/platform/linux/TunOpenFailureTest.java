package dev.turnout.host.platform.linux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The lifecycle tester's F21: a service user with CAP_NET_ADMIN and a 0600 /dev/net/tun was told "root or
 * CAP_NET_ADMIN needed"; EACCES is the node's mode, which the capability does not override.
 */
class TunOpenFailureTest {

    @Test
    void permissionDeniedNamesTheNodesModeAndOwner(@TempDir Path dir) throws Exception {
        Path node = Files.createFile(dir.resolve("tun"));
        Files.setPosixFilePermissions(node, PosixFilePermissions.fromString("rw-------"));
        String owner = Files.getOwner(node).getName();
        String said = LinuxTunDevice.openFailure(13, node, true);
        assertTrue(said.contains(node + " is rw------- " + owner + ":"), said);
        assertFalse(said.contains("CAP_NET_ADMIN needed"), "it has the capability: " + said);
        assertTrue(LinuxTunDevice.openFailure(13, node, false).endsWith("; root or CAP_NET_ADMIN needed"),
                "without the capability both are needed");
    }

    @Test
    void operationNotPermittedIsTheCapability(@TempDir Path dir) {
        assertEquals("cannot open " + dir.resolve("tun") + " (errno 1); root or CAP_NET_ADMIN needed",
                LinuxTunDevice.openFailure(1, dir.resolve("tun"), false));
    }

    @Test
    void thisProcessesCapabilityIsRead() {
        // Tests run as root here (the ITs' namespaces need it); a non-root run has no CAP_NET_ADMIN.
        assertEquals("root".equals(System.getProperty("user.name")), LinuxTunDevice.hasNetAdmin());
    }
}
