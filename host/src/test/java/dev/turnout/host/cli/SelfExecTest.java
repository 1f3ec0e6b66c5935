package dev.turnout.host.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class SelfExecTest {

    @Test
    void theCommandLineIsSplitAtEachNulWithEmptyArgumentsKept() {
        byte[] cmdline = "java\0-cp\0lib/*\0Main\0-secret\0\0-d\0/h\0".getBytes(StandardCharsets.UTF_8);
        assertEquals(List.of("java", "-cp", "lib/*", "Main", "-secret", "", "-d", "/h"), SelfExec.split(cmdline));
    }

    @Test
    void thisProcessCommandLineIsReadableOnLinux() throws Exception {
        if (SelfExec.unavailableReason() == null) {
            assertTrue(SelfExec.commandLine().get(0).contains("java"), SelfExec.commandLine().toString());
        }
    }
}
