package dev.turnout.host.dns;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.turnout.host.dial.SocketBinder;
import io.netty.channel.socket.DatagramChannel;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.dns.DnsRecordType;
import io.netty.handler.codec.dns.DnsResponseCode;
import io.netty.util.concurrent.Future;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class UpstreamResolverTest {

    @RegisterExtension
    static final DnsmasqUpstream upstream = new DnsmasqUpstream("upstream-test", "--log-queries");

    private static Nameserver udp(InetSocketAddress a) {
        return new Nameserver(Nameserver.Protocol.UDP, a);
    }

    private static UpstreamResolver resolver(List<Nameserver> servers, SocketBinder binder, Duration timeout,
            int ednsSize) {
        return new UpstreamResolver(servers, HostsTable.empty(), false, upstream.group(), binder,
                UpstreamResolver.Settings.within(timeout, 64, ednsSize));
    }

    @Test
    void resolvesThroughDnsmasqAndPrefersIpv4() throws Exception {
        UpstreamResolver r = resolver(List.of(udp(upstream.address())), SocketBinder.NONE, Duration.ofSeconds(2), 1232);
        Future<InetAddress> f = r.resolve("host.example.test", upstream.group().next());
        assertEquals(InetAddress.getByName(Dnsmasq.EXAMPLE_ADDRESS), f.get(5, TimeUnit.SECONDS));
        assertEquals(InetAddress.getByName(Dnsmasq.EXAMPLE_ADDRESS), r.lookup("host2.example.test"));
        assertThrows(UnknownHostException.class, () -> r.lookup("unknown.invalid"));
        // Non-ASCII names go out as punycode and still match the reply (dnsmasq's --address covers them).
        assertEquals(InetAddress.getByName(Dnsmasq.EXAMPLE_ADDRESS), r.lookup("bücher.example.test"));
    }

    @Test
    void nameserverPolicyEntriesAreTriedInTheOrderWrittenAndTheMostSpecificOfConsecutivePatternsChooses()
            throws Exception {
        try (DatagramSocket silent = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            Nameserver answers = udp(upstream.address());
            Nameserver nobody = udp((InetSocketAddress) silent.getLocalSocketAddress());
            Map<String, Object> written = new java.util.LinkedHashMap<>();
            written.put("geosite:corp", answers.toString());
            written.put("+.example.test", nobody.toString());
            written.put("+.deep.example.test", answers.toString());
            written.put("rule-set:late", answers.toString());
            UpstreamResolver r = new UpstreamResolver(new UpstreamResolver.Servers(List.of(answers),
                    DnsOptions.parsePolicy(written), List.of()), HostsTable.empty(), false, upstream.group(),
                    SocketBinder.NONE, dev.turnout.host.dial.layer.TlsLayer.fromEnvironment(), a -> false,
                    UpstreamResolver.Settings.within(Duration.ofMillis(300), 0, 1232));
            InetAddress example = InetAddress.getByName(Dnsmasq.EXAMPLE_ADDRESS);
            UnknownHostException before = assertThrows(UnknownHostException.class, () -> r.lookup("a.corp.example.test"));
            assertTrue(before.getMessage().contains(nobody.toString()), "no sets yet: +.example.test chooses");
            r.useMatchers((key, name) -> key.equals("geosite:corp") && name.endsWith(".corp.example.test")
                    || key.equals("rule-set:late") && name.equals("late.example.test"));
            assertEquals(example, r.lookup("A.Corp.Example.Test"), "the set comes first and chooses");
            assertEquals(example, r.lookup("a.deep.example.test"), "the more specific of two consecutive patterns");
            UnknownHostException shadowed = assertThrows(UnknownHostException.class, () -> r.lookup("late.example.test"));
            assertTrue(shadowed.getMessage().contains(nobody.toString()), "an earlier entry chose: " + shadowed);
            assertThrows(UnknownHostException.class, () -> r.lookup("x.example.test"));
            assertEquals(Dnsmasq.BIG_RECORDS, r.resolveAll("big.records.test").get(5, TimeUnit.SECONDS).size(),
                    "a name no entry matches is asked of nameserver");
        }
    }

    @Test
    void fallbackAnswersWhenTheFilterDistrustsTheNameserversAddressesOrTheNameIsItsAlone() throws Exception {
        try (Dnsmasq fallback = Dnsmasq.start("--log-queries", "--address=/abroad.example.test/198.51.100.9",
                "--address=/fb.test/198.51.100.10", "--address=/only.test/198.51.100.11")) {
            UpstreamResolver r = new UpstreamResolver(new UpstreamResolver.Servers(List.of(udp(upstream.address())),
                    List.of(udp(fallback.address)), Map.of(), List.of()), HostsTable.empty(), false, upstream.group(),
                    SocketBinder.NONE, dev.turnout.host.dial.layer.TlsLayer.fromEnvironment(), a -> false,
                    UpstreamResolver.Settings.within(Duration.ofSeconds(2), 0, 1232));
            InetAddress polluted = InetAddress.getByName(Dnsmasq.EXAMPLE_ADDRESS);
            assertEquals(polluted, r.lookup("www.abroad.example.test"), "no filter yet: nameserver's answer stands");
            r.useMatchers(new DnsMatchers() {
                @Override
                public boolean contains(String key, String name) {
                    return false;
                }

                @Override
                public boolean distrusts(InetAddress answer) {
                    return answer.getHostAddress().startsWith("203.0.113.");
                }

                @Override
                public boolean fallbackOnly(String name) {
                    return name.endsWith(".only.test");
                }
            });
            assertEquals(InetAddress.getByName("198.51.100.9"), r.lookup("api.abroad.example.test"),
                    "nameserver's address is distrusted: fallback's answer");
            assertEquals(Dnsmasq.BIG_RECORDS, r.resolveAll("big.records.test").get(5, TimeUnit.SECONDS).size());
            assertFalse(fallback.log().contains("big.records.test"), "trusted: fallback never asked\n" + fallback.log());
            assertEquals(InetAddress.getByName("198.51.100.11"), r.lookup("x.only.test"));
            assertFalse(upstream.dnsmasq().log().contains("only.test"), "asked of fallback alone\n" + upstream.dnsmasq().log());
            assertEquals(InetAddress.getByName("198.51.100.10"), r.lookup("fb.test"),
                    "nameserver refused, so it gave no address: fallback's answer");
            assertTrue(upstream.dnsmasq().log().contains("query[A] fb.test"), upstream.dnsmasq().log());
        }
    }

    @Test
    void fallsBackToTcpWhenTheUdpAnswerIsTruncated() throws Exception {
        for (int edns : new int[] {0, 1232}) {
            UpstreamResolver r = resolver(List.of(udp(upstream.address())), SocketBinder.NONE, Duration.ofSeconds(2),
                    edns);
            List<InetAddress> all = r.resolveAll("big.records.test").get(5, TimeUnit.SECONDS);
            assertEquals(Dnsmasq.BIG_RECORDS, all.size(), "all records, which only TCP can carry");
        }
    }

    @Test
    void tcpNameserversWork() throws Exception {
        UpstreamResolver r = resolver(List.of(new Nameserver(Nameserver.Protocol.TCP, upstream.address())),
                SocketBinder.NONE, Duration.ofSeconds(2), 1232);
        assertEquals(InetAddress.getByName(Dnsmasq.EXAMPLE_ADDRESS), r.lookup("tcp.example.test"));
    }

    @Test
    void aLateAnswerToTheFirstTryIsTakenWithinFiveSeconds() throws Exception {
        // The server answers its first query after 3 s and never the tries sent again meanwhile (at 2 s).
        try (ScriptedUpstream slow = new ScriptedUpstream(
                ScriptedUpstream.Script.answers("198.51.100.3", 3000).firstQueryOnly())) {
            UpstreamResolver r = new UpstreamResolver(List.of(slow.udp()), HostsTable.empty(), false, upstream.group(),
                    SocketBinder.NONE, UpstreamResolver.Settings.defaults());
            long t0 = System.nanoTime();
            assertEquals(InetAddress.getByName("198.51.100.3"), r.lookup("slow.example.test"));
            long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
            assertTrue(ms >= 2900 && ms < 4500, "the first try's answer, at 3 s: " + ms + " ms");
            assertTrue(slow.heard().size() >= 2, "the query was sent again meanwhile: " + slow.heard().size());
        }
    }

    @Test
    void aSilentServerInTheListCostsTheOthersNothingAndTheBudgetEndsTheWait() throws Exception {
        try (ScriptedUpstream dead = new ScriptedUpstream(ScriptedUpstream.Script.mute());
                ScriptedUpstream live = new ScriptedUpstream(ScriptedUpstream.Script.answers("198.51.100.4", 0))) {
            UpstreamResolver r = new UpstreamResolver(List.of(dead.udp(), live.udp()), HostsTable.empty(), false,
                    upstream.group(), SocketBinder.NONE, UpstreamResolver.Settings.defaults());
            for (String name : List.of("one.example.test", "two.example.test")) {
                long t0 = System.nanoTime();
                assertEquals(InetAddress.getByName("198.51.100.4"), r.lookup(name));
                long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
                assertTrue(ms < 1000, name + ": both asked at once, the live one answers: " + ms + " ms");
            }
            assertFalse(dead.heard().isEmpty(), "the silent server was asked too (at least once: the other's answer may"
                    + " come before its query is out)");

            UpstreamResolver onlyDead = new UpstreamResolver(List.of(dead.udp()), HostsTable.empty(), false,
                    upstream.group(), SocketBinder.NONE,
                    new UpstreamResolver.Settings(Duration.ofMillis(200), Duration.ofMillis(700), 0, 1232));
            long t1 = System.nanoTime();
            UnknownHostException e = assertThrows(UnknownHostException.class,
                    () -> onlyDead.lookup("never.example.test"));
            long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t1);
            assertTrue(ms >= 650 && ms < 2000, "the budget, 700 ms: " + ms + " ms");
            assertTrue(e.getMessage().contains("within 700 ms") && e.getMessage().contains(dead.udp().toString()),
                    e.getMessage());
        }
    }

    @Test
    void theOtherServersAreLeftOnceOneAnswers() throws Exception {
        try (ScriptedUpstream dead = new ScriptedUpstream(ScriptedUpstream.Script.mute());
                ScriptedUpstream live = new ScriptedUpstream(ScriptedUpstream.Script.answers("198.51.100.5", 0))) {
            AtomicInteger sockets = new AtomicInteger();
            UpstreamResolver r = new UpstreamResolver(List.of(dead.udp(), live.udp()), HostsTable.empty(), false,
                    upstream.group(), ch -> sockets.incrementAndGet(),
                    new UpstreamResolver.Settings(Duration.ofMillis(150), Duration.ofSeconds(5), 0, 1232));
            assertEquals(InetAddress.getByName("198.51.100.5"), r.lookup("left.example.test"));
            Thread.sleep(700);
            assertEquals(1, dead.heard().size(), "no tries again once the question was answered");
            assertEquals(2, sockets.get());
        }
    }

    @Test
    void aServfailOrRefusedFromOneServerDoesNotWinOverAnAnswerFromAnother() throws Exception {
        for (DnsResponseCode bad : List.of(DnsResponseCode.SERVFAIL, DnsResponseCode.REFUSED)) {
            try (ScriptedUpstream failing = new ScriptedUpstream(ScriptedUpstream.Script.failing(bad));
                    ScriptedUpstream later = new ScriptedUpstream(ScriptedUpstream.Script.answers("198.51.100.6", 300));
                    ScriptedUpstream failingToo = new ScriptedUpstream(ScriptedUpstream.Script.failing(bad))) {
                UpstreamResolver r = new UpstreamResolver(List.of(failing.udp(), later.udp()), HostsTable.empty(),
                        false, upstream.group(), SocketBinder.NONE, UpstreamResolver.Settings.defaults());
                assertEquals(InetAddress.getByName("198.51.100.6"), r.lookup("good.example.test"), bad.toString());

                UpstreamResolver allBad = new UpstreamResolver(List.of(failing.udp(), failingToo.udp()),
                        HostsTable.empty(), false, upstream.group(), SocketBinder.NONE,
                        UpstreamResolver.Settings.defaults());
                long t0 = System.nanoTime();
                UpstreamReply reply = allBad.query("bad.example.test", DnsRecordType.A).get(6, TimeUnit.SECONDS);
                assertEquals(bad, reply.code(), "no server did better: the bad answer is the answer");
                assertTrue(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0) < 1000,
                        "every server answered: no waiting for the budget");
            }
        }
    }

    @Test
    void plainAndTcpServersKnownByNameAreLookedUpInHostsOrThroughDefaultNameserver() throws Exception {
        int port = upstream.address().getPort();
        try (ScriptedUpstream bootstrap = new ScriptedUpstream(ScriptedUpstream.Script.answers("127.0.0.1", 0))) {
            for (String server : List.of("udp://ns.example.test:" + port, "tcp://ns.example.test:" + port)) {
                UpstreamResolver r = new UpstreamResolver(new UpstreamResolver.Servers(
                        List.of(Nameserver.parse(server)), Map.of(), List.of(bootstrap.udp())), HostsTable.empty(),
                        false, upstream.group(), SocketBinder.NONE, dev.turnout.host.dial.layer.TlsLayer.fromEnvironment(),
                        a -> false, UpstreamResolver.Settings.defaults());
                assertEquals(InetAddress.getByName(Dnsmasq.EXAMPLE_ADDRESS), r.lookup("named.example.test"), server);
            }
            assertEquals(2, bootstrap.heard().size(), "each resolver looked the server's name up");
        }
        UpstreamResolver fromHosts = new UpstreamResolver(new UpstreamResolver.Servers(
                List.of(Nameserver.parse("tcp://ns.lan.test:" + port)), Map.of(), List.of()),
                new HostsTable(Map.of("ns.lan.test", List.of(InetAddress.getLoopbackAddress()))), false,
                upstream.group(), SocketBinder.NONE, dev.turnout.host.dial.layer.TlsLayer.fromEnvironment(), a -> false,
                UpstreamResolver.Settings.defaults());
        assertEquals(InetAddress.getByName(Dnsmasq.EXAMPLE_ADDRESS), fromHosts.lookup("hosts.example.test"));
    }

    @Test
    void anEmptyNameserverListPassesToFallbackAtOnce() throws Exception {
        try (ScriptedUpstream fallback = new ScriptedUpstream(ScriptedUpstream.Script.answers("198.51.100.8", 0))) {
            UpstreamResolver r = new UpstreamResolver(new UpstreamResolver.Servers(List.of(), List.of(fallback.udp()),
                    Map.of(), List.of()), HostsTable.empty(), false, upstream.group(), SocketBinder.NONE,
                    dev.turnout.host.dial.layer.TlsLayer.fromEnvironment(), a -> false,
                    UpstreamResolver.Settings.defaults());
            for (DnsRecordType type : List.of(DnsRecordType.A, DnsRecordType.MX)) {
                long t0 = System.nanoTime();
                assertEquals(DnsResponseCode.NOERROR, r.query("empty.example.test", type).get(8, TimeUnit.SECONDS)
                        .code(), type.toString());
                long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
                assertTrue(ms < 1000, type + ": no budget spent waiting on no server: " + ms + " ms");
            }
        }
    }

    @Test
    void cachesAnswersByTtl() throws Exception {
        AtomicInteger sockets = new AtomicInteger();
        UpstreamResolver r = resolver(List.of(udp(upstream.address())), ch -> sockets.incrementAndGet(),
                Duration.ofSeconds(2), 1232);
        r.lookup("cached.example.test");
        int after = sockets.get();
        for (int i = 0; i < 5; i++) {
            r.lookup("cached.example.test");
        }
        assertEquals(after, sockets.get(), "no new sockets for cached answers");
        assertEquals(1, r.cachedAnswers());
    }

    @Test
    void everySocketPassesThroughTheBinderAndAFailingBinderFailsClosed() throws Exception {
        AtomicInteger udpSockets = new AtomicInteger();
        AtomicInteger tcpSockets = new AtomicInteger();
        UpstreamResolver r = resolver(List.of(udp(upstream.address())), ch -> {
            if (ch instanceof DatagramChannel) {
                udpSockets.incrementAndGet();
            } else if (ch instanceof SocketChannel) {
                tcpSockets.incrementAndGet();
            }
        }, Duration.ofSeconds(2), 0);
        r.resolveAll("big.records.test").get(5, TimeUnit.SECONDS);
        assertEquals(1, udpSockets.get());
        assertEquals(1, tcpSockets.get());

        UpstreamResolver refusing = resolver(List.of(udp(upstream.address())), ch -> {
            throw new java.io.IOException("no such interface");
        }, Duration.ofSeconds(1), 0);
        String log = upstream.dnsmasq().log();
        assertThrows(UnknownHostException.class, () -> refusing.lookup("leak.example.test"));
        assertFalse(upstream.dnsmasq().log().substring(log.length()).contains("leak.example.test"),
                "nothing was sent without the binding");
    }

    @Test
    void hostsAndLiteralsNeverQuery() throws Exception {
        InetAddress fixed = InetAddress.getByName("192.0.2.7");
        AtomicInteger sockets = new AtomicInteger();
        UpstreamResolver r = new UpstreamResolver(List.of(udp(upstream.address())),
                new HostsTable(Map.of("*.fixed.test", List.of(fixed))), false, upstream.group(),
                ch -> sockets.incrementAndGet(), UpstreamResolver.Settings.defaults());
        assertEquals(fixed, r.lookup("a.fixed.test"));
        assertEquals(InetAddress.getByName("198.51.100.1"), r.lookup("198.51.100.1"));
        assertEquals(0, sockets.get());
    }

    @Test
    void concurrentIdenticalQuestionsShareOneExchange() throws Exception {
        AtomicInteger sockets = new AtomicInteger();
        UpstreamResolver r = resolver(List.of(udp(upstream.address())), ch -> sockets.incrementAndGet(),
                Duration.ofSeconds(2), 1232);
        List<Future<List<InetAddress>>> all = new java.util.ArrayList<>();
        for (int i = 0; i < 20; i++) {
            all.add(r.resolveAll("shared.example.test"));
        }
        for (Future<List<InetAddress>> f : all) {
            assertEquals(List.of(InetAddress.getByName(Dnsmasq.EXAMPLE_ADDRESS)), f.get(5, TimeUnit.SECONDS));
        }
        assertEquals(1, sockets.get());
    }
}
