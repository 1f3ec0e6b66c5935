package dev.turnout.host.sniff;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.turnout.api.Destination;
import dev.turnout.api.Metadata;
import dev.turnout.api.Network;
import dev.turnout.host.dns.AddressList;
import dev.turnout.host.dns.DnsMatchers;
import dev.turnout.host.dns.DomainTrie;
import dev.turnout.host.dns.NameList;
import dev.turnout.host.platform.IpPrefix;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.util.concurrent.Future;
import java.io.ByteArrayOutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.BitSet;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The sniffer on a channel: which flows wait, what they are routed as, and that every byte still arrives. */
class SnifferTest {

    private static final InetAddress SERVER = address("203.0.113.5");

    private static InetAddress address(String text) {
        try {
            return InetAddress.getByName(text);
        } catch (java.net.UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    private static BitSet ports(int... list) {
        BitSet b = new BitSet();
        for (int p : list) {
            b.set(p);
        }
        return b;
    }

    private static DomainTrie<Boolean> trie(String... patterns) {
        DomainTrie<Boolean> t = new DomainTrie<>();
        for (String p : patterns) {
            t.insert(p, Boolean.TRUE);
        }
        return t;
    }

    /** TLS on 443 (overriding), HTTP on 80 (for the rules only), skipping {@code skipped.test} and 198.51.100.0/24. */
    private static Sniffer sniffer() {
        return sniffer(true);
    }

    private static Sniffer sniffer(boolean forceDnsMapping) {
        return new Sniffer(new SniffOptions(new SniffOptions.Protocol(ports(443), true),
                new SniffOptions.Protocol(ports(80), false), new SniffOptions.Protocol(ports(443), true), true,
                forceDnsMapping, new NameList(trie("+.forced.test"), List.of("geosite:forced")),
                new NameList(trie("skipped.test"), List.of("rule-set:skipped")),
                new AddressList(List.of(), List.of("rule-set:telegram-ip")),
                new AddressList(List.of(IpPrefix.parse("198.51.100.0/24")), List.of("geoip:JP"))), 1000,
                () -> new DnsMatchers() {
                    @Override
                    public boolean contains(String key, String name) {
                        return key.equals("geosite:forced") && name.equals("in.geosite.test")
                                || key.equals("rule-set:skipped") && name.equals("in.rule-set.test");
                    }

                    @Override
                    public boolean containsAddress(String key, InetAddress address) {
                        return key.equals("geoip:JP") && address.equals(address("203.0.113.7"))
                                || key.equals("rule-set:telegram-ip") && address.equals(address("192.0.2.99"));
                    }
                });
    }

    private static Metadata tun(InetAddress to, int port) {
        return new Metadata(Network.TCP, Destination.ofAddress(to, port),
                new InetSocketAddress(address("198.18.0.1"), 40000), "tun", null);
    }

    /** A channel whose clock moves only when a test advances it: the sniffer's one-second wait never ends by load. */
    private static EmbeddedChannel frozen(Held held) {
        EmbeddedChannel ch = new EmbeddedChannel(held);
        ch.freezeTime();
        return ch;
    }

    /** What reached the handler after the sniffer (the relay's hold, in Turnout). */
    private static final class Held extends ChannelInboundHandlerAdapter {
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream();

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf b = (ByteBuf) msg;
            bytes.writeBytes(ByteBufUtil.getBytes(b));
            b.release();
        }
    }

    @Test
    void aTlsFlowToAnAddressIsRoutedAndDialledByTheNameItsClientHelloGives() throws Exception {
        Held held = new Held();
        EmbeddedChannel ch = new EmbeddedChannel(held);
        // The second's wait runs on the channel's clock, which stands still here: on a loaded machine (CI at load 10)
        // more than a second passed between the two halves and the wait had ended.
        ch.freezeTime();
        Metadata flow = tun(SERVER, 443);
        Sniffer s = sniffer();
        assertTrue(s.wants(flow, flow));
        Future<Sniffer.Sniffed> f = s.sniff(ch, flow, flow);
        byte[] hello = TlsClientHelloTest.clientHello("www.sniffed.test");
        ch.writeInbound(Unpooled.wrappedBuffer(hello, 0, 100));
        assertFalse(f.isDone(), "waits for the rest of the ClientHello");
        ch.writeInbound(Unpooled.wrappedBuffer(hello, 100, hello.length - 100));
        assertTrue(f.isDone());
        Sniffer.Sniffed sniffed = f.getNow();
        assertEquals(new Destination("www.sniffed.test", SERVER, 443), sniffed.forRules().destination());
        assertSame(sniffed.forRules(), sniffed.toDial(), "override-destination: proxies are asked for the name");
        assertArrayEquals(hello, held.bytes.toByteArray(), "every byte passed on, in order");
        assertNull(ch.pipeline().get(SniffHandler.NAME), "out of the pipeline once decided");
    }

    @Test
    void anHttpNameWithoutOverrideIsForTheRulesAndTheOutboundIsAskedForTheAddress() throws Exception {
        EmbeddedChannel ch = frozen(new Held());
        Metadata flow = tun(SERVER, 80);
        Future<Sniffer.Sniffed> f = sniffer().sniff(ch, flow, flow);
        ch.writeInbound(Unpooled.copiedBuffer("GET / HTTP/1.1\r\nHost: web.test\r\n\r\n", StandardCharsets.US_ASCII));
        assertEquals("web.test", f.getNow().forRules().destination().host());
        assertSame(flow, f.getNow().toDial());
        assertEquals("web.test", f.getNow().host(), "the sniffHost /connections shows");
    }

    @Test
    void aRedirHostNameIsReplacedByTheClientHellosUnlessForceDnsMappingIsOff() throws Exception {
        Metadata original = tun(SERVER, 443);
        // Two names share the address; the DNS remembers the one it answered last, not the one the client asked for.
        Metadata mapped = original.withDestination(new Destination("front.test", SERVER, 443));
        Sniffer s = sniffer();
        assertTrue(s.wants(mapped, original));
        EmbeddedChannel ch = frozen(new Held());
        Future<Sniffer.Sniffed> f = s.sniff(ch, mapped, original);
        ch.writeInbound(Unpooled.wrappedBuffer(TlsClientHelloTest.clientHello("proxied.test")));
        assertEquals(new Destination("proxied.test", SERVER, 443), f.getNow().forRules().destination());
        assertEquals("proxied.test", f.getNow().host());

        assertFalse(sniffer(false).wants(mapped, original), "force-dns-mapping: false leaves the DNS's name");
    }

    @Test
    void aSkippedNameSilenceAndAnEndLeaveTheFlowAsItCame() throws Exception {
        Metadata flow = tun(SERVER, 443);
        EmbeddedChannel skipped = frozen(new Held());
        Future<Sniffer.Sniffed> a = sniffer().sniff(skipped, flow, flow);
        skipped.writeInbound(Unpooled.wrappedBuffer(TlsClientHelloTest.clientHello("skipped.test")));
        assertSame(flow, a.getNow().forRules());
        EmbeddedChannel inSet = frozen(new Held());
        Future<Sniffer.Sniffed> set = sniffer().sniff(inSet, flow, flow);
        inSet.writeInbound(Unpooled.wrappedBuffer(TlsClientHelloTest.clientHello("in.rule-set.test")));
        assertSame(flow, set.getNow().forRules(), "skip-domain's rule-set: entry, asked of the rules' sets");

        Held held = new Held();
        EmbeddedChannel silent = new EmbeddedChannel(held);
        silent.freezeTime(); // only the time advanced below passes, however slow the machine
        Future<Sniffer.Sniffed> b = sniffer().sniff(silent, flow, flow);
        silent.advanceTimeBy(999, TimeUnit.MILLISECONDS);
        silent.runScheduledPendingTasks();
        assertFalse(b.isDone());
        silent.advanceTimeBy(2, TimeUnit.MILLISECONDS);
        silent.runScheduledPendingTasks();
        assertSame(flow, b.getNow().forRules(), "a server-first protocol goes on after a second");
        silent.writeInbound(Unpooled.wrappedBuffer(new byte[] {1, 2, 3}));
        assertArrayEquals(new byte[] {1, 2, 3}, held.bytes.toByteArray());

        EmbeddedChannel closed = frozen(new Held());
        Future<Sniffer.Sniffed> c = sniffer().sniff(closed, flow, flow);
        closed.close();
        assertSame(flow, c.getNow().forRules());
    }

    @Test
    void onlyTunFlowsToSniffedPortsWithoutANameWaitUnlessTheirNameIsForced() {
        Sniffer s = sniffer();
        Metadata tls = tun(SERVER, 443);
        assertTrue(s.wants(tls, tls));
        assertFalse(s.wants(tun(SERVER, 22), tun(SERVER, 22)), "port not sniffed");
        Metadata skippedAddress = tun(address("198.51.100.7"), 443);
        assertFalse(s.wants(skippedAddress, skippedAddress), "skip-dst-address");
        Metadata inJapan = tun(address("203.0.113.7"), 443);
        assertFalse(s.wants(inJapan, inJapan), "skip-dst-address's geoip: entry, asked of the rules' sets");
        Metadata fromSet = new Metadata(Network.TCP, Destination.ofAddress(SERVER, 443),
                new InetSocketAddress(address("192.0.2.99"), 40000), "tun", null);
        assertFalse(s.wants(fromSet, fromSet), "skip-src-address's rule-set: entry");
        Metadata socks = new Metadata(Network.TCP, Destination.ofAddress(SERVER, 443), null, "mixed", null);
        assertFalse(s.wants(socks, socks), "a proxy client waits for the proxy's answer before it sends");
        Metadata fake = tun(address("198.18.0.9"), 443);
        assertFalse(s.wants(fake.withDestination(Destination.ofHost("a.test", 443)), fake), "a fake-IP name");
        assertTrue(s.wants(fake.withDestination(Destination.ofHost("x.forced.test", 443)), fake), "force-domain");
        assertTrue(s.wants(fake.withDestination(Destination.ofHost("in.geosite.test", 443)), fake),
                "force-domain's geosite: entry, asked of the rules' sets");
        assertFalse(Sniffer.OFF.wants(tls, tls));
    }

    @Test
    void aQuicFlowNamedByItsHelloIsStillSentToTheAddressItsApplicationChose() {
        Metadata udp = new Metadata(Network.UDP, Destination.ofAddress(SERVER, 443),
                new InetSocketAddress(address("198.18.0.1"), 40000), "tun", null);
        Sniffer s = sniffer();
        assertTrue(s.wantsDatagrams(udp, udp));
        Sniffer.DatagramSniff sniff = s.datagramSniff(udp, udp);
        assertTrue(sniff.offer(QuicClientHelloTest.datagrams("rfc9001-a2-client-initial.hex").get(0)));
        assertEquals(new Destination("example.com", SERVER, 443), sniff.sniffed().forRules().destination());
        // QUIC's override-destination is on, but replies must come from where the application sent.
        assertSame(udp, sniff.sniffed().toDial());
        assertEquals("example.com", sniff.sniffed().host());
    }

    @Test
    void udpThatGivesNoNameNeverStopsTheSameServersTlsFromBeingSniffed() {
        Sniffer s = sniffer();
        Metadata udp = new Metadata(Network.UDP, Destination.ofAddress(SERVER, 443),
                new InetSocketAddress(address("198.18.0.1"), 40000), "tun", null);
        for (int i = 0; i < 8; i++) { // a VPN or DTLS on UDP 443: no QUIC Initial
            Sniffer.DatagramSniff sniff = s.datagramSniff(udp, udp);
            sniff.offer(Unpooled.wrappedBuffer(new byte[] {0x17, (byte) 0xfe, (byte) 0xfd, 0, 1, 2, 3, 4, 5, 6}));
            assertSame(udp, sniff.sniffed().forRules());
        }
        Metadata tls = tun(SERVER, 443);
        assertTrue(s.wants(tls, tls), "TCP to the same address and port");
        assertTrue(s.wantsDatagrams(udp, udp), "UDP is never skipped, as mihomo's UDPSniff keeps no list");
    }

    @Test
    void aDestinationThatKeepsGivingNoNameIsLeftAloneAfterAFewTries() {
        Sniffer s = sniffer();
        Metadata flow = tun(SERVER, 443);
        for (int i = 0; i < 6; i++) {
            assertTrue(s.wants(flow, flow), "try " + i);
            EmbeddedChannel ch = frozen(new Held());
            s.sniff(ch, flow, flow);
            ch.writeInbound(Unpooled.wrappedBuffer("SSH-2.0-x\r\n".getBytes(StandardCharsets.US_ASCII)));
        }
        assertFalse(s.wants(flow, flow));
        Metadata other = tun(SERVER, 80);
        assertTrue(s.wants(other, other), "other destinations still sniffed");
    }
}
