package dev.turnout.host.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class SystemdUnitTest {

    static final ServiceLayout LAYOUT = new ServiceLayout(Path.of("/opt/turnout"), Path.of("/etc/turnout/config.yaml"), "turnout");

    /** The values of every {@code key=} line of the unit. */
    static List<String> values(String unit, String key) {
        return unit.lines().filter(l -> l.startsWith(key + "=")).map(l -> l.substring(key.length() + 1)).toList();
    }

    static Set<String> capabilities(String unit, String key) {
        List<String> v = values(unit, key);
        assertEquals(1, v.size(), key + " once: " + v);
        return Arrays.stream(v.get(0).trim().split("\\s+")).collect(Collectors.toSet());
    }

    @Test
    void runsAsItsOwnUserWithExactlyTheNetworkCapabilitiesAndBpfForQueueSteering() {
        String unit = SystemdUnit.render(LAYOUT);
        Set<String> four = Set.of("CAP_NET_ADMIN", "CAP_NET_BIND_SERVICE", "CAP_NET_RAW", "CAP_BPF");
        assertEquals(four, capabilities(unit, "AmbientCapabilities"));
        assertEquals(four, capabilities(unit, "CapabilityBoundingSet"), "nothing it starts can gain more");
        assertEquals(List.of("turnout"), values(unit, "User"));
        assertEquals(List.of("yes"), values(unit, "NoNewPrivileges"));
    }

    @Test
    void reloadsOnHupAndCleansUpAfterEveryStopAndBeforeEveryStart() {
        String unit = SystemdUnit.render(LAYOUT);
        assertEquals(List.of("/bin/kill -HUP $MAINPID"), values(unit, "ExecReload"));
        assertEquals(List.of("/opt/turnout/bin/turnout cleanup -c /etc/turnout/config.yaml"), values(unit, "ExecStopPost"));
        assertEquals(List.of("/opt/turnout/bin/turnout cleanup -c /etc/turnout/config.yaml"), values(unit, "ExecStartPre"));
        assertEquals(List.of("/opt/turnout/bin/turnout run -c /etc/turnout/config.yaml --pid-file /run/turnout/turnout.pid"),
                values(unit, "ExecStart"));
        assertTrue(values(unit, "Environment").contains("XDG_RUNTIME_DIR=/run"),
                "run and cleanup find the same state file under the runtime directory");
    }

    /**
     * A non-root Turnout keeps its files in $XDG_RUNTIME_DIR/turnout: that must be the unit's RuntimeDirectory
     * (/run/turnout), the folder root's cleanup and reload look in, and the pid file's folder; with
     * XDG_RUNTIME_DIR=/run/turnout they went to /run/turnout/turnout, where root's commands found nothing.
     */
    @Test
    void theServicesRuntimeFolderIsTheOneRootsCommandsLookIn() {
        String unit = SystemdUnit.render(LAYOUT);
        String runtime = values(unit, "Environment").stream().filter(v -> v.startsWith("XDG_RUNTIME_DIR="))
                .map(v -> v.substring("XDG_RUNTIME_DIR=".length())).findFirst().orElseThrow();
        Path serviceFolder = Path.of(runtime, "turnout");
        assertEquals(Path.of("/run", values(unit, "RuntimeDirectory").get(0)), serviceFolder, "the unit's runtime directory");
        assertEquals(Path.of("/run/turnout"), serviceFolder, "root's lock and state folder");
        assertTrue(values(unit, "ExecStart").get(0).endsWith("--pid-file " + serviceFolder.resolve("turnout.pid")));
    }

    @Test
    void refusesPathsAUnitLineCouldNotCarry() {
        assertThrows(IllegalArgumentException.class,
                () -> new ServiceLayout(Path.of("/opt/my turnout"), Path.of("/etc/turnout/config.yaml"), "turnout"));
        assertThrows(IllegalArgumentException.class,
                () -> new ServiceLayout(Path.of("/opt/turnout"), Path.of("config.yaml"), "turnout"));
        assertThrows(IllegalArgumentException.class,
                () -> new ServiceLayout(Path.of("/opt/turnout"), Path.of("/etc/t.yaml"), "root;rm"));
    }
}
