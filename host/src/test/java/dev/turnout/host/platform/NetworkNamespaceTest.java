package dev.turnout.host.platform;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NetworkNamespaceTest {

    @TempDir
    Path dir;

    @Test
    void aNamespaceIsNamedByTheInodeItsLinkNames() throws Exception {
        Path link = Files.createSymbolicLink(dir.resolve("net"), Path.of("net:[4026532978]"));
        assertEquals("net-4026532978", NetworkNamespace.of(link));
        assertEquals("host", NetworkNamespace.of(dir.resolve("absent")), "no namespaces (not Linux)");
    }

    @Test
    void filesAreNamedForTheNamespaceBeforeTheirExtension() {
        String self = NetworkNamespace.current();
        if ("host".equals(self)) {
            assertEquals("routes.state", NetworkNamespace.fileName("routes.state"));
        } else {
            assertTrue(self.matches("net-\\d+"), self);
            assertEquals("routes-" + self + ".state", NetworkNamespace.fileName("routes.state"));
            assertEquals("turnout-" + self + ".pid", NetworkNamespace.fileName("turnout.pid"));
        }
    }
}
