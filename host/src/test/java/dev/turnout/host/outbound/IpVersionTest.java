package dev.turnout.host.outbound;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.turnout.api.Destination;
import dev.turnout.api.Metadata;
import dev.turnout.api.Network;
import dev.turnout.host.config.Config;
import dev.turnout.host.config.ConfigLoader;
import dev.turnout.host.dial.HostDialer;
import dev.turnout.host.dial.SocketBinder;
import dev.turnout.host.dial.SystemResolver;
import dev.turnout.host.dial.Transport;
import io.netty.channel.Channel;
import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.Future;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A proxy's {@code ip-version}, as mihomo's DialOptions apply it: a direct-type entry dials only the family it asks
 * for, or its preferred family first. The name has both loopback addresses; a server listens on one family's alone.
 */
class IpVersionTest {

    private static final InetAddress V4 = InetAddress.getLoopbackAddress();
    private static InetAddress v6;

    private EventLoopGroup loops;
    private SystemResolver resolver;

    @BeforeEach
    void setUp() throws Exception {
        v6 = InetAddress.getByName("::1");
        loops = Transport.newGroup(1, "ip-version-test");
        resolver = new SystemResolver(Map.of("both.test", List.of(V4, v6)));
    }

    @AfterEach
    void tearDown() {
        resolver.close();
        loops.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(10, TimeUnit.SECONDS);
    }

    private static boolean hasIpv6Loopback() {
        try (ServerSocket s = new ServerSocket()) {
            s.bind(new InetSocketAddress(InetAddress.getByName("::1"), 0));
            return true;
        } catch (Exception e) {
            return false;
        }
    }

    private Outbounds build(String entries) throws Exception {
        Config c = ConfigLoader.parse("proxies:\n" + entries, "t.yaml", Path.of("t.yaml"), Path.of("/base"));
        HostDialer dialer = new HostDialer(() -> SocketBinder.NONE, resolver, 2000);
        return new OutboundFactory(HostDirect.types(), dialer, resolver).build(c);
    }

    /** Which of the two servers the entry's dial to both.test reached; null when it failed. */
    private static String reached(Outbounds outbounds, String entry, EventLoopGroup loops, ServerSocket on4,
                                  ServerSocket on6) throws Exception {
        Future<Channel> dialled = outbounds.get(entry).openStream(Metadata.internal(Network.TCP,
                Destination.ofHost("both.test", on4.getLocalPort())), loops.next());
        assertTrue(dialled.await(10, TimeUnit.SECONDS));
        if (!dialled.isSuccess()) {
            return null;
        }
        dialled.getNow().close();
        InetAddress remote = ((InetSocketAddress) dialled.getNow().remoteAddress()).getAddress();
        return remote.equals(V4) ? "v4" : remote.equals(v6) ? "v6" : remote.toString();
    }

    @Test
    void aDirectEntryDialsOnlyOrFirstTheFamilyItsIpVersionAsksFor() throws Exception {
        assumeTrue(hasIpv6Loopback(), "no IPv6 loopback here: skipped");
        try (ServerSocket on4 = new ServerSocket(0, 50, V4);
             ServerSocket on6 = new ServerSocket()) {
            on6.bind(new InetSocketAddress(v6, on4.getLocalPort()), 50);
            Thread accept = acceptAll(on4, on6);
            Outbounds o = build(String.join("\n",
                    "  - {name: only4, type: direct, ip-version: ipv4}",
                    "  - {name: only6, type: direct, ip-version: ipv6}",
                    "  - {name: prefer6, type: direct, ip-version: ipv6-prefer}",
                    "  - {name: prefer4, type: direct, ip-version: ipv4-prefer}",
                    ""));
            try {
                assertEquals("v4", reached(o, "only4", loops, on4, on6));
                assertEquals("v6", reached(o, "only6", loops, on4, on6));
                assertEquals("v6", reached(o, "prefer6", loops, on4, on6), "the hosts entry lists IPv4 first");
                assertEquals("v4", reached(o, "prefer4", loops, on4, on6));
            } finally {
                o.close();
                accept.interrupt();
            }
        }
    }

    @Test
    void aFamilyTheNameHasNoAddressOfFailsTheDialAndPreferFallsBackToTheOther() throws Exception {
        resolver.close();
        resolver = new SystemResolver(Map.of("both.test", List.of(V4)));
        try (ServerSocket on4 = new ServerSocket(0, 50, V4); ServerSocket unused = new ServerSocket(0, 50, V4)) {
            Thread accept = acceptAll(on4, unused);
            Outbounds o = build(String.join("\n",
                    "  - {name: only6, type: direct, ip-version: ipv6}",
                    "  - {name: prefer6, type: direct, ip-version: ipv6-prefer}",
                    ""));
            try {
                assertEquals(null, reached(o, "only6", loops, on4, unused), "no IPv6 address: nothing dialled");
                assertEquals("v4", reached(o, "prefer6", loops, on4, unused));
            } finally {
                o.close();
                accept.interrupt();
            }
        }
    }

    @Test
    void anUnknownValueDialsBothWithAWarningAndIpVersionIsNeverCalledUnread() throws Exception {
        Outbounds o = build(String.join("\n",
                "  - {name: odd, type: direct, ip-version: ipv5}",
                "  - {name: fine, type: direct, ip-version: dual}",
                ""));
        o.close();
        List<String> about = o.warnings().stream().filter(w -> w.contains("ip-version")).toList();
        assertEquals(1, about.size(), o.warnings().toString());
        assertTrue(about.get(0).matches("t\\.yaml:2:\\d+: 'odd': 'ip-version' 'ipv5' is none of dual, ipv4, ipv6,"
                + " ipv4-prefer, ipv6-prefer: both families are dialled, as mihomo does"), about.get(0));
        assertFalse(o.warnings().toString().contains("not read by"), o.warnings().toString());
    }

    private static Thread acceptAll(ServerSocket... servers) {
        Thread t = new Thread(() -> {
            for (int i = 0; i < 50 && !Thread.currentThread().isInterrupted(); i++) {
                for (ServerSocket s : servers) {
                    try {
                        s.setSoTimeout(50);
                        Socket c = s.accept();
                        c.close();
                    } catch (Exception e) {
                        // nobody came to this one in time
                    }
                }
            }
        }, "ip-version-accept");
        t.setDaemon(true);
        t.start();
        return t;
    }
}
