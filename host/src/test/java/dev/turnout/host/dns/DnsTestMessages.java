package dev.turnout.host.dns;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.socket.DatagramPacket;
import io.netty.handler.codec.dns.DatagramDnsQuery;
import io.netty.handler.codec.dns.DatagramDnsQueryEncoder;
import io.netty.handler.codec.dns.DatagramDnsResponseDecoder;
import io.netty.handler.codec.dns.DefaultDnsQuestion;
import io.netty.handler.codec.dns.DnsRawRecord;
import io.netty.handler.codec.dns.DnsRecord;
import io.netty.handler.codec.dns.DnsRecordType;
import io.netty.handler.codec.dns.DnsResponse;
import io.netty.handler.codec.dns.DnsSection;
import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.util.ArrayList;
import java.util.List;

/** Builds queries and reads answers with Netty's codec, as a client would. */
final class DnsTestMessages {

    private static final InetSocketAddress HERE = new InetSocketAddress(InetAddress.getLoopbackAddress(), 1);

    private DnsTestMessages() {
    }

    static byte[] query(int id, String name, DnsRecordType type) {
        return query(id, name, type, -1);
    }

    /** A query's bytes; {@code edns} &gt;= 0 adds an OPT record with that UDP size. */
    static byte[] query(int id, String name, DnsRecordType type, int edns) {
        DatagramDnsQuery q = new DatagramDnsQuery(HERE, HERE, id).setRecursionDesired(true);
        q.addRecord(DnsSection.QUESTION, new DefaultDnsQuestion(name, type));
        if (edns >= 0) {
            q.addRecord(DnsSection.ADDITIONAL, new EdnsRecord(edns));
        }
        EmbeddedChannel ch = new EmbeddedChannel(new DatagramDnsQueryEncoder());
        ch.writeOutbound(q);
        DatagramPacket p = ch.readOutbound();
        byte[] bytes = ByteBufUtil.getBytes(p.content());
        p.release();
        ch.finishAndReleaseAll();
        return bytes;
    }

    /** Decodes an answer; the caller releases it. */
    static DnsResponse decode(ByteBuf wire) {
        EmbeddedChannel ch = new EmbeddedChannel(new DatagramDnsResponseDecoder());
        ch.writeInbound(new DatagramPacket(wire.retainedDuplicate(), HERE, HERE));
        DnsResponse r = ch.readInbound();
        ch.finishAndReleaseAll();
        return r;
    }

    static DnsResponse decode(byte[] wire) {
        return decode(Unpooled.wrappedBuffer(wire));
    }

    /** Addresses (A or AAAA) in the answer section. */
    static List<InetAddress> addresses(DnsResponse r) throws IOException {
        List<InetAddress> out = new ArrayList<>();
        for (int i = 0; i < r.count(DnsSection.ANSWER); i++) {
            DnsRecord rec = r.recordAt(DnsSection.ANSWER, i);
            if (rec instanceof DnsRawRecord raw && (rec.type() == DnsRecordType.A || rec.type() == DnsRecordType.AAAA)) {
                out.add(InetAddress.getByAddress(ByteBufUtil.getBytes(raw.content())));
            }
        }
        return out;
    }

    /** One UDP exchange with a real socket; {@code null} on timeout. */
    static DnsResponse udpExchange(InetSocketAddress server, byte[] query, int timeoutMillis) throws IOException {
        try (DatagramSocket s = new DatagramSocket()) {
            s.setSoTimeout(timeoutMillis);
            s.send(new java.net.DatagramPacket(query, query.length, server));
            byte[] buf = new byte[65535];
            java.net.DatagramPacket p = new java.net.DatagramPacket(buf, buf.length);
            try {
                s.receive(p);
            } catch (SocketTimeoutException e) {
                return null;
            }
            return decode(Unpooled.wrappedBuffer(buf, 0, p.getLength()));
        }
    }
}
