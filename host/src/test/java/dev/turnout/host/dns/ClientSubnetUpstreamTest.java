package dev.turnout.host.dns;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.turnout.host.dial.SocketBinder;
import dev.turnout.host.dial.Transport;
import dev.turnout.host.dial.layer.TlsLayer;
import io.netty.channel.EventLoopGroup;
import io.netty.handler.codec.dns.DnsRecordType;
import java.io.DataInputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * mihomo's {@code #ecs=}: what each query to such a server carries, read from the bytes a socket of the test's
 * own received, and what real servers received: dnsmasq over UDP (from its own record of the queries), unbound over
 * TCP, TLS and HTTPS (which passes the subnet on to that dnsmasq: its subnetcache module reads the option, and sends
 * its own client's subnet instead when a query has none). All on 127.0.0.1; the subnets are documentation ranges.
 */
class ClientSubnetUpstreamTest {

    @TempDir
    static Path dir;
    private static DnsmasqDump dump;
    private static Dnsmasq dnsmasq;
    private static Unbound unbound;
    private static EventLoopGroup group;

    @BeforeAll
    static void start() throws Exception {
        group = Transport.newGroup(2, "client-subnet-test");
        dump = new DnsmasqDump(dir.resolve("dnsmasq.pcap"));
        dnsmasq = Dnsmasq.start(dump.args());
        unbound = Unbound.forwardingSubnets(dir.resolve("unbound"), "example.test", dnsmasq.address);
    }

    @AfterAll
    static void stop() throws Exception {
        if (group != null) {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(10, TimeUnit.SECONDS);
        }
        if (unbound != null) {
            unbound.close();
        }
        if (dnsmasq != null) {
            dnsmasq.close();
        }
    }

    private static UpstreamResolver resolver(String server, int ednsUdpSize) {
        return new UpstreamResolver(UpstreamResolver.Servers.of(List.of(Nameserver.parse(server))), HostsTable.empty(),
                false, group, SocketBinder.NONE, new TlsLayer(unbound.certificates.caCertificate().toString()), a -> false,
                UpstreamResolver.Settings.within(Duration.ofSeconds(2), 64, ednsUdpSize));
    }

    /** The first query {@code server} (its port left to fill in) sends, as a socket of this test receives it. */
    private static byte[] firstQuery(String protocol, String server, int ednsUdpSize) throws Exception {
        if (protocol.equals("udp")) {
            try (DatagramSocket s = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
                s.setSoTimeout(5000);
                try (UpstreamResolver r = resolver(server.formatted(s.getLocalPort()), ednsUdpSize)) {
                    r.query("asked.example.test", DnsRecordType.A);
                    DatagramPacket p = new DatagramPacket(new byte[65535], 65535);
                    s.receive(p);
                    return Arrays.copyOf(p.getData(), p.getLength());
                }
            }
        }
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            s.setSoTimeout(5000);
            try (UpstreamResolver r = resolver(server.formatted(s.getLocalPort()), ednsUdpSize)) {
                r.query("asked.example.test", DnsRecordType.A);
                try (Socket c = s.accept()) {
                    c.setSoTimeout(5000);
                    DataInputStream in = new DataInputStream(c.getInputStream());
                    return in.readNBytes(in.readUnsignedShort()); // RFC 1035's two-byte length first
                }
            }
        }
    }

    @ParameterizedTest(name = "{0} #ecs={1}")
    @CsvSource({
        "udp, 198.51.100.77/24, 1, 24, c63364",
        "udp, 198.51.100.77/20, 1, 20, c63360",
        "udp, 203.0.113.9, 1, 32, cb007109",
        "udp, 192.0.2.1/0, 1, 0, ''",
        "tcp, 2001:db8:abcd:12ff::1/56, 2, 56, 20010db8abcd12",
        "tcp, 2001:db8:abcd:12ff::1/60, 2, 60, 20010db8abcd12f0",
        "udp, 2001:db8::1, 2, 128, 20010db8000000000000000000000001",
    })
    void everyQueryCarriesTheServersSubnetCutToItsPrefix(String protocol, String ecs, int family, int prefix,
            String address) throws Exception {
        byte[] query = firstQuery(protocol, protocol + "://127.0.0.1:%d#ecs=" + ecs, 1232);
        assertEquals(new SentSubnet(1232, family, prefix, 0, address), SentSubnet.in(query));
        assertEquals("asked.example.test", SentSubnet.questionOf(query));
    }

    @Test
    void aSubnetGoesInAnOptRecordEvenWhereNoneIsAdvertised() throws Exception {
        assertEquals(new SentSubnet(512, 1, 24, 0, "c63364"),
                SentSubnet.in(firstQuery("udp", "udp://127.0.0.1:%d#ecs=198.51.100.0/24", 0)));
        assertNull(SentSubnet.in(firstQuery("udp", "udp://127.0.0.1:%d", 1232)), "a server without ecs: no subnet");
    }

    @Test
    void dnsmasqReceivesTheSubnetOverUdp() throws Exception {
        try (UpstreamResolver r = resolver("127.0.0.1:" + dnsmasq.address.getPort() + "#ecs=198.51.100.0/24", 1232)) {
            assertEquals(InetAddress.getByName(Dnsmasq.EXAMPLE_ADDRESS), r.lookup("udp.ecs.example.test"));
        }
        assertEquals(List.of(new SentSubnet(1232, 1, 24, 0, "c63364")), dump.subnetsAskedFor("udp.ecs.example.test"));
    }

    /**
     * unbound reads the subnet off the query and asks dnsmasq with it, where a query without one makes it send its
     * own client's, 127.0.0.0/24: so the subnet dnsmasq sees came from Turnout's query.
     */
    @ParameterizedTest(name = "{0}")
    @CsvSource({
        "tcp, 198.51.100.0/24, 1, 24, c63364",
        "tls, 2001:db8:abcd:1200::/56, 2, 56, 20010db8abcd12",
        "https, 198.51.100.0/24, 1, 24, c63364",
    })
    void unboundReceivesTheSubnetOverTcpTlsAndHttps(String scheme, String ecs, int family, int prefix, String address)
            throws Exception {
        int port = switch (scheme) {
            case "tls" -> unbound.tlsPort;
            case "https" -> unbound.httpsPort;
            default -> unbound.plainPort;
        };
        String server = scheme + "://127.0.0.1:" + port + (scheme.equals("https") ? "/dns-query" : "");
        String withSubnet = scheme + ".ecs.example.test";
        String without = scheme + ".plain.example.test";
        try (UpstreamResolver r = resolver(server + "#ecs=" + ecs, 1232);
                UpstreamResolver plain = resolver(server, 1232)) {
            InetAddress expected = InetAddress.getByName(Dnsmasq.EXAMPLE_ADDRESS);
            assertEquals(expected, r.lookup(withSubnet), unbound.log());
            assertEquals(expected, plain.lookup(without), unbound.log());
        }
        // unbound asks again without a subnet when the answer echoes none, and dnsmasq's never do: any of its queries.
        List<SentSubnet> told = dump.subnetsAskedFor(withSubnet);
        assertTrue(told.stream().filter(Objects::nonNull).anyMatch(s -> s.family() == family
                && s.sourcePrefixLength() == prefix && s.address().equals(address)), "dnsmasq was asked " + told);
        List<SentSubnet> own = dump.subnetsAskedFor(without);
        assertTrue(own.stream().filter(Objects::nonNull).anyMatch(s -> s.family() == 1 && s.sourcePrefixLength() == 24
                && s.address().equals("7f0000")), "unbound's own client's subnet, 127.0.0.0/24: " + own);
    }
}
