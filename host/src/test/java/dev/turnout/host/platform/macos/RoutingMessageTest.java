package dev.turnout.host.platform.macos;

import static dev.turnout.host.platform.macos.DarwinRoutingMessages.IFF_RUNNING;
import static dev.turnout.host.platform.macos.DarwinRoutingMessages.IFF_UP;
import static dev.turnout.host.platform.macos.DarwinRoutingMessages.RTA_DST;
import static dev.turnout.host.platform.macos.DarwinRoutingMessages.RTA_GATEWAY;
import static dev.turnout.host.platform.macos.DarwinRoutingMessages.RTA_NETMASK;
import static dev.turnout.host.platform.macos.DarwinRoutingMessages.RTF_GATEWAY;
import static dev.turnout.host.platform.macos.DarwinRoutingMessages.RTF_HOST;
import static dev.turnout.host.platform.macos.DarwinRoutingMessages.RTF_IFSCOPE;
import static dev.turnout.host.platform.macos.DarwinRoutingMessages.RTF_LLINFO;
import static dev.turnout.host.platform.macos.DarwinRoutingMessages.RTF_STATIC;
import static dev.turnout.host.platform.macos.DarwinRoutingMessages.RTF_UP;
import static dev.turnout.host.platform.macos.DarwinRoutingMessages.RTF_WASCLONED;
import static dev.turnout.host.platform.macos.DarwinRoutingMessages.concat;
import static dev.turnout.host.platform.macos.DarwinRoutingMessages.ifinfo;
import static dev.turnout.host.platform.macos.DarwinRoutingMessages.inet;
import static dev.turnout.host.platform.macos.DarwinRoutingMessages.inet6;
import static dev.turnout.host.platform.macos.DarwinRoutingMessages.link;
import static dev.turnout.host.platform.macos.DarwinRoutingMessages.mask;
import static dev.turnout.host.platform.macos.DarwinRoutingMessages.route;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Darwin's routing-socket messages parsed from their bytes, and which of them may move the default route. */
class RoutingMessageTest {

    private static RoutingMessage one(byte[] bytes) {
        List<RoutingMessage> all = RoutingMessage.parse(bytes, bytes.length);
        assertEquals(1, all.size(), all.toString());
        return all.get(0);
    }

    @Test
    void theHeaderFieldsSitWhereRouteHPutsThem() {
        byte[] m = route(RoutingMessage.RTM_CHANGE, 0x1234, RTF_UP | RTF_GATEWAY, RTA_DST, 17, inet(10, 0, 0, 0));
        assertEquals(92 + 16, m.length, "rt_msghdr is 92 bytes on Darwin");
        RoutingMessage r = one(m);
        assertEquals(RoutingMessage.RTM_CHANGE, r.type());
        assertEquals(0x1234, r.index());
        assertEquals(RTF_UP | RTF_GATEWAY, r.flags());
        assertEquals(17, r.errno());
        assertEquals(RoutingMessage.Destination.OTHER, r.destination());

        RoutingMessage i = one(ifinfo(6, IFF_UP | IFF_RUNNING));
        assertEquals(RoutingMessage.RTM_IFINFO, i.type());
        assertEquals(6, i.index());
        assertEquals(IFF_UP | IFF_RUNNING, i.flags());
    }

    @Test
    void theDefaultRouteAddedDeletedOrChangedMayMoveIt() {
        // route -n add default 192.0.2.1, as Wi-Fi's DHCP client does: dst 0.0.0.0, gateway, empty mask.
        for (int type : new int[] {RoutingMessage.RTM_ADD, RoutingMessage.RTM_DELETE, RoutingMessage.RTM_CHANGE}) {
            RoutingMessage r = one(route(type, 4, RTF_UP | RTF_GATEWAY | RTF_STATIC, RTA_DST | RTA_GATEWAY | RTA_NETMASK, 0,
                    inet(0, 0, 0, 0), inet(192, 0, 2, 1), mask()));
            assertEquals(RoutingMessage.Destination.UNSPECIFIED, r.destination());
            assertTrue(r.zeroMask());
            assertTrue(r.mayMoveDefaultRoute(), "type " + type);
        }
        // The interface-scoped default route each service keeps (RTF_IFSCOPE), IPv6 with a link gateway.
        assertTrue(one(route(RoutingMessage.RTM_ADD, 5, RTF_UP | RTF_GATEWAY | RTF_IFSCOPE, RTA_DST | RTA_GATEWAY | RTA_NETMASK,
                0, inet6(new byte[16]), link(5), mask())).mayMoveDefaultRoute());
        // A message without a destination says too little: look again.
        assertTrue(one(route(RoutingMessage.RTM_DELETE, 4, RTF_UP, 0, 0)).mayMoveDefaultRoute());
    }

    @Test
    void anInterfaceGoingUpOrDownMayMoveIt() {
        assertTrue(one(ifinfo(4, 0)).mayMoveDefaultRoute());
        assertTrue(one(ifinfo(4, IFF_UP | IFF_RUNNING)).mayMoveDefaultRoute());
    }

    @Test
    void otherRoutesNeighboursAndFailedRequestsDoNot() {
        // Turnout's own split route 128.0.0.0/1 via the utun.
        assertFalse(one(route(RoutingMessage.RTM_ADD, 9, RTF_UP | RTF_STATIC, RTA_DST | RTA_GATEWAY | RTA_NETMASK, 0,
                inet(128, 0, 0, 0), link(9), mask(0x80))).mayMoveDefaultRoute());
        // 0.0.0.0/1 has the default's destination but not its mask.
        RoutingMessage half = one(route(RoutingMessage.RTM_ADD, 9, RTF_UP | RTF_STATIC, RTA_DST | RTA_GATEWAY | RTA_NETMASK, 0,
                inet(0, 0, 0, 0), link(9), mask(0x80)));
        assertEquals(RoutingMessage.Destination.UNSPECIFIED, half.destination());
        assertFalse(half.zeroMask());
        assertFalse(half.mayMoveDefaultRoute());
        // An ARP entry coming and going (host, link-layer, cloned): the busiest messages on a LAN.
        assertFalse(one(route(RoutingMessage.RTM_DELETE, 4, RTF_UP | RTF_HOST | RTF_LLINFO | RTF_WASCLONED,
                RTA_DST | RTA_GATEWAY, 0, inet(192, 0, 2, 77), link(4))).mayMoveDefaultRoute());
        // Another process's "route add default" that failed (EEXIST) is echoed with rtm_errno set: nothing changed.
        assertFalse(one(route(RoutingMessage.RTM_ADD, 4, RTF_UP | RTF_GATEWAY, RTA_DST | RTA_GATEWAY | RTA_NETMASK, 17,
                inet(0, 0, 0, 0), inet(192, 0, 2, 1), mask())).mayMoveDefaultRoute());
        // RTM_GET (someone ran "route get"): a query, not a change; it parses to nothing.
        assertEquals(List.of(), RoutingMessage.parse(route(0x4, 4, RTF_UP, RTA_DST, 0, inet(0, 0, 0, 0)), 108));
    }

    @Test
    void aBufferOfSeveralMessagesIsWalkedByMsglenAndBadOnesStopOrAreSkipped() {
        byte[] arp = route(RoutingMessage.RTM_ADD, 4, RTF_HOST | RTF_LLINFO, RTA_DST | RTA_GATEWAY, 0, inet(192, 0, 2, 9), link(4));
        byte[] newaddr = new byte[20];
        newaddr[0] = 20;
        newaddr[2] = 5;
        newaddr[3] = 0xc; // RTM_NEWADDR: not read by this monitor, skipped by its length
        byte[] oldVersion = ifinfo(3, 0);
        oldVersion[2] = 4;
        byte[] def = route(RoutingMessage.RTM_DELETE, 4, RTF_UP | RTF_GATEWAY, RTA_DST | RTA_GATEWAY | RTA_NETMASK, 0,
                inet(0, 0, 0, 0), inet(192, 0, 2, 1), mask());
        byte[] all = concat(arp, newaddr, oldVersion, def);
        List<RoutingMessage> parsed = RoutingMessage.parse(all, all.length);
        assertEquals(2, parsed.size(), parsed.toString());
        assertFalse(parsed.get(0).mayMoveDefaultRoute());
        assertTrue(parsed.get(1).mayMoveDefaultRoute());

        // Truncated (the read was shorter than msglen), or a length that cannot be: nothing from there on.
        assertEquals(1, RoutingMessage.parse(all, all.length - 1).size());
        byte[] zero = Arrays.copyOf(def, def.length);
        zero[0] = 0;
        zero[1] = 0;
        assertEquals(List.of(), RoutingMessage.parse(zero, zero.length));
        // A header that claims the full 92 bytes but is shorter is not read past its end.
        byte[] shortRoute = Arrays.copyOf(def, 40);
        shortRoute[0] = 40;
        assertEquals(List.of(), RoutingMessage.parse(shortRoute, shortRoute.length));
    }
}
