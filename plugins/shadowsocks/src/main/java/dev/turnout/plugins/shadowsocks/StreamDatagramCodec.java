package dev.turnout.plugins.shadowsocks;

import dev.turnout.api.Destination;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import java.net.InetSocketAddress;
import java.security.SecureRandom;

/**
 * Shadowsocks' UDP packets with a stream cipher: a random IV, then the address and payload encrypted with a cipher
 * started afresh for that IV. Nothing authenticates a reply: one from the server's address and port that decrypts
 * to a well-formed address is taken.
 */
final class StreamDatagramCodec implements DatagramCodec {

    private static final SecureRandom RANDOM = new SecureRandom();

    private final StreamMethod method;
    private final byte[] masterKey;
    private final byte[] iv;
    private final byte[] scratch = new byte[MAX_DATAGRAM];
    private final ByteBuf scratchBuffer = Unpooled.wrappedBuffer(scratch);

    StreamDatagramCodec(StreamMethod method, byte[] masterKey) {
        this.method = method;
        this.masterKey = masterKey;
        this.iv = new byte[method.ivSize()];
    }

    @Override
    public ByteBuf seal(Destination destination, ByteBuf payload, ByteBufAllocator alloc) {
        int plainLength = DatagramCodec.plaintext(destination, payload, iv.length, scratchBuffer);
        if (plainLength < 0) {
            return null;
        }
        RANDOM.nextBytes(iv);
        ByteBuf packet = alloc.heapBuffer(iv.length + plainLength);
        packet.writeBytes(iv);
        method.crypter(masterKey, iv, true).process(scratch, 0, plainLength, packet.array(),
                packet.arrayOffset() + packet.writerIndex());
        packet.writerIndex(packet.writerIndex() + plainLength);
        return packet;
    }

    @Override
    public ByteBuf open(ByteBuf packet, ByteBufAllocator alloc, InetSocketAddress[] from) {
        int length = packet.readableBytes() - iv.length;
        if (length <= 0 || packet.readableBytes() > MAX_DATAGRAM) {
            return null;
        }
        packet.getBytes(packet.readerIndex(), iv);
        packet.getBytes(packet.readerIndex() + iv.length, scratch, 0, length);
        ByteBuf plain = alloc.heapBuffer(length);
        method.crypter(masterKey, iv, false).process(scratch, 0, length, plain.array(), plain.arrayOffset());
        plain.writerIndex(length);
        return DatagramCodec.afterSender(plain, from);
    }
}
