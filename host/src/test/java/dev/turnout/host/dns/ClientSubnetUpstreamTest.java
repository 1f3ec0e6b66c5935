package dev.turnout.host.dns;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.turnout.host.dial.SocketBinder;
import dev.turnout.host.dial.Transport;
import dev.turnout.host.dial.layer.TlsLayer;
import io.netty.channel.EventLoopGroup;
import io.netty.handler.codec.dns.DnsRecordType;
import java.io.DataInputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * mihomo's {@code #ecs=}: what each query to such a server carries, read from the bytes a socket of the test's own
 * received. All on 127.0.0.1; the subnets are documentation ranges.
 */
class ClientSubnetUpstreamTest {

    private static EventLoopGroup group;

    @BeforeAll
    static void start() {
        group = Transport.newGroup(2, "client-subnet-test");
    }

    @AfterAll
    static void stop() {
        if (group != null) {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(10, TimeUnit.SECONDS);
        }
    }

    private static UpstreamResolver resolver(String server, int ednsUdpSize) {
        return new UpstreamResolver(UpstreamResolver.Servers.of(List.of(Nameserver.parse(server))), HostsTable.empty(),
                false, group, SocketBinder.NONE, TlsLayer.fromEnvironment(), a -> false,
                new UpstreamResolver.Settings(Duration.ofSeconds(2), 1, 64, ednsUdpSize));
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
}
