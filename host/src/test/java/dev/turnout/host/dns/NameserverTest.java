package dev.turnout.host.dns;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.util.List;
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
    void parsesDnsOverTlsAndHttpsAsClashWritesThem() {
        Nameserver dot = Nameserver.parse("tls://223.5.5.5");
        assertEquals(Nameserver.Protocol.TLS, dot.protocol());
        assertEquals(new InetSocketAddress("223.5.5.5", 853), dot.address());
        assertEquals("tls://223.5.5.5:853", dot.toString());
        Nameserver named = Nameserver.parse("tls://dns.google:8853");
        assertTrue(named.needsLookup());
        assertEquals("dns.google", named.host());
        assertEquals(8853, named.address().getPort());

        Nameserver doh = Nameserver.parse("https://doh.pub/dns-query");
        assertEquals(Nameserver.Protocol.HTTPS, doh.protocol());
        assertEquals("doh.pub", doh.host());
        assertEquals(443, doh.address().getPort());
        assertEquals("/dns-query", doh.path());
        assertEquals("https://doh.pub:443/dns-query", doh.toString());
        assertEquals("/dns-query", Nameserver.parse("https://1.1.1.1").path(), "the usual path when none is given");
        assertEquals("/resolve?ct=x", Nameserver.parse("https://[2001:db8::1]:8443/resolve?ct=x").path());
        assertEquals(new InetSocketAddress("2001:db8::1", 8443),
                Nameserver.parse("https://[2001:db8::1]:8443/resolve").address());
        assertEquals("dns.alidns.com", Nameserver.parse("HTTPS://DNS.AliDNS.com/dns-query").host());

        assertEquals(doh, Nameserver.parse("https://doh.pub/dns-query#DIRECT"), "DNS goes direct anyway");
        assertEquals(doh, Nameserver.parse("https://doh.pub/dns-query#h3=false&DIRECT"));
        Nameserver unchecked = Nameserver.parse("tls://192.0.2.53#skip-cert-verify=true");
        assertTrue(unchecked.skipCertVerify());
        assertEquals("tls://192.0.2.53:853#skip-cert-verify=true", unchecked.toString());
        assertThrows(IllegalArgumentException.class, () -> Nameserver.parse("192.0.2.53#skip-cert-verify=true"),
                "a plain server has no certificate");

        assertEquals(Nameserver.SYSTEM, Nameserver.parse("system"));
        assertEquals(Nameserver.SYSTEM, Nameserver.parse("system://"));
    }

    @Test
    void rejectsWhatItCannotSpeakAsNotSupportedYet() {
        for (String s : new String[] {"quic://1.1.1.1", "h3://dns.google/dns-query", "dhcp://en0", "192.0.2.53#disable-ipv6=true"}) {
            IllegalArgumentException e = assertThrows(Nameserver.Unsupported.class, () -> Nameserver.parse(s));
            assertTrue(e.getMessage().contains("not supported yet"), e.getMessage());
        }
        Nameserver h3 = Nameserver.parse("https://dns.alidns.com/dns-query#h3=true");
        assertEquals("https://dns.alidns.com:443/dns-query", h3.toString(), "asked over HTTP/2, which it serves too");
        assertTrue(Nameserver.asksForHttp3("https://dns.alidns.com/dns-query#h3=true"));
        assertFalse(Nameserver.asksForHttp3("https://dns.alidns.com/dns-query#h3=false"));
    }

    /** A list keeps the servers Turnout speaks, leaving the others out; one of only those is refused. */
    @Test
    void aListLeavesOutWhatItCannotSpeakWhileOthersRemain() {
        assertEquals(List.of(Nameserver.parse("tls://192.0.2.53")), DnsOptions.parseNameservers(List.of(
                "quic://192.0.2.53", "tls://192.0.2.53", "dhcp://system")));
        Nameserver.Unsupported only = assertThrows(Nameserver.Unsupported.class,
                () -> DnsOptions.parseNameservers(List.of("quic://192.0.2.53", "dhcp://system")));
        assertEquals("nameserver 'quic://192.0.2.53': DNS over QUIC is not supported yet", only.getMessage());
        assertThrows(IllegalArgumentException.class, () -> DnsOptions.parseNameservers(List.of("tls://192.0.2.53",
                "nonsense://x")), "a server written wrong is still an error");
    }

    @Test
    void anOutboundAfterTheHashCarriesTheQueries() {
        Nameserver udp = Nameserver.parse("8.8.8.8#PROXY");
        assertEquals("PROXY", udp.via());
        assertEquals("udp://8.8.8.8:53#PROXY", udp.toString());
        Nameserver doh = Nameserver.parse("https://dns.google/dns-query#🇯🇵 JP&skip-cert-verify=true");
        assertEquals("🇯🇵 JP", doh.via(), "a group's name as written, emoji and space included");
        assertTrue(doh.skipCertVerify());
        assertEquals(null, Nameserver.parse("tls://1.1.1.1#DIRECT").via(), "DIRECT is the default");
        assertEquals(Nameserver.RULES, Nameserver.parse("8.8.8.8#rules").via(), "the rules' choice");
        assertEquals(Nameserver.RULES, Nameserver.parse("8.8.8.8").through(Nameserver.RULES).via(), "respect-rules");
        assertEquals(List.of(doh), DnsOptions.lookedUpBy(List.of(doh), "nameserver", name -> false),
                "a name reached through a proxy is looked up at its far end, not by default-nameserver");
    }

    /** mihomo's {@code ecs} beside the other options, on every kind of server Turnout asks. */
    @Test
    void ecsGivesTheServerAClientSubnetBesideItsOtherOptions() {
        Nameserver doh = Nameserver.parse("https://dns.google/dns-query#PROXY&ecs=198.51.100.7/24&ecs-override=true");
        assertEquals("PROXY", doh.via());
        assertEquals(ClientSubnet.parse("198.51.100.0/24"), doh.ecs());
        assertEquals("https://dns.google:443/dns-query#PROXY&ecs=198.51.100.0/24", doh.toString());
        Nameserver udp = Nameserver.parse("192.0.2.53#ecs=203.0.113.1/24");
        assertEquals(Nameserver.Protocol.UDP, udp.protocol());
        assertEquals(null, udp.via());
        assertEquals("udp://192.0.2.53:53#ecs=203.0.113.0/24", udp.toString());
        Nameserver dot = Nameserver.parse("tls://192.0.2.53#skip-cert-verify=true&ECS=2001:db8:abcd:12ff::1/56&DIRECT");
        assertTrue(dot.skipCertVerify());
        assertEquals("tls://192.0.2.53:853#skip-cert-verify=true&ecs=2001:db8:abcd:1200::/56", dot.toString());
        assertEquals("tcp://192.0.2.53:53#ecs=198.51.100.9/32", Nameserver.parse("tcp://192.0.2.53#ecs=198.51.100.9")
                .toString(), "a lone address is a /32, as mihomo takes it");
        assertEquals(ClientSubnet.parse("198.51.100.0/24"), Nameserver.parse("192.0.2.53#ecs=203.0.113.0/24&ecs="
                + "198.51.100.0/24").ecs(), "the last one written counts");
        assertEquals(Nameserver.parse("192.0.2.53"), Nameserver.parse("192.0.2.53#ecs-override=false"),
                "ecs-override alone changes nothing: Turnout's queries carry no subnet but the server's");
        assertEquals(udp.ecs(), udp.through(Nameserver.RULES).ecs(), "respect-rules keeps it");
        assertEquals(udp, Nameserver.parse(udp.toString()), "what toString writes reads back the same");
        assertTrue(Nameserver.parse("192.0.2.53").ecs() == null);
    }

    @Test
    void aMalformedEcsIsAMistakeInTheEntryNotSomethingLeftOut() {
        for (String s : new String[] {"192.0.2.53#ecs=banana", "https://dns.google/dns-query#PROXY&ecs=198.51.100.0/40",
                "tls://192.0.2.53#ecs=", "192.0.2.53#ecs=2001:db8::/129"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Nameserver.parse(s));
            assertFalse(e instanceof Nameserver.Unsupported, s);
            assertTrue(e.getMessage().startsWith("nameserver '" + s + "': ecs '"), e.getMessage());
        }
        assertEquals("nameserver '192.0.2.53#ecs=198.51.100.0/40': ecs '198.51.100.0/40': prefix /40 is longer than "
                + "an IPv4 address (32 bits)", assertThrows(IllegalArgumentException.class,
                        () -> Nameserver.parse("192.0.2.53#ecs=198.51.100.0/40")).getMessage());
        assertThrows(Nameserver.Unsupported.class, () -> Nameserver.parse("192.0.2.53#ecs-override=maybe"),
                "read as mihomo's other true/false options are");
        assertThrows(IllegalArgumentException.class, () -> new Nameserver(Nameserver.Protocol.RCODE, null, "success",
                null, false, null, ClientSubnet.parse("198.51.100.0/24")), "a made-up answer asks nobody");
    }

    @Test
    void rcodeAnswersAreMihomosSixNames() {
        Nameserver success = Nameserver.parse("rcode://success");
        assertEquals(Nameserver.Protocol.RCODE, success.protocol());
        assertEquals(io.netty.handler.codec.dns.DnsResponseCode.NOERROR, success.rcode());
        assertEquals("rcode://success", success.toString());
        assertEquals(io.netty.handler.codec.dns.DnsResponseCode.NXDOMAIN, Nameserver.parse("RCODE://Name_Error").rcode());
        assertEquals(io.netty.handler.codec.dns.DnsResponseCode.REFUSED, Nameserver.parse("rcode://refused").rcode());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Nameserver.parse("rcode://nxdomain"));
        assertEquals("nameserver 'rcode://nxdomain': unknown rcode answer 'nxdomain' (one of format_error, name_error,"
                + " not_implemented, refused, server_failure, success)", e.getMessage());
        assertEquals(List.of(Nameserver.parse("223.5.5.5")), DnsOptions.addressedOf(List.of(success,
                Nameserver.parse("223.5.5.5")), List.of()), "an rcode answer looks up no server's name");
    }

    @Test
    void takesPlainAndTcpServersByHostNameAsMihomoDoes() {
        Nameserver plain = Nameserver.parse("dns.google");
        assertEquals(Nameserver.Protocol.UDP, plain.protocol());
        assertTrue(plain.needsLookup());
        assertEquals("udp://dns.google:53", plain.toString());
        Nameserver tcp = Nameserver.parse("tcp://NS.Example.test:5353");
        assertEquals(Nameserver.Protocol.TCP, tcp.protocol());
        assertEquals("ns.example.test", tcp.host());
        assertEquals(5353, tcp.address().getPort());
        assertEquals(List.of(), DnsOptions.addressedOf(List.of(plain, tcp), List.of()), "names look nothing up");
    }

    @Test
    void rejectsBadNamesAndBadPorts() {
        assertThrows(IllegalArgumentException.class, () -> Nameserver.parse("tls://bad_name.example"));
        assertThrows(IllegalArgumentException.class, () -> Nameserver.parse("tls://1.1.1.1/path"));
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
