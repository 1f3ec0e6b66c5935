package dev.turnout.host.platform.linux;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ProcRoutesTest {

    @Test
    void picksTheLowestMetricDefaultRouteAndSkipsTheTun() {
        List<String> lines = List.of(
                "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT",
                "turnout0\t00000000\t00000000\t0001\t0\t0\t0\t00000080\t0\t0\t0",
                "wlan0\t00000000\t0102A8C0\t0003\t0\t0\t600\t00000000\t0\t0\t0",
                "eth0\t00000000\t0101A8C0\t0003\t0\t0\t100\t00000000\t0\t0\t0",
                "eth0\t0001A8C0\t00000000\t0001\t0\t0\t100\t00FFFFFF\t0\t0\t0");
        assertEquals(Optional.of("eth0"), ProcRoutes.defaultInterface4(lines, List.of("turnout0")));
        assertEquals(Optional.empty(), ProcRoutes.defaultInterface4(lines.subList(0, 2), List.of("turnout0")),
                "a /1 split route is no default route");
    }

    @Test
    void readsTheIpv6DefaultRouteButNotLoopbackUnreachables() {
        String zero = "00000000000000000000000000000000";
        List<String> lines = List.of(
                zero + " 00 " + zero + " 00 " + zero + " ffffffff 00000001 00000000 00200200       lo",
                "20010db8000000000000000000000000 40 " + zero + " 00 " + zero + " 00000100 00000001 00000000 00000001     eth1",
                zero + " 00 " + zero + " 00 fe800000000000000000000000000001 00000400 00000001 00000000 00000003     eth1");
        assertEquals(Optional.of("eth1"), ProcRoutes.defaultInterface6(lines, List.of()));
    }

    @Test
    void theIpv6DefaultRoutesChangeWithTheirGatewayButNotWithTraffic(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws java.io.IOException {
        String zero = "00000000000000000000000000000000";
        String subnet = "20010db8000000000000000000000000 40 " + zero + " 00 " + zero + " 00000100 00000001 00000000 00000001     eth1\n";
        java.nio.file.Path file = dir.resolve("ipv6_route");
        java.nio.file.Files.writeString(file, subnet + zero + " 00 " + zero + " 00 20010db8000100000000000000000001 00000400 00000001 00000007 00000003     eth1\n");
        String before = ProcRoutes.defaults6(file);
        java.nio.file.Files.writeString(file, subnet + zero + " 00 " + zero + " 00 20010db8000100000000000000000001 00000400 00000005 000003e8 00000003     eth1\n");
        assertEquals(before, ProcRoutes.defaults6(file), "reference and use counts");
        java.nio.file.Files.writeString(file, subnet + zero + " 00 " + zero + " 00 20010db8000100000000000000000003 00000400 00000001 00000007 00000003     eth1\n");
        org.junit.jupiter.api.Assertions.assertNotEquals(before, ProcRoutes.defaults6(file), "another gateway");
        assertEquals("20010db8000100000000000000000001 00000400 00000003 eth1;", before);
        assertEquals("", ProcRoutes.defaults6(dir.resolve("absent")));
    }
}
