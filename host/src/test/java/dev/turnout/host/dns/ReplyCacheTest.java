package dev.turnout.host.dns;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.dns.DefaultDnsQuestion;
import io.netty.handler.codec.dns.DefaultDnsRawRecord;
import io.netty.handler.codec.dns.DefaultDnsResponse;
import io.netty.handler.codec.dns.DnsOpCode;
import io.netty.handler.codec.dns.DnsRecord;
import io.netty.handler.codec.dns.DnsRecordType;
import io.netty.handler.codec.dns.DnsResponse;
import io.netty.handler.codec.dns.DnsResponseCode;
import io.netty.handler.codec.dns.DnsSection;
import java.net.InetSocketAddress;
import org.junit.jupiter.api.Test;

class ReplyCacheTest {

    private static final long SECOND = 1_000_000_000L;

    /** An answer as upstream sends it: A with TTL 300, NS with 600 in authority, an OPT record with the DO bit. */
    private static UpstreamReply reply() throws Exception {
        DefaultDnsResponse r = new DefaultDnsResponse(7, DnsOpCode.QUERY, DnsResponseCode.NOERROR);
        try {
            r.addRecord(DnsSection.QUESTION, new DefaultDnsQuestion("ttl.example.test.", DnsRecordType.A));
            r.addRecord(DnsSection.ANSWER, new AddressRecord("ttl.example.test.", DnsRecordType.A, 300,
                    Unpooled.wrappedBuffer(new byte[] {(byte) 198, 51, 100, 7})));
            r.addRecord(DnsSection.AUTHORITY, new DefaultDnsRawRecord("example.test.", DnsRecordType.NS,
                    DnsRecord.CLASS_IN, 600, DnsHandler.nameWire("ns.example.test.")));
            r.addRecord(DnsSection.ADDITIONAL, new DefaultDnsRawRecord("", DnsRecordType.OPT, 1232, 0x8000,
                    Unpooled.EMPTY_BUFFER));
            ByteBuf wire = DnsWire.encodeResponse(r);
            try {
                return UpstreamReply.parse(wire, new InetSocketAddress(0), 7, "ttl.example.test", DnsRecordType.A);
            } finally {
                wire.release();
            }
        } finally {
            r.release();
        }
    }

    private static long ttl(UpstreamReply reply, DnsSection section) {
        DnsResponse r = DnsTestMessages.decode(reply.wire());
        try {
            return r.<DnsRecord>recordAt(section).timeToLive();
        } finally {
            r.release();
        }
    }

    @Test
    void anAnswerFromTheCacheCarriesTheTimeItsRecordsHaveLeft() throws Exception {
        ReplyCache cache = new ReplyCache(8);
        long t0 = 1_000 * SECOND;
        cache.put("1 ttl.example.test", reply(), t0);

        UpstreamReply fresh = cache.get("1 ttl.example.test", t0);
        assertEquals(300, ttl(fresh, DnsSection.ANSWER));

        UpstreamReply later = cache.get("1 ttl.example.test", t0 + 2 * SECOND + SECOND / 2);
        assertEquals(297, ttl(later, DnsSection.ANSWER), "2.5 s later, rounded up to 3");
        assertEquals(597, ttl(later, DnsSection.AUTHORITY), "every section's records count down");
        assertEquals(0x8000, ttl(later, DnsSection.ADDITIONAL), "the OPT record's flags (DO) are no TTL");
        assertEquals(297, later.ttlSeconds());

        UpstreamReply last = cache.get("1 ttl.example.test", t0 + 299 * SECOND + SECOND / 2);
        assertEquals(1, ttl(last, DnsSection.ANSWER), "never 0 while it is still given out");
        assertNull(cache.get("1 ttl.example.test", t0 + 300 * SECOND), "gone once its TTL ran out");
    }
}
