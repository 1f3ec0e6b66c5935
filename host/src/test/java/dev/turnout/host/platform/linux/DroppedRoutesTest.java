package dev.turnout.host.platform.linux;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The routes the kernel dropped, read from the proc files' own formats. */
class DroppedRoutesTest {

    private static final List<String> RECORDED = List.of("-4 192.0.2.2/32 dev tun0", "-4 0.0.0.0/1 dev tun0",
            "-4 128.0.0.0/1 dev tun0", "-6 ::/1 dev tun0", "-6 8000::/1 dev tun0", "-4 default dev tun0 table 2053");

    @Test
    void routesStillListedAreNotMissingAndATablesRouteIsNotLookedAt(@TempDir Path dir) throws IOException {
        DroppedRoutes routes = new DroppedRoutes(Files.writeString(dir.resolve("route"), String.join("\n",
                "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT",
                "eth0\t00000000\t010200C0\t0003\t0\t0\t0\t00000000\t0\t0\t0",
                "tun0\t00000000\t00000000\t0001\t0\t0\t0\t00000080\t0\t0\t0",
                "tun0\t00000080\t00000000\t0001\t0\t0\t0\t00000080\t0\t0\t0",
                "tun0\t020200C0\t00000000\t0005\t0\t0\t0\tFFFFFFFF\t0\t0\t0", "")),
                Files.writeString(dir.resolve("ipv6_route"), String.join("\n",
                        "00000000000000000000000000000000 01 00000000000000000000000000000000 00 "
                                + "00000000000000000000000000000000 00000400 00000000 00000000 00000001     tun0",
                        "80000000000000000000000000000000 01 00000000000000000000000000000000 00 "
                                + "00000000000000000000000000000000 00000400 00000000 00000000 00000001     tun0", "")));
        assertEquals(List.of(), routes.missing(RECORDED));
    }

    @Test
    void afterTheDeviceWentDownItsRoutesAreMissing(@TempDir Path dir) throws IOException {
        // What the kernel leaves once the device is up again: its subnet route, none of Turnout's.
        DroppedRoutes routes = new DroppedRoutes(Files.writeString(dir.resolve("route"), String.join("\n",
                "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT",
                "tun0\t000012C6\t00000000\t0001\t0\t0\t0\tFCFFFFFF\t0\t0\t0", "")), dir.resolve("none"));
        assertEquals(RECORDED.subList(0, 5), routes.missing(RECORDED));
    }
}
