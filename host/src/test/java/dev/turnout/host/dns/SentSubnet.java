package dev.turnout.host.dns;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.dns.DnsQuery;
import io.netty.handler.codec.dns.DnsRawRecord;
import io.netty.handler.codec.dns.DnsRecord;
import io.netty.handler.codec.dns.DnsRecordType;
import io.netty.handler.codec.dns.DnsSection;
import java.util.HexFormat;

/**
 * A query's EDNS Client Subnet option as it went out, read from the query's bytes with Netty's decoder (which leaves
 * the OPT record raw): RFC 7871 section 6's fields, and the UDP size of the OPT record that carried it.
 *
 * @param address the address bytes sent, in hex: only the prefix's, the last one's spare bits zero
 */
record SentSubnet(int udpPayloadSize, int family, int sourcePrefixLength, int scopePrefixLength, String address) {

    private static final int ECS_OPTION_CODE = 8;

    /** The option in a whole query's bytes; {@code null} when the query has none (or no OPT record at all). */
    static SentSubnet in(byte[] query) throws Exception {
        DnsQuery q = DnsWire.decodeQuery(Unpooled.wrappedBuffer(query));
        try {
            for (int i = 0; i < q.count(DnsSection.ADDITIONAL); i++) {
                DnsRecord r = q.recordAt(DnsSection.ADDITIONAL, i);
                if (r.type() == DnsRecordType.OPT && r instanceof DnsRawRecord raw) {
                    return option(r.dnsClass(), raw.content());
                }
            }
            return null;
        } finally {
            q.release();
        }
    }

    /** The name the query asks about, without the root's dot. */
    static String questionOf(byte[] query) throws Exception {
        DnsQuery q = DnsWire.decodeQuery(Unpooled.wrappedBuffer(query));
        try {
            String name = q.recordAt(DnsSection.QUESTION).name();
            return name.endsWith(".") ? name.substring(0, name.length() - 1) : name;
        } finally {
            q.release();
        }
    }

    private static SentSubnet option(int udpPayloadSize, ByteBuf options) {
        ByteBuf o = options.duplicate();
        while (o.readableBytes() >= 4) {
            int code = o.readUnsignedShort();
            int length = o.readUnsignedShort();
            ByteBuf data = o.readSlice(length);
            if (code == ECS_OPTION_CODE) {
                int family = data.readUnsignedShort();
                int source = data.readUnsignedByte();
                int scope = data.readUnsignedByte();
                return new SentSubnet(udpPayloadSize, family, source, scope,
                        HexFormat.of().formatHex(ByteBufUtil.getBytes(data)));
            }
        }
        return null;
    }
}
