package dev.turnout.host.dns;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.handler.codec.dns.DefaultDnsQuestion;
import io.netty.handler.codec.dns.DefaultDnsResponse;
import io.netty.handler.codec.dns.DnsOpCode;
import io.netty.handler.codec.dns.DnsQuestion;
import io.netty.handler.codec.dns.DnsRawRecord;
import io.netty.handler.codec.dns.DnsRecord;
import io.netty.handler.codec.dns.DnsRecordType;
import io.netty.handler.codec.dns.DnsResponse;
import io.netty.handler.codec.dns.DnsResponseCode;
import io.netty.handler.codec.dns.DnsSection;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;

/**
 * One upstream answer: its exact bytes (relayed to clients with only the ID changed, so record types Turnout
 * does not understand pass through intact), plus what the resolver needs from it.
 *
 * @param wire       the whole response message as received
 * @param code       the response code
 * @param addresses  A/AAAA addresses found in the answer section, in order
 * @param ttlSeconds how long it may be cached: the smallest answer TTL, or the SOA TTL of a negative answer;
 *                   -1 when it must not be cached
 * @param truncated  the TC bit: the full answer needs TCP
 */
record UpstreamReply(byte[] wire, DnsResponseCode code, List<InetAddress> addresses, long ttlSeconds,
        boolean truncated) {

    /**
     * Decodes and checks a response to the query {@code (id, name, type)}.
     *
     * @return {@code null} when the bytes are not a well-formed answer to that query (stray or spoofed)
     */
    static UpstreamReply parse(ByteBuf wire, InetSocketAddress sender, int id, String name, DnsRecordType type) {
        DnsResponse r;
        try {
            r = DnsWire.decodeResponse(wire, sender);
        } catch (Exception e) {
            return null;
        }
        try {
            if (r.id() != id || r.count(DnsSection.QUESTION) != 1 || !whole(wire, r)) {
                return null;
            }
            DnsQuestion q = r.recordAt(DnsSection.QUESTION);
            if (!q.type().equals(type) || !sameName(q.name(), name)) {
                return null;
            }
            List<InetAddress> addresses = new ArrayList<>();
            long ttl = Long.MAX_VALUE;
            int answers = r.count(DnsSection.ANSWER);
            for (int i = 0; i < answers; i++) {
                DnsRecord rec = r.recordAt(DnsSection.ANSWER, i);
                ttl = Math.min(ttl, rec.timeToLive());
                if (rec instanceof DnsRawRecord raw && (rec.type().equals(DnsRecordType.A)
                        || rec.type().equals(DnsRecordType.AAAA))) {
                    int len = raw.content().readableBytes();
                    if (len == 4 || len == 16) {
                        addresses.add(InetAddress.getByAddress(ByteBufUtil.getBytes(raw.content())));
                    }
                }
            }
            if (answers == 0) {
                ttl = -1;
                for (int i = 0; i < r.count(DnsSection.AUTHORITY); i++) {
                    DnsRecord rec = r.recordAt(DnsSection.AUTHORITY, i);
                    if (rec.type().equals(DnsRecordType.SOA)) {
                        ttl = rec.timeToLive();
                    }
                }
            }
            boolean cacheable = !r.isTruncated() && (r.code().equals(DnsResponseCode.NOERROR)
                    || r.code().equals(DnsResponseCode.NXDOMAIN));
            return new UpstreamReply(ByteBufUtil.getBytes(wire), r.code(), List.copyOf(addresses),
                    cacheable ? ttl : -1, r.isTruncated());
        } catch (UnknownHostException e) {
            return null;
        } finally {
            r.release();
        }
    }

    /**
     * Whether every record the header counts was there: Netty's decoder stops quietly at a record cut short, and
     * the message was then relayed to clients as it came, its counts promising records it lacks (a server that cut
     * a large UDP answer without the TC bit). mihomo's parser refuses such a message.
     */
    private static boolean whole(ByteBuf wire, DnsResponse r) {
        int at = wire.readerIndex();
        return wire.readableBytes() >= 12 && r.count(DnsSection.ANSWER) == wire.getUnsignedShort(at + 6)
                && r.count(DnsSection.AUTHORITY) == wire.getUnsignedShort(at + 8)
                && r.count(DnsSection.ADDITIONAL) == wire.getUnsignedShort(at + 10);
    }

    /**
     * mihomo's {@code rcode://} answer to {@code (name, type)}: that response code, no records, not cached (making it
     * again costs nothing).
     */
    static UpstreamReply madeUp(String name, DnsRecordType type, DnsResponseCode code) {
        DefaultDnsResponse r = new DefaultDnsResponse(0, DnsOpCode.QUERY, code);
        try {
            r.setRecursionAvailable(true);
            r.addRecord(DnsSection.QUESTION, new DefaultDnsQuestion(name, type));
            ByteBuf wire = DnsWire.encodeResponse(r);
            try {
                return new UpstreamReply(ByteBufUtil.getBytes(wire), code, List.of(), -1, false);
            } finally {
                wire.release();
            }
        } catch (Exception e) {
            throw new IllegalStateException("cannot encode an answer for " + name, e);
        } finally {
            r.release();
        }
    }

    /**
     * This answer {@code seconds} later: every record's TTL less that, down to 1 s at least (as mihomo's
     * {@code updateTTL} clamps it), the OPT record's flags and records of TTL 0 left as they are.
     */
    UpstreamReply aged(long seconds) {
        if (seconds <= 0) {
            return this;
        }
        byte[] out = wire.clone();
        if (!lessTtl(out, seconds)) {
            return this;
        }
        return new UpstreamReply(out, code, addresses, ttlSeconds < 0 ? ttlSeconds : Math.max(1, ttlSeconds - seconds),
                truncated);
    }

    /** Lowers the TTLs in {@code m}, a whole message; {@code false} when it cannot be walked (left as it was). */
    private static boolean lessTtl(byte[] m, long seconds) {
        try {
            int questions = u16(m, 4);
            int records = u16(m, 6) + u16(m, 8) + u16(m, 10);
            int at = 12;
            for (int i = 0; i < questions; i++) {
                at = skipName(m, at) + 4;
            }
            for (int i = 0; i < records; i++) {
                at = skipName(m, at);
                int type = u16(m, at);
                int ttlAt = at + 4;
                long ttl = ((long) u16(m, ttlAt) << 16) | u16(m, ttlAt + 2);
                if (type != DnsRecordType.OPT.intValue() && ttl > 0) {
                    long left = Math.max(1, ttl - seconds);
                    m[ttlAt] = (byte) (left >>> 24);
                    m[ttlAt + 1] = (byte) (left >>> 16);
                    m[ttlAt + 2] = (byte) (left >>> 8);
                    m[ttlAt + 3] = (byte) left;
                }
                at = ttlAt + 6 + u16(m, ttlAt + 4);
            }
            return at <= m.length;
        } catch (ArrayIndexOutOfBoundsException e) {
            return false;
        }
    }

    /** Where the name at {@code at} ends: after its root label, or after the pointer that ends it. */
    private static int skipName(byte[] m, int at) {
        while (true) {
            int len = m[at] & 0xFF;
            if (len == 0) {
                return at + 1;
            }
            if ((len & 0xC0) == 0xC0) {
                return at + 2;
            }
            at += 1 + len;
        }
    }

    private static int u16(byte[] m, int at) {
        return ((m[at] & 0xFF) << 8) | (m[at + 1] & 0xFF);
    }

    private static boolean sameName(String a, String b) {
        return DomainTrie.normalize(a).equals(DomainTrie.normalize(b));
    }
}
