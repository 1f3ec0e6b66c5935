package dev.turnout.dist;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.turnout.dist.controller.Launched;
import dev.turnout.dist.testing.Daemons;
import dev.turnout.dist.testing.Netns;
import dev.turnout.dist.testing.ScratchNamespace;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * TCP keepalive as mihomo sets it (Go's defaults: first probe after 15 s quiet, then every 15 s) on the packaged
 * Turnout's connection to a server and on a client's connection to its proxy port, as the kernel shows them
 * ({@code ss -o}: {@code timer:(keepalive,...)}); before, neither had it, and a flow quiet for 600 s was ended
 * instead, cutting quiet SSH sessions and push services' connections that Clash keeps. {@code
 * disable-keep-alive: true} leaves them without.
 */
class KeepAliveIT {

    @RegisterExtension
    final ScratchNamespace scratch = new ScratchNamespace("tkeep", "curl", "ss");

    Path dir;
    Netns ns;
    Path log;

    @BeforeEach
    void start() throws Exception {
        dir = scratch.dir();
        ns = scratch.ns();
        ns.spawn(dir.resolve("silent.log"), Daemons.peer("silent", "8090"));
        ns.awaitTcpPort(8090, Duration.ofSeconds(20));
        log = dir.resolve("turnout.log");
    }

    /** The kernel's view of the held flow's two sockets of Turnout's: to the server, and from the client. */
    private String socketsWhileAFlowIsHeld(String extra) throws Exception {
        Path config = writeConfig(extra);
        Files.deleteIfExists(log);
        try (Launched turnout = Launched.start(ns, config, log, 7890)) {
            return heldSockets(Set.of());
        }
    }

    private Path writeConfig(String extra) throws Exception {
        Path config = dir.resolve("config.yaml");
        Files.writeString(config, String.join("\n", "mixed-port: 7890", "log-level: info", extra, "rules:",
                "  - MATCH,DIRECT", ""));
        return config;
    }

    /**
     * The same, of the running Turnout, for one flow held from now on: once two sockets other than {@code earlier}'s
     * (addresses as {@link #addresses} gives them) are established, so that a socket left from an earlier flow does
     * not stand in for one of this flow's not yet connected.
     */
    private String heldSockets(Set<String> earlier) throws Exception {
        // Connected and quiet: the server never answers.
        Process held = ns.spawn(dir.resolve("curl.log"), "curl", "-sS", "--max-time", "20", "-x",
                "http://127.0.0.1:7890", "http://127.0.0.1:8090/quiet");
        try {
            long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
            String out = "";
            while (System.nanoTime() < deadline) {
                out = ns.run(Duration.ofSeconds(5), "ss", "-Htno", "state", "established",
                        "( dport = :8090 or sport = :7890 )").stdout();
                if (out.lines().filter(l -> !earlier.contains(addresses(l))).count() >= 2) {
                    return out;
                }
                Thread.sleep(200);
            }
            return out;
        } finally {
            held.destroy();
            held.waitFor(10, TimeUnit.SECONDS);
        }
    }

    /** The local and the peer address of a line of {@code ss -Htno}, as it prints them. */
    private static String addresses(String line) {
        String[] f = line.trim().split("\\s+");
        return f.length < 4 ? line : f[2] + " " + f[3];
    }

    /** As mihomo's reload (updateGeneral): keepalive switched in the file applies to the connections that follow. */
    @Test
    void aReloadSwitchesKeepaliveForTheConnectionsThatFollow() throws Exception {
        Path config = writeConfig("disable-keep-alive: true");
        try (Launched turnout = Launched.start(ns, config, log, 7890)) {
            String off = heldSockets(Set.of());
            assertTrue(off.lines().count() >= 2, off);
            assertFalse(off.contains("keepalive"), off);

            writeConfig("keep-alive-idle: 30");
            assertTrue(turnout.reload(), () -> MixedPortIT.read(log));
            // The first flow's socket to the server may linger, half-closed by a server that never answers.
            Set<String> before = off.lines().map(KeepAliveIT::addresses)
                    .collect(Collectors.toSet());
            String on = heldSockets(before);
            List<String> fresh = on.lines().filter(l -> !before.contains(addresses(l))).toList();
            assertTrue(fresh.size() >= 2 && fresh.stream().allMatch(l -> l.contains("timer:(keepalive,")),
                    () -> "before:\n" + off + "after:\n" + on + MixedPortIT.read(log));
            assertTrue(MixedPortIT.read(log).contains("keepalive 30/15 s"), () -> MixedPortIT.read(log));
            assertFalse(MixedPortIT.read(log).contains("restart Turnout for"), () -> MixedPortIT.read(log));
        }
    }

    @Test
    void turnoutsConnectionToTheServerAndTheClientsToItsPortHaveKeepaliveUnlessDisabled() throws Exception {
        String on = socketsWhileAFlowIsHeld("");
        String toServer = on.lines().filter(l -> l.contains(":8090")).findFirst().orElse("");
        String fromClient = on.lines().filter(l -> !l.contains(":8090")).findFirst().orElse("");
        assertTrue(toServer.contains("timer:(keepalive,"), () -> "to the server: " + on + MixedPortIT.read(log));
        assertTrue(fromClient.contains("timer:(keepalive,"), () -> "from the client: " + on);

        String off = socketsWhileAFlowIsHeld("disable-keep-alive: true");
        assertTrue(off.lines().count() >= 2, off);
        assertFalse(off.contains("keepalive"), off);
    }
}
