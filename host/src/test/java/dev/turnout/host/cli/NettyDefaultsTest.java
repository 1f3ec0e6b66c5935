package dev.turnout.host.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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

    @Test
    void nettyTakesTurnoutsMachineIdAndLooksForNoHardwareAddress() throws Exception {
        String out = probe(ChannelIdProbeMain.class);
        String machineId = value(out, "machineId ");
        assertTrue(machineId.matches("([0-9a-f]{2}:){7}[0-9a-f]{2}"), machineId);
        assertTrue(value(out, "channelId ").startsWith(machineId.replace(":", "") + "-"),
                "Netty's channel ids carry the machine id set: " + out);
        assertFalse(out.contains("hardware address"), "no warning of a missing hardware address: " + out);
    }

    @Test
    void aUsersOwnMachineIdIsKept() throws Exception {
        String out = probe(ChannelIdProbeMain.class, "-Dio.netty.machineId=02:00:00:00:00:01");
        assertEquals("02:00:00:00:00:01", value(out, "machineId "));
        assertTrue(value(out, "channelId ").startsWith("020000000001-"), out);
    }

    private static long heldAfterRelease(String... jvmFlags) throws IOException, InterruptedException {
        return Long.parseLong(value(probe(BulkBufferProbeMain.class, jvmFlags), "held "));
    }

    /** What the line of {@code out} that starts with {@code key} says after it. */
    private static String value(String out, String key) {
        return out.lines().filter(l -> l.startsWith(key)).findFirst()
                .orElseThrow(() -> new AssertionError(out)).substring(key.length());
    }

    /** Runs {@code main} in a JVM of its own (Netty reads its settings once per JVM), with the launcher's heap limit. */
    private static String probe(Class<?> main, String... jvmFlags) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx512m"));
        cmd.addAll(List.of(jvmFlags));
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), main.getName()));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        try {
            assertTrue(p.waitFor(60, TimeUnit.SECONDS), "probe did not finish in 60 s");
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertEquals(0, p.exitValue(), out);
            return out;
        } finally {
            p.destroyForcibly();
        }
    }
}
