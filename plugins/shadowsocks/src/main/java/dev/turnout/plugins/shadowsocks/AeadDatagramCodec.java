package dev.turnout.plugins.shadowsocks;

import dev.turnout.api.Destination;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import java.net.InetSocketAddress;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;

/**
 * Shadowsocks' UDP packets (SIP004): a random salt, then the address and payload sealed in one piece with the
 * salt's subkey and a zero nonce. One codec per datagram session, used on its event loop: the scratch arrays are
 * reused, so a datagram costs its output buffer and the JDK's key setup for its salt.
 */
final class AeadDatagramCodec implements DatagramCodec {

    private static final SecureRandom RANDOM = new SecureRandom();

    private final AeadMethod method;
    private final byte[] masterKey;
    private final AeadCipher sealer;
    private final AeadCipher opener;
    private final byte[] salt;
    private final byte[] scratch = new byte[MAX_DATAGRAM];
    private final ByteBuf scratchBuffer = Unpooled.wrappedBuffer(scratch);

    AeadDatagramCodec(AeadMethod method, byte[] masterKey) {
        this.method = method;
        this.masterKey = masterKey;
        this.sealer = AeadCipher.sealing(method);
        this.opener = AeadCipher.opening(method);
        this.salt = new byte[method.saltSize()];
    }

    @Override
    public ByteBuf seal(Destination destination, ByteBuf payload, ByteBufAllocator alloc) {
        int overhead = method.saltSize() + AeadMethod.TAG_SIZE;
        int plainLength = DatagramCodec.plaintext(destination, payload, overhead, scratchBuffer);
        if (plainLength < 0) {
            return null;
        }
        int packetLength = plainLength + overhead;
        RANDOM.nextBytes(salt);
        sealer.rekey(ShadowsocksKeys.subkey(masterKey, salt, 0, salt.length));
        ByteBuf packet = alloc.heapBuffer(packetLength);
        packet.writeBytes(salt);
        try {
            int n = sealer.seal(scratch, 0, plainLength, packet.array(), packet.arrayOffset() + packet.writerIndex());
            packet.writerIndex(packet.writerIndex() + n);
            return packet;
        } catch (GeneralSecurityException e) {
            packet.release();
            throw new IllegalStateException("sealing a datagram cannot fail with a fresh key", e);
        }
    }

    @Override
    public ByteBuf open(ByteBuf packet, ByteBufAllocator alloc, InetSocketAddress[] from) {
        int sealedLength = packet.readableBytes() - method.saltSize();
        if (sealedLength < AeadMethod.TAG_SIZE || packet.readableBytes() > MAX_DATAGRAM) {
            return null;
        }
        packet.getBytes(packet.readerIndex(), salt);
        opener.rekey(ShadowsocksKeys.subkey(masterKey, salt, 0, salt.length));
        packet.getBytes(packet.readerIndex() + method.saltSize(), scratch, 0, sealedLength);
        ByteBuf plain = alloc.heapBuffer(sealedLength - AeadMethod.TAG_SIZE);
        try {
            int n = opener.open(scratch, 0, sealedLength, plain.array(), plain.arrayOffset());
            plain.writerIndex(n);
        } catch (GeneralSecurityException e) {
            plain.release();
            return null;
        }
        return DatagramCodec.afterSender(plain, from);
    }
}
