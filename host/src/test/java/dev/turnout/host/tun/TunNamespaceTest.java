package dev.turnout.host.tun;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.turnout.api.testing.Required;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

/**
 * The TUN inbound end to end, in two network namespaces it creates: the engine runs in a child JVM inside the
 * client namespace (a JVM thread cannot switch namespaces), with a DIRECT tunnel whose sockets are bound to the
 * client's veth; curl and a UDP probe in the client namespace reach servers in the server namespace by IP,
 * with no proxy settings. It runs with checksum and segmentation offload on (the default) and off: off, every
 * packet crosses the device whole, and the engine's full incremental checksum path is what the kernel checks.
 */
class TunNamespaceTest {

    private static final String TUN4 = "198.18.0.1/30";
    private static final String TUN6 = "2001:db8:ffff::1/126";

    @BeforeAll
    static void needsRoot() {
        Required.that("root".equals(System.getProperty("user.name")), () -> "TUN namespace tests need root");
        Required.that(Files.exists(Path.of("/dev/net/tun")), () -> "no /dev/net/tun (TUN support)");
        Required.that(Files.isExecutable(Path.of("/usr/bin/curl")) || Files.isExecutable(Path.of("/bin/curl")), () -> "curl is not installed");
    }

    private static long stat(String line, String name) {
        Matcher m = Pattern.compile(name + "=(\\d+)").matcher(line);
        assertTrue(m.find(), name + " in " + line);
        return Long.parseLong(m.group(1));
    }

    @ParameterizedTest(name = "gso {0}")
    @ValueSource(booleans = {true, false})
    void capturesTcpAndUdpOfBothFamiliesWithoutLoopingAndRestoresRoutes(boolean gso, @TempDir Path dir) throws Exception {
        try (NetnsLab lab = new NetnsLab()) {
            lab.up();
            String tunName = "tt" + lab.suffix;
            Path state = dir.resolve("routes.state");
            NetnsLab.Child servers = lab.java(lab.server, NetnsServers.class.getName(), "8080", "7000");
            servers.await("READY", 20);
            String before = lab.routes(lab.client);

            NetnsLab.Child tun = lab.java(lab.client, TunTestMain.class.getName(), "run", lab.clientIf, state.toString(),
                    tunName, TUN4, TUN6, "0", Boolean.toString(gso));
            String ready = tun.await("READY", 30);
            assertTrue(ready.endsWith(" gso=" + gso), ready);
            assertTrue(tun.transcript().contains("offload " + (gso ? "on" : "off")), tun::transcript);
            String during = lab.routes(lab.client);
            assertTrue(during.contains("0.0.0.0/1 dev " + tunName), during);
            assertTrue(during.contains("128.0.0.0/1 dev " + tunName), during);
            assertTrue(during.contains("::/1 dev " + tunName), during);
            assertTrue(during.contains("8000::/1 dev " + tunName), during);
            assertTrue(during.contains("default via 192.0.2.2"), "the default route is untouched: " + during);
            assertTrue(Files.readString(state).contains("route=-4 0.0.0.0/1 dev " + tunName));

            String v4 = lab.in(lab.client, "curl", "-s", "--max-time", "10", "http://198.51.100.1:8080/");
            assertEquals("peer=192.0.2.1", v4.strip(), "the server sees the client's veth address");
            String v6 = lab.in(lab.client, "curl", "-s", "--max-time", "10", "http://[2001:db8:2::1]:8080/");
            assertEquals("peer=2001:db8:1:0:0:0:0:1", v6.strip());
            String echo = lab.in(lab.client, java(), "-cp", System.getProperty("java.class.path"),
                    UdpProbe.class.getName(), "198.51.100.1", "7000", "hello-udp");
            assertTrue(echo.contains("ECHO hello-udp"), echo);
            // A burst of answers: with offload on, several leave in one packet that the kernel cuts.
            for (String server : List.of("198.51.100.1", "2001:db8:2::1")) {
                String burst = lab.in(lab.client, java(), "-cp", System.getProperty("java.class.path"),
                        UdpProbe.class.getName(), server, "7000", "burst", "64", "1000");
                Matcher m = Pattern.compile("BURST received=(\\d+) intact=(\\d+)").matcher(burst);
                assertTrue(m.find(), burst);
                assertTrue(Integer.parseInt(m.group(1)) >= 32, "most of the burst arrives: " + burst);
                assertEquals(m.group(1), m.group(2), "every datagram that arrives is whole and in order: " + burst);
            }

            tun.send("stats");
            String stats = tun.await("STATS", 10);
            // Exactly the two curls were accepted: the DIRECT tunnel's own (bound) connections never came back
            // through the TUN, which would have shown as more accepted flows.
            assertEquals(2, stat(stats, "tcpAccepted"), stats);
            assertEquals(3, stat(stats, "udpFlows"), stats);
            if (gso) {
                assertTrue(stat(stats, "writesOut") < stat(stats, "packetsOut"), "answers went out gathered: " + stats);
            } else {
                assertEquals(stat(stats, "packetsOut"), stat(stats, "writesOut"), stats);
            }

            tun.send("stop");
            tun.await("STOPPED", 20);
            assertTrue(tun.process.waitFor(20, TimeUnit.SECONDS));
            assertEquals(before, lab.routes(lab.client), "routes after a clean stop");
            assertFalse(Files.exists(state), "state file removed on a clean stop");

            NetnsLab.Child crashing = lab.java(lab.client, TunTestMain.class.getName(), "run", lab.clientIf,
                    state.toString(), tunName, TUN4, TUN6);
            crashing.await("READY", 30);
            assertTrue(Files.exists(state));
            crashing.process.destroyForcibly(); // SIGKILL: no shutdown hook runs
            assertTrue(crashing.process.waitFor(20, TimeUnit.SECONDS));
            String cleaned = lab.in(lab.client, java(), "-cp", System.getProperty("java.class.path"),
                    TunTestMain.class.getName(), "cleanup", state.toString());
            // The TUN device died with the process and took its four routes along: cleanup finds them gone. The IPv6
            // path-MTU table's copy of the default route goes via the uplink and outlived it: cleanup removes it.
            assertTrue(cleaned.contains("CLEANED removed=1 gone=4"), cleaned);
            assertEquals(before, lab.routes(lab.client), "routes after kill -9 and cleanup");
            assertFalse(Files.exists(state));
            String direct = lab.in(lab.client, "curl", "-s", "--max-time", "10", "http://198.51.100.1:8080/");
            assertEquals("peer=192.0.2.1", direct.strip(), "the machine still has working routes");
        }
    }

    /**
     * A stop stops the lanes before it closes the device: a lane still at work (a UDP answer to write, a read under
     * way) once the stop has begun still has its queue, not a closed descriptor whose number another thread may
     * have been given for a socket of its own.
     */
    @Test
    void aLaneStillAtWorkWhenTheStopBeginsStillHasItsQueue(@TempDir Path dir) throws Exception {
        try (NetnsLab lab = new NetnsLab()) {
            lab.up();
            NetnsLab.Child tun = lab.java(lab.client, TunTestMain.class.getName(), "run", lab.clientIf,
                    dir.resolve("routes.state").toString(), "tt" + lab.suffix, TUN4, TUN6);
            tun.await("READY", 30);
            tun.send("stop-while-busy");
            String read = tun.await("LANE-READ", 20);
            assertTrue(read.matches("LANE-READ \\d+"), "the lane's read of its queue after the stop began: " + read);
            tun.await("STOPPED", 20);
            assertTrue(tun.process.waitFor(20, TimeUnit.SECONDS));
        }
    }

    /**
     * With several queues, each flow's packets reach the lane that owns the flow without being handed over by
     * another lane: the device's eBPF steering sends them there. Without it the kernel's own hash picks the queue
     * of a new flow's first packet, and about half of the flows would start with a hand-off.
     */
    @Test
    void withSeveralQueuesEveryPacketReachesItsOwnLaneWithoutAHandOff(@TempDir Path dir) throws Exception {
        Required.that(Runtime.getRuntime().availableProcessors() >= 2,
                () -> "one CPU here, so the TUN gets one queue (multi-queue steering needs two or more)");
        try (NetnsLab lab = new NetnsLab()) {
            lab.up();
            NetnsLab.Child servers = lab.java(lab.server, NetnsServers.class.getName(), "8080", "7000");
            servers.await("READY", 20);
            NetnsLab.Child tun = lab.java(lab.client, TunTestMain.class.getName(), "run", lab.clientIf,
                    dir.resolve("routes.state").toString(), "ts" + lab.suffix, TUN4, TUN6);
            tun.await("READY", 30);
            assertTrue(tun.transcript().contains("(steered to their flows' lanes)"), tun::transcript);
            int flows = 24;
            for (int i = 0; i < flows; i++) {
                String url = i % 2 == 0 ? "http://198.51.100.1:8080/" : "http://[2001:db8:2::1]:8080/";
                String got = lab.in(lab.client, "curl", "-s", "--max-time", "10", url);
                assertTrue(got.startsWith("peer="), "flow " + i + ": " + got);
            }
            tun.send("stats");
            String stats = tun.await("STATS", 10);
            assertEquals(flows, stat(stats, "tcpAccepted"), stats);
            assertTrue(stat(stats, "lanes") >= 2, stats);
            assertEquals(0, stat(stats, "handedOff"), stats);
            tun.send("stop");
            tun.await("STOPPED", 20);
            assertTrue(tun.process.waitFor(20, TimeUnit.SECONDS));
        }
    }

    /**
     * With {@code turnout.tun.kernel-nat=true} (the default), once a flow is set up the kernel rewrites its packets
     * itself ({@link dev.turnout.host.platform.KernelNat}): an 8 MB download over IPv4 and another over IPv6 reach
     * the engine as the SYNs that opened them. Set to false the same downloads cross the engine, at least one
     * packet per 64 KiB either way, and arrive just the same.
     */
    @ParameterizedTest(name = "kernel NAT {0}")
    @ValueSource(booleans = {true, false})
    void establishedFlowsOfBothIpVersionsAreRewrittenByTheKernelWhenTurnedOn(boolean kernelNat, @TempDir Path dir)
            throws Exception {
        try (NetnsLab lab = new NetnsLab()) {
            lab.up();
            NetnsLab.Child servers = lab.java(lab.server, NetnsServers.class.getName(), "8080", "7000");
            servers.await("READY", 20);
            NetnsLab.Child tun = lab.java(lab.client, List.of("-Dturnout.tun.kernel-nat=" + kernelNat),
                    TunTestMain.class.getName(), "run", lab.clientIf, dir.resolve("routes.state").toString(),
                    "tk" + lab.suffix, TUN4, TUN6);
            tun.await("READY", 30);
            int bytes = 8_000_000;
            for (String server : List.of("198.51.100.1", "[2001:db8:2::1]")) {
                String got = lab.in(lab.client, "curl", "-s", "--max-time", "20", "-o", "/dev/null", "-w",
                        "%{size_download}", "http://" + server + ":8080/bytes/" + bytes);
                assertEquals(Integer.toString(bytes), got.strip(), server);
            }
            tun.send("stats");
            String stats = tun.await("STATS", 10);
            assertEquals(2, stat(stats, "tcpAccepted"), stats);
            if (kernelNat) {
                assertEquals(2, stat(stats, "kernelFlows"), stats);
                assertTrue(stat(stats, "packetsIn") <= 6, "only the SYNs (and any retransmission of them): " + stats);
            } else {
                assertEquals(0, stat(stats, "kernelFlows"), stats);
                assertTrue(stat(stats, "packetsIn") > 2 * bytes / 65536, stats);
            }
            tun.send("stop");
            tun.await("STOPPED", 20);
            assertTrue(tun.process.waitFor(20, TimeUnit.SECONDS));
        }
    }

    private static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }
}
