package dev.turnout.plugins.trojan;

import dev.turnout.api.SocksAddress;
import dev.turnout.api.DatagramSession;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import java.net.InetSocketAddress;
import java.util.List;

/**
 * Splits the server's side of a Trojan UDP stream into datagrams (address fields, length, CRLF, payload) and
 * hands each to the receiver. What it holds is bounded by one packet: the length field allows at most 64 KiB.
 * Anything malformed ends the session with an error.
 */
final class TrojanDatagramDecoder extends ByteToMessageDecoder {

    static final int MAX_PAYLOAD = 0xFFFF;

    private final DatagramSession.Receiver receiver;

    TrojanDatagramDecoder(DatagramSession.Receiver receiver) {
        this.receiver = receiver;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) throws TrojanProtocolException {
        while (in.isReadable()) {
            int start = in.readerIndex();
            int addressLength;
            try {
                addressLength = SocksAddress.lengthAt(in, start);
            } catch (java.net.ProtocolException e) {
                throw new TrojanProtocolException("a UDP packet from the Trojan server: " + e.getMessage());
            }
            if (addressLength < 0 || in.readableBytes() < addressLength + 4) {
                return;
            }
            int length = in.getUnsignedShort(start + addressLength);
            if (in.getByte(start + addressLength + 2) != '\r' || in.getByte(start + addressLength + 3) != '\n') {
                throw new TrojanProtocolException("a UDP packet from the Trojan server lacks the CRLF after its length");
            }
            if (in.readableBytes() < addressLength + 4 + length) {
                return;
            }
            InetSocketAddress sender = SocksAddress.readSender(in);
            in.skipBytes(4);
            receiver.receive(sender, in.readRetainedSlice(length));
        }
    }
}
