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

    /** One jar per Mac architecture, {@code jar} and {@code library} with {@code ARCH} for it, holding that library. */
    private static void assertOneNativeJarPerArch(String jar, String library) throws Exception {
        for (String arch : List.of("x86_64", "aarch_64")) {
            List<Path> natives = jars(jar.replace("ARCH", arch));
            assertEquals(1, natives.size(), arch);
            try (ZipFile zip = new ZipFile(natives.get(0).toFile())) {
                assertNotNull(zip.getEntry("META-INF/native/" + library.replace("ARCH", arch)),
                        "the " + arch + " native library in " + natives.get(0));
            }
        }
    }

    @Test
    void libHoldsTheKqueueTransportForIntelAndAppleSilicon() throws Exception {
        assertEquals(1, jars("netty-transport-classes-kqueue-*.jar").size(), "kqueue classes");
        assertOneNativeJarPerArch("netty-transport-native-kqueue-*-osx-ARCH.jar",
                "libnetty_transport_native_kqueue_ARCH.jnilib");
    }

    @Test
    void libHoldsBoringSslForIntelAndAppleSilicon() throws Exception {
        assertOneNativeJarPerArch("netty-tcnative-boringssl-static-*-osx-ARCH.jar", "libnetty_tcnative_osx_ARCH.jnilib");
    }
}
