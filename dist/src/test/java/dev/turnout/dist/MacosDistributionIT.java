package dev.turnout.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import java.util.zip.ZipFile;
import org.junit.jupiter.api.Test;

/**
 * The tarball runs on both Intel and Apple silicon Macs: lib/ holds Netty's kqueue transport classes and its native
 * library for each (loaded only on macOS; Linux keeps epoll), and BoringSSL's for TLS to servers. What a Mac must still confirm is in docs/macos.md.
 */
class MacosDistributionIT {

    static final Path LIB = Path.of(System.getProperty("turnout.dist")).resolve("lib");

    private static List<Path> jars(String glob) throws Exception {
        try (Stream<Path> s = Files.list(LIB)) {
            var matcher = LIB.getFileSystem().getPathMatcher("glob:" + glob);
            return s.filter(p -> matcher.matches(p.getFileName())).toList();
        }
    }

    @Test
    void libHoldsTheKqueueTransportForIntelAndAppleSilicon() throws Exception {
        assertEquals(1, jars("netty-transport-classes-kqueue-*.jar").size(), "kqueue classes");
        for (String arch : List.of("x86_64", "aarch_64")) {
            List<Path> natives = jars("netty-transport-native-kqueue-*-osx-" + arch + ".jar");
            assertEquals(1, natives.size(), arch);
            try (ZipFile zip = new ZipFile(natives.get(0).toFile())) {
                assertNotNull(zip.getEntry("META-INF/native/libnetty_transport_native_kqueue_" + arch + ".jnilib"),
                        "the " + arch + " native library in " + natives.get(0));
            }
        }
    }

    @Test
    void libHoldsBoringSslForIntelAndAppleSilicon() throws Exception {
        for (String arch : List.of("x86_64", "aarch_64")) {
            List<Path> natives = jars("netty-tcnative-boringssl-static-*-osx-" + arch + ".jar");
            assertEquals(1, natives.size(), arch);
            try (ZipFile zip = new ZipFile(natives.get(0).toFile())) {
                assertNotNull(zip.getEntry("META-INF/native/libnetty_tcnative_osx_" + arch + ".jnilib"),
                        "the " + arch + " BoringSSL library in " + natives.get(0));
            }
        }
    }
}
