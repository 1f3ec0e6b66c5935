package dev.turnout.host.dns;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.AddressedEnvelope;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.DefaultAddressedEnvelope;
import io.netty.channel.socket.DatagramPacket;
import io.netty.handler.codec.dns.DatagramDnsQueryDecoder;
import io.netty.handler.codec.dns.DatagramDnsQueryEncoder;
import io.netty.handler.codec.dns.DatagramDnsResponseDecoder;
import io.netty.handler.codec.dns.DatagramDnsResponseEncoder;
import io.netty.handler.codec.dns.DnsQuery;
import io.netty.handler.codec.dns.DnsResponse;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;

/**
 * Netty's DNS codec used on bare buffers: the TUN's DNS hijack hands over UDP payloads, not channel messages,
 * so the datagram codecs are driven directly (their decode/encode steps do not touch the context). All
 * message parsing and building stays in {@code netty-codec-dns}.
 */
final class DnsWire {

    /** Placeholder peer for envelopes whose addresses nobody reads. */
    private static final InetSocketAddress NOWHERE = new InetSocketAddress(0);

    private static final QueryDecoder QUERY_DECODER = new QueryDecoder();
    private static final ResponseDecoder RESPONSE_DECODER = new ResponseDecoder();
    private static final ResponseEncoder RESPONSE_ENCODER = new ResponseEncoder();
    private static final QueryEncoder QUERY_ENCODER = new QueryEncoder();

    private DnsWire() {
    }

    /**
     * Decodes a query; the caller releases it. The buffer's indexes are left unchanged.
     *
     * @throws Exception when the bytes are not a well-formed query
     */
    static DnsQuery decodeQuery(ByteBuf wire) throws Exception {
        DatagramPacket packet = new DatagramPacket(wire.duplicate(), NOWHERE, NOWHERE);
        List<Object> out = new ArrayList<>(1);
        QUERY_DECODER.decode(packet, out);
        return (DnsQuery) out.get(0);
    }

    /** Decodes a response; the caller releases it. The buffer's indexes are left unchanged. */
    static DnsResponse decodeResponse(ByteBuf wire, InetSocketAddress sender) throws Exception {
        return RESPONSE_DECODER.decode(new DatagramPacket(wire.duplicate(), NOWHERE, sender));
    }

    /** Encodes {@code response} into a new pooled buffer; does not release the response. */
    static ByteBuf encodeResponse(DnsResponse response) throws Exception {
        List<Object> out = new ArrayList<>(1);
        RESPONSE_ENCODER.encode(new DefaultAddressedEnvelope<>(response, NOWHERE), out);
        return ((DatagramPacket) out.get(0)).content();
    }

    /** Encodes {@code query} into a new pooled buffer (a DoH request's body); does not release the query. */
    static ByteBuf encodeQuery(DnsQuery query) throws Exception {
        List<Object> out = new ArrayList<>(1);
        QUERY_ENCODER.encode(new DefaultAddressedEnvelope<>(query, NOWHERE), out);
        return ((DatagramPacket) out.get(0)).content();
    }

    private static final class QueryDecoder extends DatagramDnsQueryDecoder {
        void decode(DatagramPacket packet, List<Object> out) throws Exception {
            decode((ChannelHandlerContext) null, packet, out);
        }
    }

    private static final class ResponseDecoder extends DatagramDnsResponseDecoder {
        DnsResponse decode(DatagramPacket packet) throws Exception {
            return decodeResponse(null, packet);
        }
    }

    private static final class ResponseEncoder extends DatagramDnsResponseEncoder {
        void encode(AddressedEnvelope<DnsResponse, InetSocketAddress> msg, List<Object> out) throws Exception {
            encode((ChannelHandlerContext) null, msg, out);
        }

        @Override
        protected ByteBuf allocateBuffer(ChannelHandlerContext ctx,
                AddressedEnvelope<DnsResponse, InetSocketAddress> msg) {
            return ByteBufAllocator.DEFAULT.ioBuffer(512);
        }
    }

    private static final class QueryEncoder extends DatagramDnsQueryEncoder {
        void encode(AddressedEnvelope<DnsQuery, InetSocketAddress> msg, List<Object> out) throws Exception {
            encode((ChannelHandlerContext) null, msg, out);
        }

        @Override
        protected ByteBuf allocateBuffer(ChannelHandlerContext ctx, AddressedEnvelope<DnsQuery, InetSocketAddress> msg) {
            return ByteBufAllocator.DEFAULT.ioBuffer(512);
        }
    }
}
