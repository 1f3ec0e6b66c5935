package dev.turnout.host.dns;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.turnout.api.testing.Required;
import dev.turnout.host.dial.SocketBinder;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.dns.DnsRecordType;
import io.netty.handler.codec.dns.DnsResponse;
import io.netty.handler.codec.dns.DnsSection;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** {@link DnsService} end to end: listening server over UDP and TCP, dnsmasq upstream, cache across restart. */
class DnsServerTest {

    @RegisterExtension
    static final DnsmasqUpstream upstream = new DnsmasqUpstream("dns-server-test");

    @TempDir
    Path dir;

    private DnsService service(Path cache) throws Exception {
        return service(cache, new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
    }

    private DnsService service(Path cache, InetSocketAddress listen) throws Exception {
        DnsOptions o = new DnsOptions(true, listen,
                EnhancedMode.FAKE_IP, null, null, List.of("+.example.test", "+.records.test"),
                List.of(new Nameserver(Nameserver.Protocol.UDP, upstream.address())), null, null, false, null);
        return DnsService.start(o, List.of(Cidr.parse("198.18.0.2/32")), cache, upstream.group(),
                SocketBinder.NONE, UpstreamResolver.Settings.defaults());
    }

    @Test
    void aWideFakeRangeIsHeldInABoundedPoolThatAnswersFromIt() throws Exception {
        DnsOptions o = new DnsOptions(true, new InetSocketAddress(InetAddress.getLoopbackAddress(), 0),
                EnhancedMode.FAKE_IP, Cidr.parse("28.0.0.1/8"), null, List.of(),
                List.of(new Nameserver(Nameserver.Protocol.UDP, upstream.address())), null, null, false, null);
        try (DnsService dns = DnsService.start(o, List.of(), null, upstream.group(), SocketBinder.NONE,
                UpstreamResolver.Settings.defaults())) {
            assertTrue(dns.pool4().capacity() <= DnsService.MAX_V4_SLOTS, "slots: " + dns.pool4().capacity());
            DnsResponse r = DnsTestMessages.udpExchange(dns.server().udpAddress(), DnsTestMessages.query(5,
                    "wide.example.com", DnsRecordType.A), 2000);
            InetAddress a = DnsTestMessages.addresses(r).get(0);
            assertTrue(Cidr.parse("28.0.0.0/8").contains(a), a.toString());
            assertEquals("wide.example.com", dns.pool4().nameOf(a));
        }
    }

    private static DnsResponse tcpExchange(InetSocketAddress server, byte[] query) throws Exception {
        try (Socket s = new Socket()) {
            s.connect(server, 2000);
            s.setSoTimeout(5000);
            DataOutputStream out = new DataOutputStream(s.getOutputStream());
            out.writeShort(query.length);
            out.write(query);
            out.flush();
            DataInputStream in = new DataInputStream(s.getInputStream());
            byte[] answer = new byte[in.readUnsignedShort()];
            in.readFully(answer);
            return DnsTestMessages.decode(Unpooled.wrappedBuffer(answer));
        }
    }

    @Test
    void servesFakeAnswersOverUdpAndTcp() throws Exception {
        try (DnsService dns = service(null)) {
            InetSocketAddress udp = dns.server().udpAddress();
            DnsResponse r = DnsTestMessages.udpExchange(udp, DnsTestMessages.query(3, "udp.example.com",
                    DnsRecordType.A), 2000);
            assertNotNull(r);
            InetAddress a = DnsTestMessages.addresses(r).get(0);
            r.release();
            assertTrue(dns.isFake(a));
            assertEquals("udp.example.com", dns.fakeName(a));

            DnsResponse t = tcpExchange(dns.server().tcpAddress(), DnsTestMessages.query(4, "udp.example.com",
                    DnsRecordType.A));
            assertEquals(List.of(a), DnsTestMessages.addresses(t));
            t.release();

            DnsResponse big = tcpExchange(dns.server().tcpAddress(), DnsTestMessages.query(5, "big.records.test",
                    DnsRecordType.A));
            assertEquals(Dnsmasq.BIG_RECORDS, big.count(DnsSection.ANSWER));
            big.release();
        }
    }

    @Test
    void runningOutOfDescriptorsIsOneLineAndTcpQueriesAreAnsweredAfterwards() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(dev.turnout.host.dial.Transport.isEpoll(),
                "needs Netty's native transport for its accept(2) errors");
        dev.turnout.host.testing.CapturedLog logged = new dev.turnout.host.testing.CapturedLog();
        try (DnsService dns = service(null)) {
            io.netty.channel.Channel listener = dns.server().tcpListener();
            for (int i = 0; i < 20; i++) { // what accept(2) raises when the process has no descriptor left
                listener.pipeline().fireExceptionCaught(new io.netty.channel.unix.Errors.NativeIoException("accept",
                        -24));
            }
            listener.eventLoop().submit(() -> { }).await(5, java.util.concurrent.TimeUnit.SECONDS);
            Thread.sleep(300); // the listener rests 100 ms, then accepts again
            DnsResponse t = tcpExchange(dns.server().tcpAddress(), DnsTestMessages.query(6, "after.example.com",
                    DnsRecordType.A));
            assertEquals(1, DnsTestMessages.addresses(t).size());
            t.release();
        } finally {
            logged.close();
        }
        List<String> warnings = logged.warnings("io.netty.channel.DefaultChannelPipeline",
                dev.turnout.host.platform.DescriptorShortage.class.getName());
        assertEquals(1, warnings.size(), warnings::toString);
        assertTrue(warnings.get(0).startsWith("out of file descriptors"), warnings::toString);
    }

    @Test
    void tcpClientsOfOnePlaceHoldAtMostTheirShare() throws Exception {
        List<java.net.Socket> held = new java.util.ArrayList<>();
        try (DnsService dns = service(null)) {
            InetSocketAddress at = dns.server().tcpAddress();
            for (int i = 0; i < dev.turnout.host.inbound.ConnectionBudget.PER_KIND; i++) {
                java.net.Socket s = new java.net.Socket();
                s.connect(at, 2000);
                held.add(s);
            }
            try (java.net.Socket extra = new java.net.Socket()) {
                extra.connect(at, 2000); // the kernel accepts it; Turnout closes it at once
                extra.setSoTimeout(5000);
                assertEquals(-1, extra.getInputStream().read(), "one more than loopback's share is closed");
            }
            held.remove(0).close();
            Thread.sleep(200); // the place comes back as the server sees the close
            DnsResponse t = tcpExchange(at, DnsTestMessages.query(7, "again.example.com", DnsRecordType.A));
            assertEquals(1, DnsTestMessages.addresses(t).size(), "a place given back serves again");
            t.release();
        } finally {
            for (java.net.Socket s : held) {
                s.close();
            }
        }
    }

    @Test
    void digGetsFakeAndFilteredAnswers() throws Exception {
        Required.that(Files.isExecutable(Path.of("/usr/bin/dig")), () -> "dig is not installed (apt-get install dnsutils)");
        try (DnsService dns = service(null)) {
            int port = dns.server().udpAddress().getPort();
            String fake1 = dig(port, "dig.example.com");
            String fake2 = dig(port, "dig.example.com");
            assertTrue(fake1.startsWith("198.18."), fake1);
            assertEquals(fake1, fake2);
            assertEquals(Dnsmasq.EXAMPLE_ADDRESS, dig(port, "www.example.test"));
            assertEquals(Dnsmasq.BIG_RECORDS, dig(port, "big.records.test").lines().count(),
                    "dig retries over TCP after our truncated UDP answer");
        }
    }

    private static String dig(int port, String name) throws Exception {
        Process p = new ProcessBuilder("/usr/bin/dig", "@127.0.0.1", "-p", Integer.toString(port), "+short",
                "+time=2", "+tries=1", name, "A").redirectErrorStream(true).start();
        try {
            assertTrue(p.waitFor(10, TimeUnit.SECONDS), "dig finished");
            return new String(p.getInputStream().readAllBytes(), StandardCharsets.US_ASCII).trim();
        } finally {
            p.destroyForcibly();
        }
    }

    @Test
    void restartKeepsTheSameFakeAddress() throws Exception {
        Path cache = dir.resolve("fake-ip.cache");
        InetAddress before;
        try (DnsService dns = service(cache)) {
            DnsResponse r = DnsTestMessages.udpExchange(dns.server().udpAddress(),
                    DnsTestMessages.query(6, "keep.example.com", DnsRecordType.A), 2000);
            before = DnsTestMessages.addresses(r).get(0);
            r.release();
            // Another name first after restart must not take keep.example.com's address.
        }
        try (DnsService dns = service(cache)) {
            assertEquals("keep.example.com", dns.fakeName(before), "reverse mapping restored before any query");
            DnsResponse other = DnsTestMessages.udpExchange(dns.server().udpAddress(),
                    DnsTestMessages.query(7, "other.example.com", DnsRecordType.A), 2000);
            assertTrue(!DnsTestMessages.addresses(other).contains(before));
            other.release();
            DnsResponse again = DnsTestMessages.udpExchange(dns.server().udpAddress(),
                    DnsTestMessages.query(8, "keep.example.com", DnsRecordType.A), 2000);
            assertEquals(List.of(before), DnsTestMessages.addresses(again));
            again.release();
        }
    }

    @Test
    void aPortTakenForTcpFailsTheStartAndLeavesItsUdpSideFree() throws Exception {
        try (java.net.ServerSocket taken = new java.net.ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            InetSocketAddress listen = new InetSocketAddress(InetAddress.getLoopbackAddress(), taken.getLocalPort());
            Exception e = org.junit.jupiter.api.Assertions.assertThrows(Exception.class, () -> service(null, listen));
            assertTrue(e instanceof java.io.IOException, "the bind's own error: " + e);
            try (java.net.DatagramSocket udp = new java.net.DatagramSocket(listen)) {
                assertEquals(listen.getPort(), udp.getLocalPort(), "the UDP side was closed again");
            }
        }
    }

    @Test
    void survivesOversizedAndGarbageDatagrams() throws Exception {
        try (DnsService dns = service(null); java.net.DatagramSocket s = new java.net.DatagramSocket()) {
            InetSocketAddress udp = dns.server().udpAddress();
            byte[] q = DnsTestMessages.query(21, "big.example.com", DnsRecordType.A);
            byte[] huge = java.util.Arrays.copyOf(q, 9000); // a valid query followed by padding past 4 KiB
            s.send(new java.net.DatagramPacket(huge, huge.length, udp));
            byte[] junk = new byte[3000];
            new java.util.Random(1).nextBytes(junk);
            s.send(new java.net.DatagramPacket(junk, junk.length, udp));
            s.send(new java.net.DatagramPacket(new byte[0], 0, udp));
            DnsResponse r = DnsTestMessages.udpExchange(udp, DnsTestMessages.query(22, "after.example.com",
                    DnsRecordType.A), 2000);
            assertNotNull(r, "still answering");
            assertEquals(1, DnsTestMessages.addresses(r).size());
            r.release();
        }
    }

    @Test
    void aReloadMovesTheListenerToAnotherAddressOfItsPortAndAFailedMoveLeavesItWhereItWas() throws Exception {
        // A port found free is free only until another test's connection takes it (CI, once: the listener's bind
        // failed with EADDRINUSE while the other test classes ran beside this one): tried again on another then.
        for (int attempt = 1; ; attempt++) {
            try {
                moveAcross(freeOnEveryAddressForUdpAndTcp());
                return;
            } catch (java.io.IOException e) {
                if (attempt == 3 || !String.valueOf(e.getMessage()).contains("Address already in use")) {
                    throw e;
                }
            }
        }
    }

    private static int freeOnEveryAddressForUdpAndTcp() throws java.io.IOException {
        for (int i = 0; ; i++) {
            try (java.net.ServerSocket tcp = new java.net.ServerSocket(0);
                    java.net.DatagramSocket udp = new java.net.DatagramSocket(tcp.getLocalPort())) {
                return udp.getLocalPort();
            } catch (java.net.BindException e) {
                if (i == 10) {
                    throw e;
                }
            }
        }
    }

    private void moveAcross(int port) throws Exception {
        InetSocketAddress loopback = new InetSocketAddress(InetAddress.getLoopbackAddress(), port);
        try (DnsService dns = service(null, loopback);
                java.net.DatagramSocket held = new java.net.DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            // The wildcard address cannot be bound beside the loopback one on the same port: the old one goes first.
            dns.listenOn(new InetSocketAddress(port));
            assertEquals(port, dns.server().udpAddress().getPort());
            assertTrue(dns.server().udpAddress().getAddress().isAnyLocalAddress());
            assertNotNull(answerA(loopback, 6), "answered on the new wildcard listener");

            InetSocketAddress taken = new InetSocketAddress(InetAddress.getLoopbackAddress(), held.getLocalPort());
            org.junit.jupiter.api.Assertions.assertThrows(java.io.IOException.class, () -> dns.listenOn(taken));
            assertTrue(dns.server().udpAddress().getAddress().isAnyLocalAddress(), "still where it was");
            assertNotNull(answerA(loopback, 7), "still answered after the failed move");

            dns.listenOn(null);
            assertEquals(null, dns.server());
            try (java.net.DatagramSocket rebind = new java.net.DatagramSocket(loopback)) {
                assertEquals(port, rebind.getLocalPort(), "the port is free once nothing listens");
            }
        }
    }

    private static InetAddress answerA(InetSocketAddress server, int id) throws Exception {
        DnsResponse r = DnsTestMessages.udpExchange(server, DnsTestMessages.query(id, "moved.example.com",
                DnsRecordType.A), 2000);
        if (r == null) {
            return null;
        }
        try {
            return DnsTestMessages.addresses(r).get(0);
        } finally {
            r.release();
        }
    }

    private DnsOptions options(EnhancedMode mode, String range) {
        return new DnsOptions(true, new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), mode,
                range == null ? null : Cidr.parse(range), null, List.of(),
                List.of(new Nameserver(Nameserver.Protocol.UDP, upstream.address())), null, null, false, null);
    }

    @Test
    void aReloadSwitchesTheModeAndTheFakeAddressesGivenOutKeepTheirNames() throws Exception {
        try (DnsService dns = DnsService.start(options(EnhancedMode.NORMAL, null), List.of(), dir.resolve("fake.cache"),
                upstream.group(), SocketBinder.NONE, UpstreamResolver.Settings.defaults())) {
            InetSocketAddress server = dns.server().udpAddress();
            assertEquals(InetAddress.getByName(Dnsmasq.EXAMPLE_ADDRESS), answerA(server, "www.example.test", 11));
            assertEquals(null, dns.pool4(), "no pools in normal mode");

            assertEquals(List.of(), dns.useMode(options(EnhancedMode.FAKE_IP, "198.18.0.1/16")));
            InetAddress fake = answerA(server, "www.example.test", 12);
            assertTrue(dns.isFake(fake), String.valueOf(fake));
            assertTrue(Files.exists(dir.resolve("fake.cache")), "the new pools persist where the start's would have");

            assertEquals(List.of(), dns.useMode(options(EnhancedMode.REDIR_HOST, "198.18.0.1/16")));
            assertEquals(InetAddress.getByName(Dnsmasq.EXAMPLE_ADDRESS), answerA(server, "www.example.test", 13));
            assertEquals("www.example.test", dns.fakeName(fake), "a flow to the address given out still finds it");

            assertEquals(List.of("dns.fake-ip-range"), dns.useMode(options(EnhancedMode.FAKE_IP, "198.19.0.1/16")),
                    "the pools' range holds until a restart");
            assertEquals(fake, answerA(server, "www.example.test", 14), "and fake-ip mode runs on the pools there are");
            assertEquals(List.of(), dns.useMode(options(EnhancedMode.REDIR_HOST, "198.18.0.1/16")));
            assertEquals(List.of(), dns.useMode(options(EnhancedMode.FAKE_IP, "198.18.0.1/16")));
            assertEquals(fake, answerA(server, "www.example.test", 15), "back in fake-ip mode, the same address");
        }
    }

    private static InetAddress answerA(InetSocketAddress server, String name, int id) throws Exception {
        DnsResponse r = DnsTestMessages.udpExchange(server, DnsTestMessages.query(id, name, DnsRecordType.A), 2000);
        try {
            return DnsTestMessages.addresses(r).get(0);
        } finally {
            r.release();
        }
    }

    @Test
    void aReloadAddsAndDropsTheResolverOfProxyServersNames() throws Exception {
        try (DnsService dns = service(null)) {
            assertSame(dns.upstream(), dns.forProxyServers(), "none written: the nameservers look them up");
            DnsOptions with = new DnsOptions(true, null, EnhancedMode.FAKE_IP, null, null, List.of(),
                    List.of(new Nameserver(Nameserver.Protocol.UDP, upstream.address())), null, null, Map.of(), false,
                    null, false, new OutboundNameservers(List.of(new Nameserver(Nameserver.Protocol.UDP,
                    upstream.address())), List.of(), false));
            dns.retargetOutbound(with);
            UpstreamResolver added = dns.forProxyServers();
            assertNotSame(dns.upstream(), added);
            assertSame(dns.upstream(), dns.forDirect());
            InetAddress looked = dns.proxyServerNames(null).resolve("www.example.test", upstream.group().next())
                    .get(5, TimeUnit.SECONDS);
            assertEquals(InetAddress.getByName(Dnsmasq.EXAMPLE_ADDRESS), looked);
            dns.retargetOutbound(options(EnhancedMode.FAKE_IP, null));
            assertSame(dns.upstream(), dns.forProxyServers(), "dropped again");
        }
    }

    /**
     * Started off, as Turnout starts it when {@code dns.enable} is not true: Turnout's own lookups go to the system's
     * resolver until a reload switches it on with servers, and back there when it switches off.
     */
    @Test
    void ownLookupsFollowTheSwitch() throws Exception {
        InetAddress system = InetAddress.getByName("192.0.2.99");
        dev.turnout.api.Resolver otherwise = (host, loop) -> loop.newSucceededFuture(system);
        try (DnsService dns = DnsService.start(DnsOptions.defaults(), List.of(), null, upstream.group(),
                SocketBinder.NONE, UpstreamResolver.Settings.defaults())) {
            dev.turnout.api.Resolver names = dns.names(otherwise);
            dev.turnout.api.Resolver direct = dns.directNames(otherwise);
            assertFalse(dns.on());
            assertNull(dns.server(), "off: nothing listens");
            assertEquals(system, names.resolve("www.example.test", upstream.group().next()).get(5, TimeUnit.SECONDS));

            DnsOptions on = options(EnhancedMode.FAKE_IP, null);
            dns.upstream().retarget(UpstreamResolver.Servers.of(on));
            assertEquals(system, names.resolve("www.example.test", upstream.group().next()).get(5, TimeUnit.SECONDS),
                    "servers alone do not switch it on");
            dns.switchOn(true);
            InetAddress example = InetAddress.getByName(Dnsmasq.EXAMPLE_ADDRESS);
            assertEquals(example, names.resolve("www.example.test", upstream.group().next()).get(5, TimeUnit.SECONDS));
            assertEquals(example, direct.resolve("www.example.test", upstream.group().next()).get(5, TimeUnit.SECONDS));

            dns.switchOn(false);
            assertEquals(system, direct.resolve("www.example.test", upstream.group().next()).get(5, TimeUnit.SECONDS));
        }
    }
}
