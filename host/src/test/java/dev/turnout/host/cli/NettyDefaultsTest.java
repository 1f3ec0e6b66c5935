package dev.turnout.host.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Runs {@link BulkBufferProbeMain} in a JVM with the launcher's heap (-Xmx512m), where Netty's own default differs. */
class NettyDefaultsTest {

    @Test
    void aRelaySizedBufferIsPooledUnderTheLaunchersHeap() throws Exception {
        long held = heldAfterRelease();
        assertTrue(held >= 1024 * 1024, "a 1 MiB buffer was not pooled: the allocator holds " + held + " bytes after its release");
    }

    @Test
    void aUsersOwnAllocatorSettingIsKept() throws Exception {
        // Netty's small-machine mode, asked for on the command line: no pooling of large buffers, as before Turnout's default.
        assertEquals(0, heldAfterRelease("-Dio.netty.allocator.lowMemory=true"));
    }

    private static long heldAfterRelease(String... jvmFlags) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx512m"));
        cmd.addAll(List.of(jvmFlags));
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), BulkBufferProbeMain.class.getName()));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        try {
            assertTrue(p.waitFor(60, TimeUnit.SECONDS), "probe did not finish in 60 s");
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertEquals(0, p.exitValue(), out);
            String line = out.lines().filter(l -> l.startsWith("held ")).findFirst().orElseThrow(() -> new AssertionError(out));
            return Long.parseLong(line.substring("held ".length()));
        } finally {
            p.destroyForcibly();
        }
    }
}
