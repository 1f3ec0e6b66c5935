package dev.turnout.host.platform.macos;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Optional;
import org.junit.jupiter.api.Test;

class RouteGetOutputTest {

    @Test
    void readsTheInterfaceOfAWifiDefaultRoute() {
        String out = """
                   route to: default
                destination: default
                       mask: default
                    gateway: 192.168.1.1
                  interface: en0
                      flags: <UP,GATEWAY,DONE,STATIC,PRCLONING,GLOBAL>
                 recvpipe  sendpipe  ssthresh  rtt,msec    rttvar  hopcount      mtu     expire
                       0         0         0         0         0         0      1500         0
                """;
        assertEquals(Optional.of("en0"), RouteGetOutput.interfaceName(out));
    }

    @Test
    void readsAnIpv6DefaultThroughAnotherInterface() {
        String out = "   route to: ::\ndestination: default\n       mask: default\n    gateway: fe80::1%en7\n"
                + "  interface: en7\n      flags: <UP,GATEWAY,DONE,STATIC,PRCLONING,GLOBAL>\n";
        assertEquals(Optional.of("en7"), RouteGetOutput.interfaceName(out));
    }

    @Test
    void findsNothingWithoutADefaultRoute() {
        assertEquals(Optional.empty(), RouteGetOutput.interfaceName("route: writing to routing socket: not in table"));
        assertEquals(Optional.empty(), RouteGetOutput.interfaceName(""));
        assertEquals(Optional.empty(), RouteGetOutput.interfaceName("  interface: \n"));
        assertEquals(Optional.empty(), RouteGetOutput.interfaceName("  interface: en0; rm -rf /\n"));
    }
}
