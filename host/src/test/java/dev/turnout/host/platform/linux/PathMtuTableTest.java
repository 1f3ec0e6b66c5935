package dev.turnout.host.platform.linux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.turnout.host.platform.IpPrefix;
import dev.turnout.host.platform.RoutePlan;
import dev.turnout.host.platform.RouteState;
import dev.turnout.host.platform.SystemCommand;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The command lines and records of the IPv6 path-MTU table, with {@code ip} answered by the test. */
class PathMtuTableTest {

    private static final List<IpPrefix> SPLIT6 = List.of(IpPrefix.parse("::/1"), IpPrefix.parse("8000::/1"));
    private static final String ETH0_DEFAULT = "default via 2001:db8:1::1 dev eth0 proto ra metric 1024 expires 1798sec "
            + "mtu 1400 pref medium";

    private final List<String> ran = new ArrayList<>();

    /** Runs nothing: records each command line, and what the state file held when it ran. */
    private SystemCommand.Runner answering(Path stateFile, List<String> recordedAtRun,
                                           Function<String, SystemCommand.Result> answer) {
        return cmd -> {
            String line = String.join(" ", cmd);
            ran.add(line);
            recordedAtRun.add(Files.exists(stateFile) ? Files.readString(stateFile) : "");
            return answer.apply(line);
        };
    }

    private static SystemCommand.Result ok(String output) {
        return new SystemCommand.Result(0, output);
    }

    private static RouteState captured(Path file) {
        return new RouteState("linux", "turnout0", List.of("-6 ::/1 dev turnout0", "-6 8000::/1 dev turnout0"), file);
    }

    @Test
    void theCopyKeepsGatewayDeviceMetricAndMtuOfTheUplinksDefaultRoutesOnly() {
        String shown = String.join("\n", ETH0_DEFAULT,
                "default via fe80::1 dev eth0 proto static metric 100 mtu lock 1280 pref high",
                "default via 2001:db8:2::1 dev wlan0 proto ra metric 600 pref medium",
                "default dev ppp0 metric 1024 pref medium",
                "default metric 1024 pref medium",
                "\tnexthop via 2001:db8:1::7 dev eth0 weight 1",
                "\tnexthop via 2001:db8:1::8 dev eth0 weight 1");

        assertEquals(List.of("-6 default via 2001:db8:1::1 dev eth0 metric 1024 mtu 1400 table 2054",
                        "-6 default via fe80::1 dev eth0 metric 100 mtu lock 1280 table 2054"),
                PathMtuTable.copies(shown, "eth0"), "a multipath route's next hops are not copied");
        assertEquals(List.of("-6 default dev ppp0 metric 1024 table 2054"), PathMtuTable.copies(shown, "ppp0"));
        assertEquals(List.of(), PathMtuTable.copies("", "eth0"));
        assertEquals(List.of("-6 default via 2001:db8:9::1 dev eth1 metric 1024 onlink table 2054"),
                PathMtuTable.copies("default via 2001:db8:9::1 dev eth1 proto static metric 1024 onlink pref medium",
                        "eth1"), "a gateway outside the subnets needs onlink to be added");
    }

    @Test
    void theRulePassesOverTheLongestRouteThroughTheTunUnlessItReachesAnUplinksSubnet() {
        assertEquals(1, PathMtuTable.passedOver(SPLIT6), "the split routes");
        RoutePlan excluding = new RoutePlan(List.of(4, 6), List.of(), List.of(IpPrefix.parse("2001:db8::/32")));
        assertEquals(32, PathMtuTable.passedOver(excluding.prefixes(6, SPLIT6)));
        assertEquals(0, PathMtuTable.passedOver(List.of(IpPrefix.parse("::/0"))), "route-address ::/0");
        RoutePlan fine = new RoutePlan(List.of(6), List.of(), List.of(IpPrefix.parse("2001:db8:1::/64")));
        assertEquals(-1, PathMtuTable.passedOver(fine.prefixes(6, SPLIT6)),
                "suppressing /64 would pass over the uplink's own subnet as well");
        assertEquals(-1, PathMtuTable.passedOver(List.of()), "no IPv6 through the TUN");
    }

    @Test
    void theCopyAndTheRulesAreEachRecordedBeforeTheyAreMade(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("routes.state");
        List<String> recordedAtRun = new ArrayList<>();
        PathMtuTable table = new PathMtuTable(answering(file, recordedAtRun,
                line -> line.equals("-6 route show default") ? ok(ETH0_DEFAULT) : ok("")));

        RouteState state = table.follow("eth0", 1, captured(file));

        String copy = "-6 default via 2001:db8:1::1 dev eth0 metric 1024 mtu 1400 table 2054";
        assertEquals(List.of("-6 route show default",
                "-6 route add default via 2001:db8:1::1 dev eth0 metric 1024 mtu 1400 table 2054",
                "-6 rule add oif eth0 lookup main suppress_prefixlength 1 priority 9054",
                "-6 rule add oif eth0 lookup 2054 priority 9055"), ran);
        assertTrue(recordedAtRun.get(1).contains("route=" + copy), recordedAtRun.get(1));
        assertTrue(recordedAtRun.get(2).contains("dns=rule -6 oif eth0 lookup main suppress_prefixlength 1 priority 9054"),
                recordedAtRun.get(2));
        assertTrue(recordedAtRun.get(3).contains("dns=rule -6 oif eth0 lookup 2054 priority 9055"), recordedAtRun.get(3));
        List<String> rules = List.of("rule -6 oif eth0 lookup main suppress_prefixlength 1 priority 9054",
                "rule -6 oif eth0 lookup 2054 priority 9055");
        assertEquals(List.of("-6 ::/1 dev turnout0", "-6 8000::/1 dev turnout0", copy), state.routes());
        assertEquals(rules, state.dns());
        assertEquals(state.routes(), RouteState.load(file).routes());
        assertEquals(rules, RouteState.load(file).dns());
    }

    @Test
    void aNewGatewayReplacesTheCopyAndLeavesTheRules(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("routes.state");
        RouteState before = new PathMtuTable(cmd -> ok(String.join(" ", cmd).endsWith("show default") ? ETH0_DEFAULT
                : "")).follow("eth0", 1, captured(file));

        List<String> recordedAtRun = new ArrayList<>();
        RouteState after = new PathMtuTable(answering(file, recordedAtRun, line -> line.endsWith("show default")
                ? ok("default via 2001:db8:1::99 dev eth0 proto static metric 1024 pref medium") : ok("")))
                .follow("eth0", 1, before);

        assertEquals(List.of("-6 route show default",
                "-6 route del default via 2001:db8:1::1 dev eth0 metric 1024 mtu 1400 table 2054",
                "-6 route add default via 2001:db8:1::99 dev eth0 metric 1024 table 2054"), ran);
        assertEquals(List.of("-6 ::/1 dev turnout0", "-6 8000::/1 dev turnout0",
                "-6 default via 2001:db8:1::99 dev eth0 metric 1024 table 2054"), RouteState.load(file).routes());
        assertEquals(before.dns(), after.dns());
        assertEquals(after.routes(), RouteState.load(file).routes());
    }

    @Test
    void anotherUplinkGetsRulesOfItsOwnAndWithoutAnIpv6DefaultRouteNothingIsLeft(@TempDir Path dir)
            throws IOException {
        Path file = dir.resolve("routes.state");
        String both = ETH0_DEFAULT + "\ndefault via 2001:db8:2::1 dev wlan0 proto ra metric 600 pref medium";
        RouteState onEth0 = new PathMtuTable(cmd -> ok(String.join(" ", cmd).endsWith("show default") ? both : ""))
                .follow("eth0", 1, captured(file));

        RouteState onWlan0 = new PathMtuTable(answering(file, new ArrayList<>(),
                line -> line.endsWith("show default") ? ok(both) : ok(""))).follow("wlan0", 1, onEth0);

        assertEquals(List.of("-6 route show default",
                "-6 route del default via 2001:db8:1::1 dev eth0 metric 1024 mtu 1400 table 2054",
                "-6 route add default via 2001:db8:2::1 dev wlan0 metric 600 table 2054",
                "-6 rule del oif eth0 lookup main suppress_prefixlength 1 priority 9054",
                "-6 rule del oif eth0 lookup 2054 priority 9055",
                "-6 rule add oif wlan0 lookup main suppress_prefixlength 1 priority 9054",
                "-6 rule add oif wlan0 lookup 2054 priority 9055"), ran);
        assertEquals(List.of("rule -6 oif wlan0 lookup main suppress_prefixlength 1 priority 9054",
                "rule -6 oif wlan0 lookup 2054 priority 9055"), RouteState.load(file).dns());

        ran.clear();
        RouteState gone = new PathMtuTable(answering(file, new ArrayList<>(),
                line -> line.endsWith("show default") ? ok("") : ok(""))).follow("wlan0", 1, onWlan0);

        assertEquals(List.of("-6 route show default",
                "-6 route del default via 2001:db8:2::1 dev wlan0 metric 600 table 2054",
                "-6 rule del oif wlan0 lookup main suppress_prefixlength 1 priority 9054",
                "-6 rule del oif wlan0 lookup 2054 priority 9055"), ran);
        assertEquals(captured(file).routes(), gone.routes());
        assertEquals(List.of(), gone.dns());
        assertEquals(gone.routes(), RouteState.load(file).routes());
    }

    @Test
    void withoutIpv6ThroughTheTunOrWithoutAnUplinkNothingIsAskedOrMade(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("routes.state");
        RouteState v4only = new RouteState("linux", "turnout0", List.of("-4 0.0.0.0/1 dev turnout0"), file);

        assertEquals(v4only, new PathMtuTable(answering(file, new ArrayList<>(), line -> ok(ETH0_DEFAULT)))
                .follow("eth0", -1, v4only));
        assertEquals(v4only, new PathMtuTable(answering(file, new ArrayList<>(), line -> ok(ETH0_DEFAULT)))
                .follow(null, 1, v4only));
        assertEquals(List.of(), ran);
    }

    @Test
    void aCopyThatCannotBeMadeIsForgottenAndNoRuleIsMade(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("routes.state");
        PathMtuTable table = new PathMtuTable(answering(file, new ArrayList<>(), line -> line.endsWith("show default")
                ? ok(ETH0_DEFAULT) : line.contains("route add") ? new SystemCommand.Result(2, "RTNETLINK answers: "
                + "Network is unreachable") : ok("")));

        RouteState state = table.follow("eth0", 1, captured(file));

        assertEquals(captured(file).routes(), RouteState.load(file).routes());
        assertEquals(captured(file).routes(), state.routes());
        assertEquals(List.of(), state.dns(), "rules to an empty table would only name the uplink");
        assertEquals(List.of("-6 route show default",
                "-6 route add default via 2001:db8:1::1 dev eth0 metric 1024 mtu 1400 table 2054"), ran);
    }

    @Test
    void cleanupDeletesTheRulesAndTheCopyAsRecorded(@TempDir Path dir) throws IOException {
        RouteState state = new RouteState("linux", "turnout0",
                List.of("-6 ::/1 dev turnout0", "-6 default via 2001:db8:1::1 dev eth0 metric 1024 table 2054"),
                List.of("rule -6 oif eth0 lookup main suppress_prefixlength 1 priority 9054",
                        "rule -6 oif eth0 lookup 2054 priority 9055"), dir.resolve("routes.state"));
        List<String> ipRan = new ArrayList<>();
        LinuxSystemDns dns = new LinuxSystemDns(cmd -> {
            ipRan.add(String.join(" ", cmd));
            return ipRan.size() == 1 ? ok("") : new SystemCommand.Result(2, "RTNETLINK answers: No such file or directory");
        }, dir.resolve("resolv.conf"), dir.resolve("no-resolved"), null, "/sbin/ip");

        List<String> done = dns.restore(state);

        assertEquals(List.of("/sbin/ip -6 rule del oif eth0 lookup main suppress_prefixlength 1 priority 9054",
                "/sbin/ip -6 rule del oif eth0 lookup 2054 priority 9055"), ipRan);
        assertTrue(done.get(1).contains("already gone"), done.toString());
        assertEquals(List.of("-6", "route", "del", "default", "via", "2001:db8:1::1", "dev", "eth0", "metric", "1024",
                "table", "2054"), LinuxPlatform.routeArgs("del", state.routes().get(1)));
        assertTrue(PathMtuTable.isCopy(state.routes().get(1)));
        assertTrue(!PathMtuTable.isCopy(state.routes().get(0)));
    }

    @Test
    void aKilledTurnoutsRulesAndCopyAreRemovedAndNoOneElses(@TempDir Path dir) throws IOException {
        String rules = String.join("\n", "0:\tfrom all lookup local",
                "9053:\tfrom all ipproto udp dport 53 lookup 2053",
                "9054:\tfrom all oif wlan0 [detached] lookup main suppress_prefixlength 1",
                "9055:\tfrom all oif wlan0 [detached] lookup 2054",
                "9055:\tfrom all fwmark 0x1 lookup 100",
                "32766:\tfrom all lookup main");
        PathMtuTable table = new PathMtuTable(answering(dir.resolve("none"), new ArrayList<>(),
                line -> line.equals("-6 rule show") ? ok(rules)
                        : line.equals("-6 route show table 2054") ? ok("default via 2001:db8:1::1 dev eth0 metric 1024 pref medium")
                        : ok("")));

        List<String> removed = table.clearLeftovers();

        assertEquals(List.of("-6 rule show",
                "-6 rule del oif wlan0 lookup main suppress_prefixlength 1 priority 9054",
                "-6 rule del oif wlan0 lookup 2054 priority 9055",
                "-6 route show table 2054",
                "-6 route flush table 2054"), ran, "the port-53 rule and another's rule at 9055 stay");
        assertEquals(3, removed.size(), removed.toString());
        assertEquals("ip -6 route del default via 2001:db8:1::1 dev eth0 metric 1024 pref medium table 2054", removed.get(2));
    }

    @Test
    void anEmptyTableIsNotFlushed(@TempDir Path dir) throws IOException {
        PathMtuTable table = new PathMtuTable(answering(dir.resolve("none"), new ArrayList<>(),
                line -> ok(line.equals("-6 rule show") ? "0:\tfrom all lookup local" : "")));

        assertEquals(List.of(), table.clearLeftovers());
        assertEquals(List.of("-6 rule show", "-6 route show table 2054"), ran);
    }
}
