package dev.turnout.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.turnout.api.testing.Required;
import dev.turnout.dist.testing.Logs;
import dev.turnout.dist.testing.Netns;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A TUN that is there before Turnout (a persistent one, made with {@code ip tuntap add}, as another VPN tool or a
 * user who runs Turnout without root leaves one) outlives Turnout: Turnout must give it back as it found it, and a
 * Turnout killed with it must not keep the next one from starting. One that another program holds is refused.
 */
class PersistentTunIT {

    static final String TURNOUT = Path.of(System.getProperty("turnout.dist")).resolve("bin/turnout").toString();
    static final String DEVICE = "tpers0";

    @TempDir
    Path dir;

    private Path config() throws Exception {
        return config(false);
    }

    /** With {@code dns}: a fake-ip DNS whose hijack adds the resolver's host route and the port-53 policy rule. */
    private Path config(boolean dns) throws Exception {
        return Files.writeString(dir.resolve("config.yaml"), String.join("\n",
                "log-level: info",
                "mixed-port: 17890",
                dns ? "dns: {enable: true, listen: '127.0.0.1:15353', enhanced-mode: fake-ip, nameserver: [203.0.113.2]}"
                        : "",
                "tun:",
                "  enable: true",
                "  device: " + DEVICE,
                "  auto-route: true",
                "  auto-detect-interface: true",
                "  state-file: " + dir.resolve("routes.state"),
                "rules:",
                "  - MATCH,DIRECT", ""));
    }

    private static Netns namespaceWithPersistentTun() throws Exception {
        Netns ns = Netns.create("tpers");
        try {
            // An uplink for the default route (a veth whose peer stays in the namespace: nothing is sent anywhere).
            ns.ip(List.of("link", "add", "up0", "type", "veth", "peer", "name", "up1"));
            ns.ip(List.of("addr", "add", "192.0.2.1/24", "dev", "up0"));
            ns.ip(List.of("link", "set", "up0", "up"));
            ns.ip(List.of("link", "set", "up1", "up"));
            ns.defaultRoute("192.0.2.2");
            ns.ip(List.of("tuntap", "add", "dev", DEVICE, "mode", "tun"));
            ns.ip(List.of("link", "set", "dev", DEVICE, "mtu", "1400"));
            return ns;
        } catch (Exception | Error e) {
            ns.close(); // the caller's try-with-resources never gets it
            throw e;
        }
    }

    private Process start(Netns ns, Path log) throws Exception {
        return start(ns, log, config());
    }

    private Process start(Netns ns, Path log, Path config) throws Exception {
        // Its own pid file: a run this class kills -9 cannot remove it, and the default one is in the machine's /run.
        Process turnout = ns.spawn(log, TURNOUT, "run", "-c", config.toString(), "--pid-file",
                dir.resolve("turnout.pid").toString());
        long end = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!Logs.read(log).contains("running on")) {
            assertTrue(turnout.isAlive() && System.nanoTime() < end, "did not start: " + Logs.read(log));
            Thread.sleep(100);
        }
        return turnout;
    }

    private static String link(Netns ns) throws Exception {
        return ns.run(Duration.ofSeconds(5), "ip", "-d", "addr", "show", "dev", DEVICE).stdout();
    }

    @Test
    void aPersistentTunIsGivenBackAsItWasFound() throws Exception {
        Netns.assumeUsable();
        Required.that(Files.exists(Path.of("/dev/net/tun")), () -> "no /dev/net/tun (TUN support)");
        try (Netns ns = namespaceWithPersistentTun()) {
            Path log = dir.resolve("run.log");
            Process turnout = start(ns, log);
            assertTrue(Logs.read(log).contains("tun " + DEVICE + " exists already (persistent"), Logs.read(log));
            ns.awaitSplitRoutes(DEVICE, () -> Logs.read(log));
            assertTrue(link(ns).contains("198.18.0.1/30"), link(ns));
            stop(turnout, log);

            String after = link(ns);
            assertFalse(after.contains("198.18."), "Turnout's address is gone: " + after);
            assertTrue(after.contains("mtu 1400 ") && after.contains("qlen 500") && after.contains("state DOWN")
                    && !after.contains(",UP"), "the MTU, queue and state it was found with: " + after);
            assertTrue(after.contains("tun type tun") && after.contains("persist on"), "still there: " + after);
            assertEquals("", routesThrough(ns), "no route is left through it");
        }
    }

    @Test
    void whatAKilledTurnoutLeftOnAPersistentTunDoesNotStopTheNextStart() throws Exception {
        Netns.assumeUsable();
        Required.that(Files.exists(Path.of("/dev/net/tun")), () -> "no /dev/net/tun (TUN support)");
        try (Netns ns = namespaceWithPersistentTun()) {
            Path first = dir.resolve("first.log");
            Process killed = start(ns, first);
            ns.awaitSplitRoutes(DEVICE, () -> Logs.read(first));
            killed.destroyForcibly();
            assertTrue(killed.waitFor(10, TimeUnit.SECONDS));
            assertTrue(link(ns).contains("198.18.0.1/30") && routesThrough(ns).contains("0.0.0.0/1"),
                    "a kill -9 leaves the address and the routes: " + link(ns) + routesThrough(ns));

            // Before, refused: "ip -4 addr add 198.18.0.1/30 dev tpers0 failed (2): Error: ipv4: Address already
            // assigned", then "ip route add 0.0.0.0/1 dev tpers0 failed: RTNETLINK answers: File exists".
            Path second = dir.resolve("second.log");
            Process turnout = start(ns, second);
            ns.awaitSplitRoutes(DEVICE, () -> Logs.read(second));
            stop(turnout, second);
            assertFalse(link(ns).contains("198.18."), "Turnout's address is gone: " + link(ns));
            assertEquals("", routesThrough(ns), "no route is left through it");
            // Before, given back as the killed one left it (mtu 65535, up, qlen 1000): the state file kept nothing of it.
            assertTrue(link(ns).contains("mtu 1400 ") && link(ns).contains("qlen 500") && !link(ns).contains(",UP"),
                    "as it was before the killed run: " + link(ns));
        }
    }

    /**
     * The device outlives a killed Turnout, and its routes with it: the kernel went on using them (linkdown), and the
     * machine's traffic, DNS included, went into a device nobody reads until 'turnout cleanup' (readme tester F3).
     * Ignored while the link is down, they leave traffic to the default route; cleanup gives the device back as it
     * was before the killed run.
     */
    @Test
    void aKilledTurnoutsRoutesOnAPersistentTunLeaveTrafficToTheDefaultRouteAndCleanupGivesTheDeviceBack()
            throws Exception {
        Netns.assumeUsable();
        Required.that(Files.exists(Path.of("/dev/net/tun")), () -> "no /dev/net/tun (TUN support)");
        try (Netns ns = namespaceWithPersistentTun()) {
            ns.ip(List.of("-6", "addr", "add", "2001:db8::1/64", "dev", "up0", "nodad"));
            ns.ip(List.of("-6", "route", "add", "default", "via", "2001:db8::2", "dev", "up0"));
            Path config = config(true);
            Path log = dir.resolve("run.log");
            Process killed = start(ns, log, config);
            ns.awaitSplitRoutes(DEVICE, () -> Logs.read(log));
            assertTrue(routeGet(ns, "-4", "198.51.100.10").contains("dev " + DEVICE), routeGet(ns, "-4", "198.51.100.10"));
            killed.destroyForcibly();
            assertTrue(killed.waitFor(10, TimeUnit.SECONDS));
            assertTrue(routesThrough(ns).contains("0.0.0.0/1"), "the routes stay with the device: " + routesThrough(ns));

            for (String[] dst : List.of(new String[] {"-4", "198.51.100.10"}, new String[] {"-4", "203.0.113.2"},
                    new String[] {"-4", "203.0.113.9", "ipproto", "udp", "dport", "53"},
                    new String[] {"-6", "2001:db8:5::1"})) {
                String got = routeGet(ns, dst);
                assertTrue(got.contains("dev up0") && !got.contains(DEVICE), "by the default route: " + got
                        + "\n" + routesThrough(ns));
            }

            Path pidFile = dir.resolve("turnout.pid");
            assertTrue(Files.exists(pidFile), "a killed run cannot remove its pid file");
            Netns.Result cleanup = ns.run(Duration.ofSeconds(60), TURNOUT, "cleanup", "-c", config.toString(),
                    "--pid-file", pidFile.toString());
            assertEquals(0, cleanup.exitCode(), cleanup.stdout() + cleanup.stderr());
            assertEquals("", routesThrough(ns), "no route is left through it");
            assertFalse(Files.exists(pidFile), "cleanup removes the dead run's pid file: " + cleanup.stdout());
            String after = link(ns);
            assertFalse(after.contains("198.18."), "Turnout's address is gone: " + after);
            assertTrue(after.contains("mtu 1400 ") && after.contains("qlen 500") && !after.contains(",UP"),
                    "as it was before the killed run: " + after);
            assertEquals("0", ns.run(Duration.ofSeconds(5), "cat",
                    "/proc/sys/net/ipv4/conf/" + DEVICE + "/ignore_routes_with_linkdown").stdout().strip());
        }
    }

    private static String routeGet(Netns ns, String... args) throws Exception {
        List<String> cmd = new java.util.ArrayList<>(List.of("ip", args[0], "route", "get"));
        cmd.addAll(List.of(args).subList(1, args.length));
        Netns.Result r = ns.run(Duration.ofSeconds(5), cmd.toArray(String[]::new));
        return r.stdout() + r.stderr();
    }

    private static void stop(Process turnout, Path log) throws Exception {
        turnout.destroy();
        assertTrue(turnout.waitFor(15, TimeUnit.SECONDS), "did not stop on SIGTERM");
        assertTrue(Logs.read(log).contains("tun " + DEVICE + ": the persistent device is left as Turnout found it"),
                Logs.read(log));
    }

    /**
     * The routes through the device but the kernel's own (an up link's fe80::/64: after a kill -9 the next Turnout
     * finds the device up, as the killed one left it, and gives it back so).
     */
    private static String routesThrough(Netns ns) throws Exception {
        String all = ns.run(Duration.ofSeconds(5), "ip", "route", "show", "dev", DEVICE).stdout()
                + ns.run(Duration.ofSeconds(5), "ip", "-6", "route", "show", "dev", DEVICE).stdout();
        return all.lines().filter(l -> !l.contains("proto kernel")).collect(java.util.stream.Collectors.joining("\n"));
    }

    @Test
    void aTunAnotherProgramHoldsIsRefusedSayingSo() throws Exception {
        Netns.assumeUsable("python3");
        Required.that(Files.exists(Path.of("/dev/net/tun")), () -> "no /dev/net/tun (TUN support)");
        try (Netns ns = namespaceWithPersistentTun()) {
            // Another program attached to the device: TUNSETIFF with IFF_TUN | IFF_NO_PI, then holds it.
            Path holder = Files.writeString(dir.resolve("hold.py"), String.join("\n",
                    "import fcntl, os, struct, sys, time",
                    "fd = os.open('/dev/net/tun', os.O_RDWR)",
                    "fcntl.ioctl(fd, 0x400454ca, struct.pack('16sH', b'" + DEVICE + "', 0x1001))",
                    "print('holding', flush=True)",
                    "time.sleep(60)", ""));
            Path holderLog = dir.resolve("hold.log");
            Process hold = ns.spawn(holderLog, "python3", holder.toString());
            long end = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (!Logs.read(holderLog).contains("holding")) {
                assertTrue(hold.isAlive() && System.nanoTime() < end, "holder: " + Logs.read(holderLog));
                Thread.sleep(50);
            }
            Netns.Result run = ns.run(Duration.ofSeconds(60), TURNOUT, "run", "-c", config().toString());
            assertEquals(1, run.exitCode(), run.stdout() + run.stderr());
            String last = run.stderr().strip().lines().reduce((a, b) -> b).orElse("");
            assertEquals("turnout: cannot start: cannot start the TUN: a TUN named " + DEVICE + " is in use by another "
                    + "program (another VPN?): choose another tun.device", last, run.stderr());
            assertFalse(link(ns).contains("198.18."), link(ns));
            hold.destroyForcibly();
        }
    }
}
