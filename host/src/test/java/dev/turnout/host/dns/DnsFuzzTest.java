package dev.turnout.host.dns;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.turnout.host.dial.SocketBinder;
import dev.turnout.host.dial.Transport;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.EventLoopGroup;
import io.netty.handler.codec.dns.DnsRecordType;
import io.netty.handler.codec.dns.DnsResponse;
import io.netty.handler.codec.dns.DnsResponseCode;
import io.netty.util.concurrent.Future;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Hostile input: the handler answers FORMERR (when the header is readable and claims a query) or drops, never
 * throws, never hangs. Upstream has no servers, so anything valid that gets forwarded fails at once.
 */
class DnsFuzzTest {

    private static EventLoopGroup group;
    private static DnsHandler handler;

    @BeforeAll
    static void setUp() {
        group = Transport.newGroup(1, "dns-fuzz");
        DnsOptions o = new DnsOptions(true, null, EnhancedMode.FAKE_IP, Cidr.parse("198.18.0.1/24"), null,
                List.of("+.filtered.test"), List.of(), null, null, true, null);
        FakeIpPool pool = new FakeIpPool(o.fakeIpRange(), List.of(), Integer.MAX_VALUE);
        handler = new DnsHandler(o, pool, null, new FakeIpFilter(o.fakeIpFilter()), HostsTable.empty(),
                new UpstreamResolver(List.of(), HostsTable.empty(), true, group, SocketBinder.NONE,
                        UpstreamResolver.Settings.defaults()));
    }

    @AfterAll
    static void tearDown() {
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(10, TimeUnit.SECONDS);
    }

    /** Runs one input; returns the decoded answer or null when dropped. */
    private static DnsResponse run(byte[] input) throws Exception {
        ByteBuf in = Unpooled.wrappedBuffer(input);
        Future<ByteBuf> f = handler.handleDatagram(in);
        assertTrue(f.await(5, TimeUnit.SECONDS), "completes");
        assertTrue(f.isSuccess(), "never fails: " + f.cause());
        assertEquals(0, in.readerIndex(), "input untouched");
        ByteBuf out = f.getNow();
        if (out == null) {
            return null;
        }
        try {
            assertTrue(out.readableBytes() <= DnsHandler.UDP_PLAIN_LIMIT, "answers fit a plain UDP datagram");
            return DnsTestMessages.decode(out);
        } finally {
            out.release();
        }
    }

    private static void assertFormErr(byte[] input, int id) throws Exception {
        DnsResponse r = run(input);
        try {
            assertTrue(r != null, "answered");
            assertEquals(DnsResponseCode.FORMERR, r.code());
            assertEquals(id, r.id());
        } finally {
            if (r != null) {
                r.release();
            }
        }
    }

    private static byte[] header(int id, int flags, int qd, int an, int ns, int ar) {
        return new byte[] {(byte) (id >> 8), (byte) id, (byte) (flags >> 8), (byte) flags, (byte) (qd >> 8),
                (byte) qd, (byte) (an >> 8), (byte) an, (byte) (ns >> 8), (byte) ns, (byte) (ar >> 8), (byte) ar};
    }

    private static byte[] concat(byte[]... parts) {
        int n = 0;
        for (byte[] p : parts) {
            n += p.length;
        }
        byte[] out = new byte[n];
        int at = 0;
        for (byte[] p : parts) {
            System.arraycopy(p, 0, out, at, p.length);
            at += p.length;
        }
        return out;
    }

    @Test
    void compressionPointerLoopGetsFormerr() throws Exception {
        // Question name is a pointer to itself (offset 12).
        assertFormErr(concat(header(0x1234, 0x0100, 1, 0, 0, 0), new byte[] {(byte) 0xC0, 12, 0, 1, 0, 1}), 0x1234);
        // Two pointers pointing at each other.
        assertFormErr(concat(header(0x1235, 0x0100, 1, 0, 0, 0),
                new byte[] {1, 'a', (byte) 0xC0, 16, (byte) 0xC0, 12, 0, 1, 0, 1}), 0x1235);
        // Pointer past the end.
        assertFormErr(concat(header(0x1236, 0x0100, 1, 0, 0, 0), new byte[] {(byte) 0xC0, (byte) 0xFF, 0, 1, 0, 1}),
                0x1236);
    }

    @Test
    void truncatedQueriesAtEveryLengthNeverThrow() throws Exception {
        byte[] good = DnsTestMessages.query(0x4321, "truncated.example.com", DnsRecordType.A, 1232);
        for (int len = 0; len < good.length; len++) {
            DnsResponse r = run(java.util.Arrays.copyOf(good, len));
            if (len < 12) {
                assertNull(r, "no header, nothing to answer");
            } else if (r != null) {
                // Cuts inside the trailing OPT record may still decode; anything else is FORMERR.
                assertEquals(0x4321, r.id());
                r.release();
            }
        }
        DnsResponse full = run(good);
        assertEquals(DnsResponseCode.NOERROR, full.code());
        full.release();
    }

    @Test
    void headerClaimingManyRecordsGetsFormerr() throws Exception {
        assertFormErr(concat(header(7, 0x0100, 0xFFFF, 0xFFFF, 0xFFFF, 0xFFFF), new byte[] {0}), 7);
    }

    @Test
    void responsesAreDroppedNotAnswered() throws Exception {
        byte[] q = DnsTestMessages.query(8, "x.example.com", DnsRecordType.A);
        q[2] |= (byte) 0x80;
        assertNull(run(q));
    }

    @Test
    void oversizedMessagesAreHandled() throws Exception {
        // Above 512 bytes but legal (a long name plus padding after the message): answered normally.
        byte[] q = DnsTestMessages.query(9, "a".repeat(63) + "." + "b".repeat(63) + ".example.com", DnsRecordType.A);
        DnsResponse r = run(concat(q, new byte[600]));
        assertEquals(DnsResponseCode.NOERROR, r.code());
        r.release();
        // Larger than any DNS message can be: dropped.
        assertNull(run(concat(q, new byte[70_000])));
        // Zero questions, two questions: FORMERR.
        assertFormErr(header(10, 0x0100, 0, 0, 0, 0), 10);
        byte[] two = DnsTestMessages.query(11, "a.test", DnsRecordType.A);
        two[5] = 2;
        byte[] question = java.util.Arrays.copyOfRange(two, 12, two.length);
        assertFormErr(concat(two, question), 11);
    }

    @Test
    void randomBytesAndMutationsNeverThrow() throws Exception {
        Random rnd = new Random(0x5EED);
        byte[] base = DnsTestMessages.query(0x55AA, "mutate.example.com", DnsRecordType.A, 1232);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        int runs = 0;
        for (int i = 0; i < 30_000 && System.nanoTime() < deadline; i++, runs++) {
            byte[] input;
            if (i % 2 == 0) {
                input = new byte[rnd.nextInt(600)];
                rnd.nextBytes(input);
            } else {
                input = base.clone();
                for (int k = 1 + rnd.nextInt(4); k > 0; k--) {
                    input[rnd.nextInt(input.length)] = (byte) rnd.nextInt(256);
                }
                if (rnd.nextBoolean()) {
                    input = java.util.Arrays.copyOf(input, rnd.nextInt(input.length + 1));
                }
            }
            DnsResponse r = run(input);
            if (r != null) {
                if (input.length >= 2) {
                    assertEquals(((input[0] & 0xFF) << 8) | (input[1] & 0xFF), r.id(), "answer carries the query ID");
                }
                r.release();
            }
        }
        assertTrue(runs > 1000, "ran " + runs);
        // Still healthy afterwards.
        DnsResponse ok = run(DnsTestMessages.query(1, "after.example.com", DnsRecordType.A));
        assertEquals(DnsResponseCode.NOERROR, ok.code());
        ok.release();
    }
}
