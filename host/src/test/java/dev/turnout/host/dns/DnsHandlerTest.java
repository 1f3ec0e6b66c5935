package dev.turnout.host.dns;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.turnout.host.dial.SocketBinder;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.dns.DnsPtrRecord;
import io.netty.handler.codec.dns.DnsRawRecord;
import io.netty.handler.codec.dns.DnsRecord;
import io.netty.handler.codec.dns.DnsRecordType;
import io.netty.handler.codec.dns.DnsResponse;
import io.netty.handler.codec.dns.DnsResponseCode;
import io.netty.handler.codec.dns.DnsSection;
import io.netty.channel.DefaultEventLoop;
import io.netty.util.concurrent.Future;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** The handler against a real dnsmasq upstream. */
class DnsHandlerTest {

    @RegisterExtension
    static final DnsmasqUpstream upstream = new DnsmasqUpstream("dns-test");

    record Setup(DnsHandler handler, FakeIpPool pool4, FakeIpPool pool6, FakeIpStore store) {
    }

    static Setup setup(boolean ipv6, String range6, Map<String, List<InetAddress>> hosts) throws Exception {
        return setup(ipv6, range6, hosts, null);
    }

    /** With {@code store} (when not null) journaling {@code pool4}, opened. */
    static Setup setup(boolean ipv6, String range6, Map<String, List<InetAddress>> hosts, Path store)
            throws Exception {
        return setup(ipv6, range6, hosts, Map.of(), store);
    }

    /** With {@code aliases}: hosts: names written as other names. */
    static Setup setup(boolean ipv6, String range6, Map<String, List<InetAddress>> hosts, Map<String, String> aliases,
            Path store) throws Exception {
        DnsOptions o = new DnsOptions(true, null, EnhancedMode.FAKE_IP, null,
                range6 == null ? null : Cidr.parse(range6), List.of("+.example.test", "*.lan"),
                List.of(new Nameserver(Nameserver.Protocol.UDP, upstream.address())), null, null, ipv6, hosts);
        FakeIpPool pool4 = new FakeIpPool(o.fakeIpRange(), List.of(Cidr.parse("198.18.0.2/32")),
                Integer.MAX_VALUE);
        FakeIpPool pool6 = range6 == null ? null : new FakeIpPool(o.fakeIpRange6(), List.of(), 1024);
        HostsTable h = new HostsTable(o.hosts(), aliases, null);
        UpstreamResolver up = new UpstreamResolver(o.upstreams(), h, ipv6, upstream.group(), SocketBinder.NONE,
                UpstreamResolver.Settings.defaults());
        FakeIpStore journal = null;
        if (store != null) {
            journal = new FakeIpStore(store, List.of(pool4));
            journal.open();
        }
        return new Setup(new DnsHandler(o, pool4, pool6, new FakeIpFilter(o.fakeIpFilter()), h, up, journal), pool4,
                pool6, journal);
    }

    static DnsResponse ask(DnsHandler h, int id, String name, DnsRecordType type) throws Exception {
        ByteBuf q = Unpooled.wrappedBuffer(DnsTestMessages.query(id, name, type));
        Future<ByteBuf> f = h.handleDatagram(q);
        assertTrue(f.await(10, TimeUnit.SECONDS), "answered in time");
        ByteBuf out = f.getNow();
        assertNotNull(out, "answered, not dropped");
        try {
            DnsResponse r = DnsTestMessages.decode(out);
            assertEquals(id, r.id());
            return r;
        } finally {
            out.release();
        }
    }

    static List<InetAddress> addresses(DnsHandler h, String name, DnsRecordType type) throws Exception {
        DnsResponse r = ask(h, 4242, name, type);
        try {
            assertEquals(DnsResponseCode.NOERROR, r.code());
            return DnsTestMessages.addresses(r);
        } finally {
            r.release();
        }
    }

    /**
     * An answer that names a new mapping leaves once its journal record is written, so a kill right after it loses
     * nothing; but it does not wait for a disk that takes nothing ({@link JournalOnAFifo}) longer than the
     * patience, and once one answer has waited in vain none waits until the disk takes a write again.
     */
    @Test
    void anAnswerNamingANewMappingWaitsForItsJournalRecordButNotForADiskThatTakesNothing(@TempDir Path dir)
            throws Exception {
        Setup s = setup(false, null, Map.of(), dir.resolve("fake-ip.cache"));
        DefaultEventLoop loop = new DefaultEventLoop();
        try {
            Future<ByteBuf> first = ask(s.handler(), loop, "first.journal.test");
            assertTrue(first.await(10, TimeUnit.SECONDS));
            first.getNow().release();

            try (JournalOnAFifo disk = new JournalOnAFifo(s.store(), dir)) {
                long start = System.nanoTime();
                Future<ByteBuf> waited = ask(s.handler(), loop, "second.journal.test");
                assertTrue(waited.await(10, TimeUnit.SECONDS), "answered although the disk takes nothing");
                long took = System.nanoTime() - start;
                assertTrue(took >= DnsHandler.JOURNAL_PATIENCE.toNanos(), "waited " + took / 1_000_000 + " ms");
                assertNotNull(waited.getNow(), "an answer, not a drop");
                waited.getNow().release();

                Future<ByteBuf> next = ask(s.handler(), loop, "third.journal.test");
                assertTrue(next.isDone(), "known stuck: the next answer does not wait at all");
                next.getNow().release();

                disk.read();
                assertTrue(s.store().journalWritten(Duration.ofSeconds(10)));
                Future<ByteBuf> after = ask(s.handler(), loop, "fourth.journal.test");
                assertTrue(after.await(10, TimeUnit.SECONDS), "answered once the disk takes writes again");
                after.getNow().release();
            }
        } finally {
            loop.shutdownGracefully(0, 1, TimeUnit.SECONDS).await(5, TimeUnit.SECONDS);
        }
    }

    /** A query for {@code name}'s A record, answered as the TUN's hijack asks: on {@code loop}. */
    private static Future<ByteBuf> ask(DnsHandler h, DefaultEventLoop loop, String name) throws Exception {
        ByteBuf q = Unpooled.wrappedBuffer(DnsTestMessages.query(7, name, DnsRecordType.A));
        try {
            return loop.submit(() -> h.handle(q, true, loop)).get(10, TimeUnit.SECONDS);
        } finally {
            q.release();
        }
    }

    @Test
    void answersAWithTheSameFakeAddressOnRepeat() throws Exception {
        Setup s = setup(false, null, Map.of());
        List<InetAddress> first = addresses(s.handler(), "api.example.com", DnsRecordType.A);
        assertEquals(1, first.size());
        assertTrue(s.pool4().inRange(first.get(0)), first.toString());
        assertEquals(first, addresses(s.handler(), "API.Example.com", DnsRecordType.A));
        List<InetAddress> other = addresses(s.handler(), "www.example.com", DnsRecordType.A);
        assertNotEquals(first, other);
        assertEquals("api.example.com", s.pool4().nameOf(first.get(0)));
        DnsResponse r = ask(s.handler(), 1, "api.example.com", DnsRecordType.A);
        try {
            assertEquals(DnsHandler.FAKE_TTL, r.recordAt(DnsSection.ANSWER).timeToLive());
        } finally {
            r.release();
        }
    }

    @Test
    void neverAnswersWithTheTunAddresses() throws Exception {
        Setup s = setup(false, null, Map.of());
        for (int i = 0; i < 50; i++) {
            InetAddress a = addresses(s.handler(), "n" + i + ".example.org", DnsRecordType.A).get(0);
            assertNotEquals(InetAddress.getByName("198.18.0.1"), a);
            assertNotEquals(InetAddress.getByName("198.18.0.2"), a);
            assertNotEquals(InetAddress.getByName("198.18.0.0"), a);
        }
    }

    @Test
    void filteredNamesGetTheUpstreamAnswer() throws Exception {
        Setup s = setup(false, null, Map.of());
        assertEquals(List.of(InetAddress.getByName(Dnsmasq.EXAMPLE_ADDRESS)),
                addresses(s.handler(), "www.example.test", DnsRecordType.A));
        assertEquals(List.of(InetAddress.getByName(Dnsmasq.EXAMPLE_ADDRESS)),
                addresses(s.handler(), "example.test", DnsRecordType.A));
        assertEquals(0, s.pool4().mapped());
    }

    /** A query for {@code name} written byte for byte as given (Netty's codec would make its labels punycode). */
    private static byte[] rawQuery(int id, byte[] name, DnsRecordType type) {
        java.io.ByteArrayOutputStream q = new java.io.ByteArrayOutputStream();
        q.writeBytes(new byte[] {(byte) (id >> 8), (byte) id, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0});
        for (String label : new String(name, StandardCharsets.ISO_8859_1).split("\\.")) {
            q.write(label.length());
            q.writeBytes(label.getBytes(StandardCharsets.ISO_8859_1));
        }
        q.writeBytes(new byte[] {0, (byte) (type.intValue() >> 8), (byte) type.intValue(), 0, 1});
        return q.toByteArray();
    }

    /** The answer's bytes to {@code query}. */
    private static byte[] answerBytes(DnsHandler h, byte[] query) throws Exception {
        Future<ByteBuf> f = h.handleDatagram(Unpooled.wrappedBuffer(query));
        assertTrue(f.await(10, TimeUnit.SECONDS), "answered in time");
        ByteBuf out = f.getNow();
        try {
            return io.netty.buffer.ByteBufUtil.getBytes(out);
        } finally {
            out.release();
        }
    }

    @Test
    void everyAnswerEchoesTheClientsOwnQuestionAndOwnerNamesCachedOrNot() throws Exception {
        Setup s = setup(false, null, Map.of());
        byte[][] names = {
            "Mixed.Example.Test".getBytes(StandardCharsets.US_ASCII),
            "mIXED.eXAMPLE.tEST".getBytes(StandardCharsets.US_ASCII), // the cached answer to the first
            "b\u00fcCher.example.test".getBytes(StandardCharsets.UTF_8), // 8-bit labels, as dig sends them
            "b\u00fcCher.fake.test".getBytes(StandardCharsets.UTF_8), // a fake answer
        };
        int id = 700;
        for (byte[] name : names) {
            byte[] query = rawQuery(++id, name, DnsRecordType.A);
            byte[] answer = answerBytes(s.handler(), query);
            String sent = new String(name, StandardCharsets.ISO_8859_1);
            assertEquals(sent, new String(answer, 13, query.length - 13 - 5, StandardCharsets.ISO_8859_1)
                    .replaceAll("[\\x00-\\x20]", "."), "the question as sent");
            assertTrue(java.util.Arrays.equals(query, 12, query.length, answer, 12, query.length),
                    "question section byte for byte: " + sent);
            DnsResponse r = DnsTestMessages.decode(answer);
            try {
                assertEquals(DnsResponseCode.NOERROR, r.code(), sent);
                DnsRecord owner = r.recordAt(DnsSection.ANSWER);
                assertEquals(java.net.IDN.toASCII(new String(name, StandardCharsets.UTF_8)) + ".", owner.name(),
                        "the owner is the client's name too: " + sent);
                assertEquals(1, DnsTestMessages.addresses(r).size());
            } finally {
                r.release();
            }
        }
    }

    @Test
    void aRelayedAnswerHasAnOptRecordOnlyWhenTheClientSentOne() throws Exception {
        Setup s = setup(false, null, Map.of());
        for (int edns : new int[] {-1, 1232, -1}) { // the second plain one from the cache
            byte[] answer = answerBytes(s.handler(), DnsTestMessages.query(800 + edns, "opt.example.test",
                    DnsRecordType.A, edns));
            DnsResponse r = DnsTestMessages.decode(answer);
            try {
                boolean opt = false;
                for (int i = 0; i < r.count(DnsSection.ADDITIONAL); i++) {
                    opt |= r.recordAt(DnsSection.ADDITIONAL, i).type().equals(DnsRecordType.OPT);
                }
                assertEquals(edns >= 0, opt, "EDNS " + edns + " (RFC 6891 6.1.1: none to a client that sent none)");
                assertEquals(List.of(InetAddress.getByName(Dnsmasq.EXAMPLE_ADDRESS)), DnsTestMessages.addresses(r));
            } finally {
                r.release();
            }
        }
    }

    @Test
    void aaaaIsEmptyWithIpv6OffAndFakeWithIpv6On() throws Exception {
        Setup off = setup(false, "fdfe:dcba:9876::1/64", Map.of());
        assertEquals(List.of(), addresses(off.handler(), "v6.example.com", DnsRecordType.AAAA));
        Setup on = setup(true, "fdfe:dcba:9876::1/64", Map.of());
        List<InetAddress> six = addresses(on.handler(), "v6.example.com", DnsRecordType.AAAA);
        assertEquals(1, six.size());
        assertTrue(on.pool6().inRange(six.get(0)));
        assertEquals(six, addresses(on.handler(), "v6.example.com", DnsRecordType.AAAA));
        Setup noRange = setup(true, null, Map.of());
        assertEquals(List.of(), addresses(noRange.handler(), "v6.example.com", DnsRecordType.AAAA));
        // A filtered name with IPv6 on gets dnsmasq's real AAAA.
        assertEquals(List.of(InetAddress.getByName("2001:db8::53")),
                addresses(setupFiltered(true).handler(), "v6.records.test", DnsRecordType.AAAA));
    }

    private static Setup setupFiltered(boolean ipv6) throws Exception {
        DnsOptions o = new DnsOptions(true, null, EnhancedMode.FAKE_IP, null, null, List.of("+.records.test"),
                List.of(new Nameserver(Nameserver.Protocol.UDP, upstream.address())), null, null, ipv6, null);
        FakeIpPool pool4 = new FakeIpPool(o.fakeIpRange(), List.of(), Integer.MAX_VALUE);
        UpstreamResolver up = new UpstreamResolver(o.upstreams(), HostsTable.empty(), ipv6, upstream.group(),
                SocketBinder.NONE, UpstreamResolver.Settings.defaults());
        return new Setup(new DnsHandler(o, pool4, null, new FakeIpFilter(o.fakeIpFilter()), HostsTable.empty(),
                up), pool4, null, null);
    }

    @Test
    void otherTypesAreForwardedAndRelayed() throws Exception {
        Setup s = setup(false, null, Map.of());
        DnsResponse txt = ask(s.handler(), 77, "txt.records.test", DnsRecordType.TXT);
        try {
            assertEquals(DnsResponseCode.NOERROR, txt.code());
            DnsRawRecord rec = txt.recordAt(DnsSection.ANSWER);
            assertEquals(DnsRecordType.TXT, rec.type());
            assertTrue(rec.content().toString(StandardCharsets.US_ASCII).contains("hello from dnsmasq"));
        } finally {
            txt.release();
        }
        DnsResponse mx = ask(s.handler(), 78, "records.test", DnsRecordType.MX);
        try {
            assertEquals(DnsRecordType.MX, mx.recordAt(DnsSection.ANSWER).type());
        } finally {
            mx.release();
        }
        assertEquals(0, s.pool4().mapped());
    }

    @Test
    void httpsAndSvcbForAFakedNameAreEmptyButRelayedForAFilteredOne() throws Exception {
        DnsRecordType https = DnsRecordType.valueOf(65);
        // Upstream has an HTTPS record with ipv4hint 192.0.2.1: a faked name must not leak it to the client.
        Setup s = setup(false, null, Map.of());
        for (DnsRecordType type : List.of(https, DnsRecordType.valueOf(64))) {
            DnsResponse r = ask(s.handler(), 80, "https.records.test", type);
            try {
                assertEquals(DnsResponseCode.NOERROR, r.code());
                assertEquals(0, r.count(DnsSection.ANSWER), type.toString());
            } finally {
                r.release();
            }
        }
        assertEquals(0, s.pool4().mapped());
        DnsResponse real = ask(setupFiltered(false).handler(), 81, "https.records.test", https);
        try {
            assertEquals(DnsResponseCode.NOERROR, real.code());
            DnsRawRecord rec = real.recordAt(DnsSection.ANSWER);
            assertEquals(https, rec.type());
            assertEquals(11, rec.content().readableBytes());
        } finally {
            real.release();
        }
    }

    @Test
    void hostsEntriesAnswerFirst() throws Exception {
        InetAddress fixed = InetAddress.getByName("192.0.2.10");
        Setup s = setup(false, null, Map.of("+.fixed.test", List.of(fixed)));
        assertEquals(List.of(fixed), addresses(s.handler(), "a.fixed.test", DnsRecordType.A));
        assertEquals(0, s.pool4().mapped());
    }

    /**
     * mihomo's hosts: alias ({@code google.cn: google.com}): the question is answered for the other name, with a
     * CNAME to it first: a fake address stands for that name, or the upstream's answer for it when it is filtered.
     */
    @Test
    void aNameWrittenAsAnotherIsAnsweredForThatNameAfterACname() throws Exception {
        Setup s = setup(true, "fdfe:dcba:9876::1/64", Map.of(), Map.of("alias.test", "www.example.test",
                "+.fake.test", "other.test"), null);
        DnsResponse r = ask(s.handler(), 7, "Alias.Test", DnsRecordType.A);
        try {
            assertEquals(DnsResponseCode.NOERROR, r.code());
            DnsRawRecord cname = r.recordAt(DnsSection.ANSWER, 0);
            assertEquals(DnsRecordType.CNAME, cname.type());
            assertEquals("alias.test.", cname.name().toLowerCase(java.util.Locale.ROOT));
            assertEquals(Unpooled.wrappedBuffer(DnsHandler.nameWire("www.example.test.")), cname.content());
            DnsRawRecord address = r.recordAt(DnsSection.ANSWER, 1);
            assertEquals("www.example.test.", address.name());
            assertEquals(List.of(InetAddress.getByName(Dnsmasq.EXAMPLE_ADDRESS)), DnsTestMessages.addresses(r),
                    "the filter gives www.example.test its real address");
        } finally {
            r.release();
        }
        List<InetAddress> fake = addresses(s.handler(), "a.b.fake.test", DnsRecordType.A);
        assertEquals(1, fake.size());
        assertEquals("other.test", s.pool4().nameOf(fake.get(0)), "the fake address stands for the other name");
        List<InetAddress> fake6 = addresses(s.handler(), "c.fake.test", DnsRecordType.AAAA);
        assertEquals("other.test", s.pool6().nameOf(fake6.get(0)));
        assertEquals(1, s.pool4().mapped(), "one name, other.test, however many names stand for it");
    }

    @Test
    void ptrForAFakeAddressNamesItsDomain() throws Exception {
        Setup s = setup(true, "2001:db8:ff::/64", Map.of());
        byte[] a = addresses(s.handler(), "ptr.example.com", DnsRecordType.A).get(0).getAddress();
        String reverse = (a[3] & 0xFF) + "." + (a[2] & 0xFF) + "." + (a[1] & 0xFF) + "." + (a[0] & 0xFF)
                + ".in-addr.arpa";
        DnsResponse r = ask(s.handler(), 9, reverse, DnsRecordType.PTR);
        try {
            DnsRecord rec = r.recordAt(DnsSection.ANSWER);
            assertTrue(rec instanceof DnsPtrRecord, String.valueOf(rec));
            assertEquals("ptr.example.com.", ((DnsPtrRecord) rec).hostname());
        } finally {
            r.release();
        }
        // And an IPv6 fake address's, its nibbles backwards under ip6.arpa (it went upstream: s69's IPv6 tester, F7)
        byte[] a6 = addresses(s.handler(), "ptr6.example.com", DnsRecordType.AAAA).get(0).getAddress();
        StringBuilder reverse6 = new StringBuilder();
        for (int i = 15; i >= 0; i--) {
            reverse6.append(Character.forDigit(a6[i] & 0xF, 16)).append('.')
                    .append(Character.forDigit((a6[i] >> 4) & 0xF, 16)).append('.');
        }
        DnsResponse r6 = ask(s.handler(), 10, reverse6 + "ip6.arpa", DnsRecordType.PTR);
        try {
            DnsRecord rec = r6.recordAt(DnsSection.ANSWER);
            assertTrue(rec instanceof DnsPtrRecord, String.valueOf(rec));
            assertEquals("ptr6.example.com.", ((DnsPtrRecord) rec).hostname());
        } finally {
            r6.release();
        }
    }

    @Test
    void unansweredUpstreamGivesServfail() throws Exception {
        DnsOptions o = new DnsOptions(true, null, EnhancedMode.FAKE_IP, null, null, List.of("+.example.test"),
                List.of(), null, null, false, null);
        FakeIpPool pool4 = new FakeIpPool(o.fakeIpRange(), List.of(), Integer.MAX_VALUE);
        DnsHandler h = new DnsHandler(o, pool4, null, new FakeIpFilter(o.fakeIpFilter()), HostsTable.empty(),
                new UpstreamResolver(List.of(), HostsTable.empty(), false, upstream.group(), SocketBinder.NONE,
                        UpstreamResolver.Settings.defaults()));
        DnsResponse r = ask(h, 5, "x.example.test", DnsRecordType.A);
        try {
            assertEquals(DnsResponseCode.SERVFAIL, r.code());
        } finally {
            r.release();
        }
    }

    @Test
    void aPolicysRcodeAnswerIsRelayedWithoutAskingAnyone() throws Exception {
        Map<String, Object> written = new java.util.LinkedHashMap<>();
        written.put("+.ads.example.test", "rcode://success");
        written.put("+.gone.example.test", List.of("rcode://name_error"));
        written.put("+.shut.example.test", "rcode://refused");
        DnsOptions o = new DnsOptions(true, null, EnhancedMode.NORMAL, null, null, null,
                List.of(new Nameserver(Nameserver.Protocol.UDP, upstream.address())), null, null,
                DnsOptions.parsePolicy(written), false, null);
        UpstreamResolver up = new UpstreamResolver(UpstreamResolver.Servers.of(o), HostsTable.empty(), false,
                upstream.group(), SocketBinder.NONE, dev.turnout.host.dial.layer.TlsLayer.fromEnvironment(), a -> false,
                UpstreamResolver.Settings.defaults());
        DnsHandler h = new DnsHandler(o, null, null, FakeIpFilter.empty(), HostsTable.empty(), up);
        assertEquals(List.of(InetAddress.getByName(Dnsmasq.EXAMPLE_ADDRESS)),
                addresses(h, "www.example.test", DnsRecordType.A), "dnsmasq answers the rest");
        assertEquals(List.of(), addresses(h, "tracker.ads.example.test", DnsRecordType.A), "success: no records");
        Map<String, DnsResponseCode> expected = Map.of("www.gone.example.test", DnsResponseCode.NXDOMAIN,
                "www.shut.example.test", DnsResponseCode.REFUSED);
        for (Map.Entry<String, DnsResponseCode> c : expected.entrySet()) {
            DnsResponse r = ask(h, 77, c.getKey(), DnsRecordType.TXT);
            try {
                assertEquals(c.getValue(), r.code());
                assertEquals(c.getKey() + ".", r.recordAt(DnsSection.QUESTION).name(), "the question is the client's");
                assertEquals(0, r.count(DnsSection.ANSWER));
            } finally {
                r.release();
            }
        }
        assertThrows(java.net.UnknownHostException.class, () -> up.lookup("www.gone.example.test"));
    }

    @Test
    void bigForwardedAnswerIsTruncatedForPlainUdpClients() throws Exception {
        Setup s = setupFiltered(false);
        // dnsmasq truncates at 512, the resolver refetches over TCP, the client without EDNS gets TC.
        DnsResponse r = ask(s.handler(), 11, "big.records.test", DnsRecordType.A);
        try {
            assertTrue(r.isTruncated());
            assertEquals(0, r.count(DnsSection.ANSWER));
        } finally {
            r.release();
        }
        ByteBuf q = Unpooled.wrappedBuffer(DnsTestMessages.query(12, "big.records.test", DnsRecordType.A));
        ByteBuf out = s.handler().handle(q, false, upstream.group().next()).get(10, TimeUnit.SECONDS);
        try {
            DnsResponse full = DnsTestMessages.decode(out);
            assertEquals(Dnsmasq.BIG_RECORDS, full.count(DnsSection.ANSWER));
            full.release();
        } finally {
            out.release();
        }
    }

    /**
     * An upstream whose UDP answer is cut short and whose TCP fails: a TCP client got NOERROR with TC and no record,
     * which reads as "no such record" (DNS helper's F9); mihomo answers SERVFAIL. A UDP client still gets the TC.
     */
    @Test
    void anAnswerCutShortEvenOverTcpIsServfailToATcpClient() throws Exception {
        try (ScriptedUpstream up = new ScriptedUpstream(ScriptedUpstream.Script.truncating())) {
            DnsOptions o = new DnsOptions(true, null, EnhancedMode.FAKE_IP, Cidr.parse("198.18.0.1/29"), null, null,
                    List.of(), null, null, false, null);
            FakeIpPool pool = new FakeIpPool(o.fakeIpRange(), List.of(), Integer.MAX_VALUE);
            DnsHandler h = new DnsHandler(o, pool, null, FakeIpFilter.empty(), HostsTable.empty(),
                    new UpstreamResolver(List.of(up.udp()), HostsTable.empty(), false, upstream.group(),
                            SocketBinder.NONE, UpstreamResolver.Settings.within(Duration.ofSeconds(2), 0, 1232)));
            ByteBuf tcp = Unpooled.wrappedBuffer(DnsTestMessages.query(21, "cut.example.test", DnsRecordType.TXT));
            ByteBuf out = h.handle(tcp, false, upstream.group().next()).get(10, TimeUnit.SECONDS);
            DnsResponse overTcp = DnsTestMessages.decode(out);
            try {
                assertEquals(DnsResponseCode.SERVFAIL, overTcp.code());
            } finally {
                overTcp.release();
                out.release();
            }
            DnsResponse overUdp = ask(h, 22, "cut.example.test", DnsRecordType.TXT);
            try {
                assertTrue(overUdp.isTruncated(), "a UDP client asks again over TCP");
            } finally {
                overUdp.release();
            }
        }
    }

    @Test
    void tinyPoolRecyclesButKeepsPinnedNames() throws Exception {
        DnsOptions o = new DnsOptions(true, null, EnhancedMode.FAKE_IP, Cidr.parse("198.18.0.1/29"), null, null,
                List.of(), null, null, false, null);
        FakeIpPool pool = new FakeIpPool(o.fakeIpRange(), List.of(Cidr.parse("198.18.0.2/32")),
                Integer.MAX_VALUE);
        DnsHandler h = new DnsHandler(o, pool, null, FakeIpFilter.empty(), HostsTable.empty(),
                new UpstreamResolver(List.of(), HostsTable.empty(), false, upstream.group(), SocketBinder.NONE,
                        UpstreamResolver.Settings.defaults()));
        InetAddress held = addresses(h, "held.example.com", DnsRecordType.A).get(0);
        assertEquals("held.example.com", pool.acquire(held)); // an open flow to it
        InetAddress first = addresses(h, "churn0.example.com", DnsRecordType.A).get(0);
        for (int i = 1; i < 12; i++) {
            InetAddress a = addresses(h, "churn" + i + ".example.com", DnsRecordType.A).get(0);
            assertNotEquals(held, a);
        }
        assertNotEquals("churn0.example.com", pool.nameOf(first), "old mappings were recycled");
        assertEquals(List.of(held), addresses(h, "held.example.com", DnsRecordType.A));
        // Every address pinned: SERVFAIL rather than a wrong mapping.
        for (int i = 0; i < 3; i++) {
            pool.acquire(addresses(h, "pin" + i + ".example.com", DnsRecordType.A).get(0));
        }
        DnsResponse r = ask(h, 99, "nospace.example.com", DnsRecordType.A);
        try {
            assertEquals(DnsResponseCode.SERVFAIL, r.code());
        } finally {
            r.release();
        }
    }

    /** A handler in {@code mode}, answering from {@code hosts} only when {@code useHosts} (mihomo's use-hosts). */
    private static DnsHandler handler(EnhancedMode mode, boolean useHosts, Map<String, List<InetAddress>> hosts) {
        DnsOptions o = new DnsOptions(true, null, mode, null, null, List.of("+.example.test"),
                List.of(new Nameserver(Nameserver.Protocol.UDP, upstream.address())), null, null, null, false, hosts,
                FakeIpFilter.Mode.BLACKLIST, null, null, null, useHosts);
        FakeIpPool pool4 = new FakeIpPool(o.fakeIpRange(), List.of(), 1024);
        HostsTable h = new HostsTable(o.hosts(), Map.of(), null);
        UpstreamResolver up = new UpstreamResolver(o.upstreams(), h, false, upstream.group(), SocketBinder.NONE,
                UpstreamResolver.Settings.defaults());
        return new DnsHandler(o, pool4, null, new FakeIpFilter(o.fakeIpFilter()), h, up);
    }

    /**
     * mihomo's redir-host mapping (dns/middleware.go withMapping): the real addresses answered are the asked name's
     * for the flows that go to them; in fake-ip mode a filtered name's too; in normal mode none is, and a switch to
     * normal forgets them.
     */
    @Test
    void realAnswersMapTheirAddressesToTheNameInRedirHostAndFakeIpModeOnly() throws Exception {
        InetAddress answered = InetAddress.getByName(Dnsmasq.EXAMPLE_ADDRESS);
        DnsHandler redirHost = handler(EnhancedMode.REDIR_HOST, true, Map.of());
        assertEquals(null, redirHost.answeredName(answered));
        assertEquals(List.of(answered), addresses(redirHost, "www.Example.test", DnsRecordType.A));
        assertEquals("www.example.test", redirHost.answeredName(answered));
        redirHost.useMode(EnhancedMode.NORMAL);
        assertEquals(null, redirHost.answeredName(answered), "normal mode maps nothing");
        redirHost.useMode(EnhancedMode.REDIR_HOST);
        assertEquals(null, redirHost.answeredName(answered), "the switch to normal forgot the answers");

        DnsHandler fakeIp = handler(EnhancedMode.FAKE_IP, true, Map.of());
        assertEquals(List.of(answered), addresses(fakeIp, "example.test", DnsRecordType.A)); // in fake-ip-filter
        assertEquals("example.test", fakeIp.answeredName(answered));

        DnsHandler normal = handler(EnhancedMode.NORMAL, true, Map.of());
        assertEquals(List.of(answered), addresses(normal, "example.test", DnsRecordType.A));
        assertEquals(null, normal.answeredName(answered));
    }

    /** mihomo's use-hosts: false: the server asks the upstream for a hosts: name (dialing still uses hosts:). */
    @Test
    void withUseHostsFalseTheServerDoesNotAnswerFromHosts() throws Exception {
        Map<String, List<InetAddress>> hosts = Map.of("www.example.test", List.of(InetAddress.getByName("192.0.2.10")));
        assertEquals(List.of(InetAddress.getByName("192.0.2.10")),
                addresses(handler(EnhancedMode.REDIR_HOST, true, hosts), "www.example.test", DnsRecordType.A));
        DnsHandler without = handler(EnhancedMode.REDIR_HOST, false, hosts);
        assertEquals(List.of(InetAddress.getByName(Dnsmasq.EXAMPLE_ADDRESS)),
                addresses(without, "www.example.test", DnsRecordType.A));
        without.answerHosts(true);
        assertEquals(List.of(InetAddress.getByName("192.0.2.10")),
                addresses(without, "www.example.test", DnsRecordType.A), "a reload switched use-hosts on");
    }
}
