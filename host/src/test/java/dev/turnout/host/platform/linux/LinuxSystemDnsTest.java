package dev.turnout.host.platform.linux;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.turnout.host.platform.RouteState;
import dev.turnout.host.platform.SystemCommand;
import dev.turnout.host.platform.SystemDnsCapture;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The command lines and records of Linux's system-DNS capture, with the commands answered by the test. */
class LinuxSystemDnsTest {

    private static final InetAddress PEER = address("198.18.0.2");

    private final List<String> ran = new ArrayList<>();

    private static InetAddress address(String literal) {
        return LinuxSystemDns.parseNameserver(literal);
    }

    private SystemCommand.Runner answering(Function<String, SystemCommand.Result> answer) {
        return cmd -> {
            String line = String.join(" ", cmd);
            ran.add(line);
            return answer.apply(line);
        };
    }

    private static SystemCommand.Result ok(String output) {
        return new SystemCommand.Result(0, output);
    }

    @Test
    void aResolverOnTheLocalSubnetGetsAHostRouteIntoTheTunRecordedBeforeItIsAdded(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("resolv.conf"), "# home router\nsearch lan\nnameserver 192.0.2.2\nnameserver 203.0.113.9\n");
        Path state = dir.resolve("routes.state");
        LinuxSystemDns dns = new LinuxSystemDns(answering(line -> {
            if (line.endsWith("route add -4 192.0.2.2/32 dev turnout0") || line.startsWith("/sbin/ip -4 route add")) {
                assertTrue(Files.exists(state), "recorded first");
                return ok("");
            }
            if (line.contains("route get 192.0.2.2")) {
                return ok("192.0.2.2 dev eth0 src 192.0.2.1 uid 0\n    cache");
            }
            if (line.contains("route get 203.0.113.9")) {
                return ok("203.0.113.9 dev turnout0 src 198.18.0.1 uid 0\n    cache");
            }
            return new SystemCommand.Result(1, "unexpected");
        }), dir.resolve("resolv.conf"), dir.resolve("no-resolved"), "/usr/bin/resolvectl", "/sbin/ip");

        // A dns-hijack of these two addresses only: no port rule (the next test has one).
        SystemDnsCapture c = dns.capture("turnout0", PEER, a -> a.equals(address("192.0.2.2"))
                || a.equals(address("203.0.113.9")), new RouteState("linux", "turnout0", List.of(), state));

        assertEquals(List.of("/sbin/ip -4 route get 192.0.2.2", "/sbin/ip -4 route add 192.0.2.2/32 dev turnout0",
                "/sbin/ip -4 route get 203.0.113.9"), ran, "no resolvectl without resolved running");
        assertEquals(List.of("-4 192.0.2.2/32 dev turnout0"), c.state().routes());
        assertEquals(List.of("-4 192.0.2.2/32 dev turnout0"), RouteState.load(state).routes());
        assertTrue(c.report().get(0).contains("192.0.2.2 routed into turnout0"), c.report().toString());
        assertTrue(c.report().get(1).contains("203.0.113.9 already goes through turnout0"), c.report().toString());
    }

    @Test
    void withAHijackOfEveryAddressAnyResolverNowOrLaterIsRuledIntoTheTunBeforeTheHostRoutes(@TempDir Path dir)
            throws IOException {
        Files.writeString(dir.resolve("resolv.conf"), "nameserver 192.0.2.2\n");
        Path state = dir.resolve("routes.state");
        LinuxSystemDns dns = new LinuxSystemDns(answering(line -> {
            assertTrue(Files.exists(state), "recorded first");
            if (line.contains("rule show")) {
                return ok("9053:\tfrom all ipproto udp dport 53 lookup 2053");
            }
            return ok(line.contains("route get") ? "192.0.2.2 dev eth0 src 192.0.2.1 uid 0" : "");
        }), dir.resolve("resolv.conf"), dir.resolve("no-resolved"), null, "/sbin/ip");

        // IPv4 only answered (a TUN without IPv6 that lets IPv6 pass): no IPv6 rule.
        SystemDnsCapture c = dns.capture("turnout0", PEER, a -> a.getAddress().length == 4,
                new RouteState("linux", "turnout0", List.of(), state));

        assertEquals(List.of("/sbin/ip -4 route add default dev turnout0 table 2053",
                "/sbin/ip -4 rule add ipproto udp dport 53 lookup 2053 priority 9053",
                "/sbin/ip -4 rule show priority 9053",
                "/sbin/ip -4 route get 192.0.2.2", "/sbin/ip -4 route add 192.0.2.2/32 dev turnout0"), ran);
        assertEquals(List.of("-4 default dev turnout0 table 2053", "-4 192.0.2.2/32 dev turnout0"),
                RouteState.load(state).routes(), "the host route still carries TCP");
        assertEquals(List.of("rule -4 ipproto udp dport 53 lookup 2053 priority 9053"), RouteState.load(state).dns());
        assertTrue(c.report().get(0).startsWith("UDP to port 53 of every IPv4 address (what a local stub forwards, the "
                + "nameservers of networks joined later) is routed into turnout0"), c.report().toString());
    }

    @Test
    void routesThatLeaveAddressesOutRulePort53OnlyForALocalStub(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("resolv.conf"), "nameserver 192.0.2.2\n");
        LinuxSystemDns dns = new LinuxSystemDns(answering(line -> ok(line.contains("route get")
                ? "192.0.2.2 dev eth0 src 192.0.2.1 uid 0" : "")), dir.resolve("resolv.conf"),
                dir.resolve("no-resolved"), null, "/sbin/ip");
        SystemDnsCapture c = dns.capture("turnout0", PEER, a -> a.getAddress().length == 4, false,
                new RouteState("linux", "turnout0", List.of(), null));
        assertEquals(List.of("/sbin/ip -4 route get 192.0.2.2", "/sbin/ip -4 route add 192.0.2.2/32 dev turnout0"), ran,
                "a route-exclude-address may hold a resolver the user keeps outside: no rule over it");
        assertEquals(List.of(), c.state().dns());
    }

    @Test
    void withSystemdResolvedTheTunLinkAnswersEveryDomainAndRevertUndoesIt(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("resolv.conf"), "nameserver 127.0.0.53\noptions edns0 trust-ad\n");
        Files.createDirectories(dir.resolve("resolve"));
        Path state = dir.resolve("routes.state");
        LinuxSystemDns dns = new LinuxSystemDns(answering(line -> ok("")), dir.resolve("resolv.conf"),
                dir.resolve("resolve"), "/usr/bin/resolvectl", "/sbin/ip");

        SystemDnsCapture c = dns.capture("turnout0", PEER, a -> true, new RouteState("linux", "turnout0", List.of(), state));

        assertEquals(List.of("/usr/bin/resolvectl dns turnout0 198.18.0.2", "/usr/bin/resolvectl domain turnout0 ~."), ran);
        assertEquals(List.of("resolved turnout0"), RouteState.load(state).dns(), "recorded for turnout cleanup");
        assertTrue(c.report().get(0).startsWith("systemd-resolved: turnout0 answers every domain (~.)"), c.report().toString());
        assertTrue(c.report().get(1).contains("127.0.0.53 is on this machine"), c.report().toString());
        assertEquals(List.of(), c.state().routes(), "no route for a loopback stub");

        ran.clear();
        List<String> undone = dns.restore(RouteState.load(state));
        assertEquals(List.of("/usr/bin/resolvectl revert turnout0"), ran);
        assertEquals(List.of("reverted systemd-resolved settings of turnout0"), undone);
    }

    @Test
    void aRevertAfterTheDeviceVanishedIsNoError(@TempDir Path dir) throws IOException {
        LinuxSystemDns dns = new LinuxSystemDns(answering(line -> new SystemCommand.Result(1,
                "Failed to resolve interface \"turnout0\": No such device")), dir.resolve("resolv.conf"), dir,
                "/usr/bin/resolvectl", "/sbin/ip");
        RouteState s = new RouteState("linux", "turnout0", List.of(), null).withDns("resolved turnout0");
        assertTrue(dns.restore(s).get(0).contains("already gone"));
        LinuxSystemDns failing = new LinuxSystemDns(answering(line -> new SystemCommand.Result(1, "Access denied")),
                dir.resolve("resolv.conf"), dir, "/usr/bin/resolvectl", "/sbin/ip");
        assertThrows(IOException.class, () -> failing.restore(s));
    }

    @Test
    void aLocalStubThatIsNotResolvedHasWhatItForwardsRuledIntoTheTunAndTheRuleIsDeletedOnRestore(@TempDir Path dir)
            throws IOException {
        Files.writeString(dir.resolve("resolv.conf"), "nameserver 127.0.0.53\nnameserver 127.0.0.1\n");
        Path state = dir.resolve("routes.state");
        LinuxSystemDns dns = new LinuxSystemDns(answering(line -> {
            assertTrue(Files.exists(state), "recorded first");
            return ok(line.contains("rule show") ? "9053:\tfrom all ipproto udp dport 53 lookup 2053" : "");
        }), dir.resolve("resolv.conf"), dir.resolve("no-resolved"), null, "/sbin/ip");

        SystemDnsCapture c = dns.capture("turnout0", PEER, a -> a.getAddress().length == 4,
                new RouteState("linux", "turnout0", List.of(), state));

        assertEquals(List.of("/sbin/ip -4 route add default dev turnout0 table 2053",
                "/sbin/ip -4 rule add ipproto udp dport 53 lookup 2053 priority 9053",
                "/sbin/ip -4 rule show priority 9053"), ran, "once for both stubs, read back");
        assertEquals(List.of("-4 default dev turnout0 table 2053"), RouteState.load(state).routes());
        assertEquals(List.of("rule -4 ipproto udp dport 53 lookup 2053 priority 9053"), RouteState.load(state).dns());
        assertEquals(3, c.report().size(), c.report().toString());
        assertTrue(c.report().get(1).contains("127.0.0.53 is a local stub: what it forwards (UDP port 53) is routed into turnout0"),
                c.report().toString());

        ran.clear();
        assertEquals(List.of("deleted policy rule -4 ipproto udp dport 53 lookup 2053 priority 9053"),
                dns.restore(RouteState.load(state)));
        assertEquals(List.of("/sbin/ip -4 rule del ipproto udp dport 53 lookup 2053 priority 9053"), ran);
    }

    @Test
    void aLocalStubIsLeftAloneWhenTheHijackDoesNotAnswerEveryAddress(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("resolv.conf"), "nameserver 127.0.0.53\n");
        LinuxSystemDns dns = new LinuxSystemDns(answering(line -> ok("")), dir.resolve("resolv.conf"),
                dir.resolve("no-resolved"), null, "/sbin/ip");
        SystemDnsCapture c = dns.capture("turnout0", PEER, a -> a.equals(PEER),
                new RouteState("linux", "turnout0", List.of(), null));
        assertEquals(List.of(), ran);
        assertTrue(c.report().get(0).contains("127.0.0.53 is on this machine, a route cannot capture it"), c.report().toString());
    }

    @Test
    void aRuleAKilledTurnoutLeftIsTakenOverAndDeletedOnExit(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("resolv.conf"), "nameserver 127.0.0.53\n");
        LinuxSystemDns dns = new LinuxSystemDns(answering(line -> line.contains(" rule add ")
                ? new SystemCommand.Result(2, "RTNETLINK answers: File exists")
                : ok(line.contains("rule show") ? "9053:\tfrom all ipproto udp dport 53 lookup 2053" : "")),
                dir.resolve("resolv.conf"), dir.resolve("no-resolved"), null, "/sbin/ip");
        SystemDnsCapture c = dns.capture("turnout0", PEER, a -> a.getAddress().length == 4,
                new RouteState("linux", "turnout0", List.of(), null));
        assertEquals(List.of("rule -4 ipproto udp dport 53 lookup 2053 priority 9053"), c.state().dns());
        assertTrue(c.report().get(1).contains("is a local stub: what it forwards"), c.report().toString());
    }

    @Test
    void aKernelThatDropsTheRulesPortMatchGetsNoRuleAtAll(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("resolv.conf"), "nameserver 127.0.0.53\n");
        // Before Linux 4.17 the port match is ignored: the rule would send everything into the TUN.
        LinuxSystemDns dns = new LinuxSystemDns(answering(line -> ok(line.contains("rule show")
                ? "9053:\tfrom all ipproto udp lookup 2053" : "")),
                dir.resolve("resolv.conf"), dir.resolve("no-resolved"), null, "/sbin/ip");
        SystemDnsCapture c = dns.capture("turnout0", PEER, a -> a.getAddress().length == 4,
                new RouteState("linux", "turnout0", List.of(), null));
        assertEquals("/sbin/ip -4 rule del ipproto udp dport 53 lookup 2053 priority 9053", ran.get(ran.size() - 1));
        assertEquals(List.of(), c.state().dns());
        assertTrue(c.report().get(0).contains("does not keep a rule's port match"), c.report().toString());
    }

    @Test
    void aRuleAlreadyGoneIsNoErrorAnotherFailureIs(@TempDir Path dir) {
        RouteState s = new RouteState("linux", "turnout0", List.of(), null)
                .withDns("rule -4 ipproto udp dport 53 lookup 2053 priority 9053");
        LinuxSystemDns gone = new LinuxSystemDns(answering(line -> new SystemCommand.Result(2,
                "RTNETLINK answers: No such file or directory")), dir.resolve("resolv.conf"), dir, null, "/sbin/ip");
        assertDoesNotThrow(() -> assertTrue(gone.restore(s).get(0).contains("already gone")));
        LinuxSystemDns failing = new LinuxSystemDns(answering(line -> new SystemCommand.Result(2,
                "RTNETLINK answers: Operation not permitted")), dir.resolve("resolv.conf"), dir, null, "/sbin/ip");
        assertThrows(IOException.class, () -> failing.restore(s));
    }

    @Test
    void resolversTheHijackDoesNotAnswerAndNamesAreLeftAlone(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("resolv.conf"), "nameserver 192.0.2.2\nnameserver fe80::1%eth0\nnameserver router.lan\n");
        LinuxSystemDns dns = new LinuxSystemDns(answering(line -> ok("")), dir.resolve("resolv.conf"),
                dir.resolve("none"), null, "/sbin/ip");
        SystemDnsCapture c = dns.capture("turnout0", PEER, a -> false, new RouteState("linux", "turnout0", List.of(), null));
        assertEquals(List.of(), ran);
        assertEquals(3, c.report().size(), c.report().toString());
        assertTrue(c.report().get(0).contains("not answered by dns-hijack"));
        assertTrue(c.report().get(1).contains("link-local"));
        assertTrue(c.report().get(2).contains("not an address"));
        assertNull(LinuxSystemDns.parseNameserver("example.org"));
    }
}
