package dev.turnout.host.dns;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.dns.DefaultDnsRecordDecoder;
import io.netty.handler.codec.dns.DnsPtrRecord;
import io.netty.handler.codec.dns.DnsQuestion;
import io.netty.handler.codec.dns.DnsRawRecord;
import io.netty.handler.codec.dns.DnsRecord;
import io.netty.handler.codec.dns.DnsRecordType;
import io.netty.handler.codec.dns.DnsResponse;
import io.netty.handler.codec.dns.DnsSection;
import io.netty.util.NetUtil;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code GET /dns/query}: one question to the configured nameservers (through the resolver's cache, as mihomo's
 * goes through its own), answered in mihomo's JSON shape: {@code Status}, {@code Question}, the flags, and
 * {@code Answer}/{@code Authority}/{@code Additional} lists of {@code {name, type, TTL, data}} where {@code data}
 * is the record as miekg/dns prints it after the header.
 */
public final class DnsLookup {

    private static final InetSocketAddress NOWHERE = new InetSocketAddress(0);

    private DnsLookup() {
    }

    /** The record type for a name such as {@code AAAA}; throws {@link IllegalArgumentException} for an unknown one. */
    public static DnsRecordType type(String name) {
        return DnsRecordType.valueOf(name.toUpperCase(Locale.ROOT));
    }

    public static Future<Map<String, Object>> query(UpstreamResolver resolver, String name, DnsRecordType type,
            Promise<Map<String, Object>> answer) {
        resolver.query(name, type).addListener((Future<UpstreamReply> f) -> {
            if (!f.isSuccess()) {
                answer.tryFailure(f.cause());
                return;
            }
            try {
                answer.trySuccess(shape(f.getNow().wire()));
            } catch (Exception e) {
                answer.tryFailure(e);
            }
        });
        return answer;
    }

    /** A response message in mihomo's shape. */
    static Map<String, Object> shape(byte[] wire) throws Exception {
        DnsResponse r = DnsWire.decodeResponse(Unpooled.wrappedBuffer(wire), NOWHERE);
        try {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("Status", r.code().intValue());
            List<Map<String, Object>> question = new ArrayList<>();
            for (int i = 0; i < r.count(DnsSection.QUESTION); i++) {
                DnsQuestion q = r.recordAt(DnsSection.QUESTION, i);
                Map<String, Object> qm = new LinkedHashMap<>();
                qm.put("Name", q.name());
                qm.put("Qtype", q.type().intValue());
                qm.put("Qclass", q.dnsClass());
                question.add(qm);
            }
            m.put("Question", question);
            m.put("TC", r.isTruncated());
            m.put("RD", r.isRecursionDesired());
            m.put("RA", r.isRecursionAvailable());
            // Netty keeps the three bits after RA together as z: Z, AD, CD.
            m.put("AD", (r.z() & 0b010) != 0);
            m.put("CD", (r.z() & 0b001) != 0);
            section(r, DnsSection.ANSWER, "Answer", m);
            section(r, DnsSection.AUTHORITY, "Authority", m);
            section(r, DnsSection.ADDITIONAL, "Additional", m);
            return m;
        } finally {
            r.release();
        }
    }

    private static void section(DnsResponse r, DnsSection section, String key, Map<String, Object> into) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (int i = 0; i < r.count(section); i++) {
            DnsRecord rec = r.recordAt(section, i);
            if (rec.type().equals(DnsRecordType.OPT)) {
                continue; // EDNS is not a record; miekg keeps it out of the lists' text too
            }
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("name", rec.name());
            m.put("type", rec.type().intValue());
            m.put("TTL", rec.timeToLive());
            m.put("data", data(rec));
            out.add(m);
        }
        if (!out.isEmpty()) {
            into.put(key, out);
        }
    }

    /** The record's data as miekg/dns writes it; RFC 3597's {@code \# LENGTH HEX} for types not spelled out. */
    static String data(DnsRecord rec) {
        if (rec instanceof DnsPtrRecord ptr) {
            return ptr.hostname();
        }
        if (!(rec instanceof DnsRawRecord raw)) {
            return "";
        }
        ByteBuf c = raw.content();
        int n = c.readableBytes();
        DnsRecordType t = rec.type();
        if ((t.equals(DnsRecordType.A) && n == 4) || (t.equals(DnsRecordType.AAAA) && n == 16)) {
            return NetUtil.bytesToIpAddress(ByteBufUtil.getBytes(c));
        }
        if (t.equals(DnsRecordType.CNAME) || t.equals(DnsRecordType.NS)) {
            // Netty hands these over with the name already decompressed.
            return DefaultDnsRecordDecoder.decodeName(c.duplicate());
        }
        if (t.equals(DnsRecordType.TXT)) {
            StringBuilder sb = new StringBuilder();
            ByteBuf d = c.duplicate();
            while (d.isReadable()) {
                int len = d.readUnsignedByte();
                if (len > d.readableBytes()) {
                    break;
                }
                if (sb.length() > 0) {
                    sb.append(' ');
                }
                String s = d.readCharSequence(len, StandardCharsets.UTF_8).toString();
                sb.append('"').append(s.replace("\\", "\\\\").replace("\"", "\\\"")).append('"');
            }
            return sb.toString();
        }
        return "\\# " + n + (n == 0 ? "" : " " + ByteBufUtil.hexDump(c));
    }
}
