package dev.turnout.host.platform.macos;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.turnout.host.platform.IpPrefix;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class MacRouteCommandsTest {

    private static List<String> lines(List<List<String>> cmds) {
        return cmds.stream().map(c -> String.join(" ", c)).toList();
    }

    @Test
    void defaultConfigGivesClashXStyleIfconfigAndSubnetRoute() {
        // TunOptions' defaults: 198.18.0.1/30, MTU 9000; utun10 as ClashX Pro's device
        List<List<String>> cmds = MacRouteCommands.configure("utun10", List.of(IpPrefix.parse("198.18.0.1/30")), 9000);
        assertEquals(List.of(
                "ifconfig utun10 inet 198.18.0.1 198.18.0.1 netmask 255.255.255.252 mtu 9000 up",
                "route -n add -net 198.18.0.0/30 -interface utun10"), lines(cmds));
    }

    @Test
    void anExcludedRangeIsCutOutOfClashXsRoutesInRecordsRouteAccepts() {
        List<String> records = MacRouteCommands.splitRouteRecords("utun4", new dev.turnout.host.platform.RoutePlan(
                List.of(4, 6), List.of(), List.of(IpPrefix.parse("192.168.0.0/16"), IpPrefix.parse("fd00::/8"))));
        List<String> cmds = records.stream().map(r -> String.join(" ", MacRouteCommands.add(r))).toList();
        assertTrue(cmds.contains("route -n add -net 128.0.0.0/2 -interface utun4"), cmds::toString);
        assertTrue(cmds.contains("route -n add -net 192.169.0.0/16 -interface utun4"), cmds::toString);
        assertTrue(cmds.contains("route -n add -inet6 -net fe00::/7 -interface utun4"), cmds::toString);
        assertTrue(cmds.stream().noneMatch(c -> c.contains("128.0.0.0/1") || c.contains("192.168.0.0")
                || c.contains(" 8000::/1")), cmds::toString);
        assertEquals(7 + 15 + 1 + 7, cmds.size(), "7 untouched /8../2, 15 around the /16, ::/1, 7 around fd00::/8");
    }

    @Test
    void defaultConfigAutoRouteGivesClashXsEightIpv4Routes() {
        List<String> records = MacRouteCommands.splitRouteRecords("utun10", List.of(4));
        List<String> cmds = records.stream().map(r -> String.join(" ", MacRouteCommands.add(r))).toList();
        assertEquals(List.of(
                "route -n add -net 1.0.0.0/8 -interface utun10",
                "route -n add -net 2.0.0.0/7 -interface utun10",
                "route -n add -net 4.0.0.0/6 -interface utun10",
                "route -n add -net 8.0.0.0/5 -interface utun10",
                "route -n add -net 16.0.0.0/4 -interface utun10",
                "route -n add -net 32.0.0.0/3 -interface utun10",
                "route -n add -net 64.0.0.0/2 -interface utun10",
                "route -n add -net 128.0.0.0/1 -interface utun10"), cmds);
        assertEquals("route -n delete -net 1.0.0.0/8 -interface utun10",
                String.join(" ", MacRouteCommands.delete(records.get(0))));
    }

    @Test
    void dualStackConfigAddsInet6AliasAndBothSplits() {
        List<IpPrefix> addrs = List.of(IpPrefix.parse("198.18.0.1/30"), IpPrefix.parse("fdfe:dcba:9876::1/126"));
        assertEquals(List.of(
                "ifconfig utun3 inet 198.18.0.1 198.18.0.1 netmask 255.255.255.252 mtu 1500 up",
                "ifconfig utun3 inet6 fdfe:dcba:9876::1 prefixlen 126 alias",
                "route -n add -net 198.18.0.0/30 -interface utun3",
                "route -n add -inet6 -net fdfe:dcba:9876::/126 -interface utun3"),
                lines(MacRouteCommands.configure("utun3", addrs, 1500)));

        List<String> records = MacRouteCommands.splitRouteRecords("utun3", List.of(4, 6));
        assertEquals(10, records.size());
        assertEquals("route -n add -inet6 -net ::/1 -interface utun3", String.join(" ", MacRouteCommands.add(records.get(8))));
        assertEquals("route -n add -inet6 -net 8000::/1 -interface utun3", String.join(" ", MacRouteCommands.add(records.get(9))));
        assertEquals("route -n delete -inet6 -net 8000::/1 -interface utun3",
                String.join(" ", MacRouteCommands.delete(records.get(9))));
    }

    @Test
    void ipv6OnlyStillSetsMtuAndUp() {
        assertEquals(List.of(
                "ifconfig utun0 mtu 9000 up",
                "ifconfig utun0 inet6 2001:db8::1 prefixlen 64 alias",
                "route -n add -inet6 -net 2001:db8::/64 -interface utun0"),
                lines(MacRouteCommands.configure("utun0", List.of(IpPrefix.parse("2001:db8::1/64")), 9000)));
        assertEquals(List.of("-inet6 -net ::/1 -interface utun0", "-inet6 -net 8000::/1 -interface utun0"),
                MacRouteCommands.splitRouteRecords("utun0", List.of(6)));
    }

    /**
     * The seed thread's {@code netstat -rn} shows ClashX's routes in classful shorthand ({@code 1} is
     * 1.0.0.0/8, {@code 128.0/1} is 128.0.0.0/1); expanded, they must be exactly our table, and together cover
     * every address from 1.0.0.0 up, without overlap.
     */
    @Test
    void ipv4SplitIsTheTableFromTheSeedThreadAndCoversAllButZeroSlash8() {
        List<String> expanded = new ArrayList<>();
        for (String s : "1, 2/7, 4/6, 8/5, 16/4, 32/3, 64/2, 128.0/1".split(",\\s*")) {
            String net = s.contains("/") ? s.substring(0, s.indexOf('/')) : s;
            int octets = net.split("\\.").length;
            int len = s.contains("/") ? Integer.parseInt(s.substring(s.indexOf('/') + 1)) : octets * 8;
            expanded.add(net + ".0".repeat(4 - octets) + "/" + len);
        }
        assertEquals(MacRouteCommands.SPLIT4, expanded);

        long next = 1L << 24; // 1.0.0.0
        for (String p : MacRouteCommands.SPLIT4) {
            IpPrefix prefix = IpPrefix.parse(p);
            byte[] a = prefix.address().getAddress();
            long start = ((a[0] & 0xFFL) << 24) | ((a[1] & 0xFF) << 16) | ((a[2] & 0xFF) << 8) | (a[3] & 0xFF);
            assertEquals(next, start, "contiguous at " + p);
            next = start + (1L << (32 - prefix.prefixLength()));
        }
        assertEquals(1L << 32, next, "ends at 255.255.255.255");
    }

    @Test
    void refusesRecordsItDidNotWrite() {
        for (String bad : new String[] {
            "-net 1.0.0.0/8 -interface en0",
            "-net 0.0.0.0/0 -interface utun1 ; reboot",
            "default -interface utun1",
            "-net 1.0.0.0/8 -interface utun1 -ifscope en0",
            "-inet6 -net ::/0x -interface utun1"}) {
            assertThrows(IllegalArgumentException.class, () -> MacRouteCommands.delete(bad), bad);
        }
    }

    @Test
    void refusesNonUtunDevicesAndBadInput() {
        assertThrows(IllegalArgumentException.class, () -> MacRouteCommands.splitRouteRecords("en0", List.of(4)));
        assertThrows(IllegalArgumentException.class, () -> MacRouteCommands.splitRouteRecords("utun1", List.of(5)));
        assertThrows(IllegalArgumentException.class,
                () -> MacRouteCommands.configure("utun1", List.of(IpPrefix.parse("198.18.0.1/30")), 576));
    }

    @Test
    void formatsMasksAndShortIpv6() throws Exception {
        assertEquals("255.255.255.252", MacRouteCommands.netmask4(30));
        assertEquals("255.254.0.0", MacRouteCommands.netmask4(15));
        assertEquals("0.0.0.0", MacRouteCommands.netmask4(0));
        assertEquals("255.255.255.255", MacRouteCommands.netmask4(32));
        assertEquals("198.18.0.0/15", MacRouteCommands.network(IpPrefix.parse("198.19.255.254/15")));
        assertEquals("2001:db8:0:1::1", MacRouteCommands.text(java.net.InetAddress.getByName("2001:db8:0:1:0:0:0:1")));
        assertEquals("::", MacRouteCommands.text(java.net.InetAddress.getByName("::")));
        assertEquals("8000::", MacRouteCommands.text(java.net.InetAddress.getByName("8000::")));
        assertEquals("2001:db8::1:0:0:1", MacRouteCommands.text(java.net.InetAddress.getByName("2001:db8:0:0:1:0:0:1")));
    }
}
