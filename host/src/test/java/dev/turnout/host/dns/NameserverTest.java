package dev.turnout.host.dns;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import org.junit.jupiter.api.Test;

class NameserverTest {

    @Test
    void parsesClashForms() {
        assertEquals(new Nameserver(Nameserver.Protocol.UDP, new InetSocketAddress("8.8.8.8", 53)),
                Nameserver.parse("8.8.8.8"));
        assertEquals(new Nameserver(Nameserver.Protocol.UDP, new InetSocketAddress("1.2.3.4", 53)),
                Nameserver.parse("udp://1.2.3.4:53"));
        assertEquals(new Nameserver(Nameserver.Protocol.TCP, new InetSocketAddress("1.2.3.4", 5353)),
                Nameserver.parse("tcp://1.2.3.4:5353"));
        assertEquals(new Nameserver(Nameserver.Protocol.UDP, new InetSocketAddress("1.2.3.4", 5353)),
                Nameserver.parse("1.2.3.4:5353"));
        assertEquals(new Nameserver(Nameserver.Protocol.UDP, new InetSocketAddress("2001:db8::1", 53)),
                Nameserver.parse("[2001:db8::1]:53"));
        assertEquals(new Nameserver(Nameserver.Protocol.UDP, new InetSocketAddress("2001:db8::1", 53)),
                Nameserver.parse("2001:db8::1"));
    }

    @Test
    void rejectsEncryptedTransportsAsNotSupportedYet() {
        for (String s : new String[] {"https://1.1.1.1/dns-query", "tls://1.1.1.1:853", "quic://1.1.1.1",
                "dhcp://en0", "8.8.8.8#PROXY"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Nameserver.parse(s));
            assertTrue(e.getMessage().contains("not supported yet"), e.getMessage());
        }
    }

    @Test
    void rejectsHostNamesAndBadPorts() {
        assertThrows(IllegalArgumentException.class, () -> Nameserver.parse("dns.google"));
        assertThrows(IllegalArgumentException.class, () -> Nameserver.parse("1.2.3.4:0"));
        assertThrows(IllegalArgumentException.class, () -> Nameserver.parse("1.2.3.4:99999"));
        assertThrows(IllegalArgumentException.class, () -> Nameserver.parse("1.2.3.256"));
    }

    @Test
    void optionsDefaultToClashValues() {
        DnsOptions o = DnsOptions.defaults();
        assertEquals("198.18.0.1/16", o.fakeIpRange().toString());
        assertEquals(EnhancedMode.NORMAL, o.enhancedMode());
        assertEquals(EnhancedMode.FAKE_IP, EnhancedMode.parse("fake-ip"));
        assertEquals(new InetSocketAddress("127.0.0.1", 1053), DnsOptions.parseListen("127.0.0.1:1053"));
        assertEquals(53, DnsOptions.parseListen(":53").getPort());
    }
}
