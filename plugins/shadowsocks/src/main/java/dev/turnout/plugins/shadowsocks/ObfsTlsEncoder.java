package dev.turnout.plugins.shadowsocks;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ThreadLocalRandom;

/**
 * simple-obfs TLS mode, outbound: the first bytes ride in a TLS 1.2 ClientHello's session ticket extension, with the
 * obfs host as its server name, as obfs-local sends it; every later write goes as TLS application data records of at
 * most 16 KiB. There is no TLS: nothing is encrypted beyond what Shadowsocks already did.
 */
final class ObfsTlsEncoder extends FramingEncoder {

    /** The largest record body TLS allows. */
    static final int MAX_RECORD = 16 * 1024;

    /** What a common client offers, so the hello looks like one (the server reads none of it). */
    private static final byte[] CIPHER_SUITES = {
        (byte) 0xc0, 0x2c, (byte) 0xc0, 0x30, 0x00, (byte) 0x9f, (byte) 0xcc, (byte) 0xa9, (byte) 0xcc, (byte) 0xa8,
        (byte) 0xcc, (byte) 0xaa, (byte) 0xc0, 0x2b, (byte) 0xc0, 0x2f, 0x00, (byte) 0x9e, (byte) 0xc0, 0x24,
        (byte) 0xc0, 0x28, 0x00, 0x6b, (byte) 0xc0, 0x23, (byte) 0xc0, 0x27, 0x00, 0x67, (byte) 0xc0, 0x0a,
        (byte) 0xc0, 0x14, 0x00, 0x39, (byte) 0xc0, 0x09, (byte) 0xc0, 0x13, 0x00, 0x33, 0x00, (byte) 0x9d, 0x00,
        (byte) 0x9c, 0x00, 0x3d, 0x00, 0x3c, 0x00, 0x35, 0x00, 0x2f, 0x00, (byte) 0xff,
    };
    /** ec_point_formats, supported_groups, signature_algorithms, encrypt_then_mac, extended_master_secret. */
    private static final byte[] OTHER_EXTENSIONS = {
        0x00, 0x0b, 0x00, 0x04, 0x03, 0x01, 0x00, 0x02,
        0x00, 0x0a, 0x00, 0x0a, 0x00, 0x08, 0x00, 0x1d, 0x00, 0x17, 0x00, 0x19, 0x00, 0x18,
        0x00, 0x0d, 0x00, 0x20, 0x00, 0x1e, 0x06, 0x01, 0x06, 0x02, 0x06, 0x03, 0x05, 0x01, 0x05, 0x02, 0x05, 0x03,
        0x04, 0x01, 0x04, 0x02, 0x04, 0x03, 0x03, 0x01, 0x03, 0x02, 0x03, 0x03, 0x02, 0x01, 0x02, 0x02, 0x02, 0x03,
        0x00, 0x16, 0x00, 0x00,
        0x00, 0x17, 0x00, 0x00,
    };

    private final byte[] serverName;

    ObfsTlsEncoder(String host) {
        super(MAX_RECORD);
        this.serverName = host.getBytes(StandardCharsets.US_ASCII);
    }

    /** The ClientHello, with as much of the first bytes as fits a 16 KiB record; the rest follows as data. */
    @Override
    ByteBuf preamble(ByteBufAllocator alloc, ByteBuf data) {
        int inHello = Math.min(data.readableBytes(), MAX_RECORD - 512 - serverName.length);
        return clientHello(alloc, data.readSlice(inHello));
    }

    /** An application data record's header. */
    @Override
    ByteBuf header(ByteBufAllocator alloc, int length) {
        return alloc.buffer(5).writeByte(0x17).writeShort(0x0303).writeShort(length);
    }

    private ByteBuf clientHello(ByteBufAllocator alloc, ByteBuf ticket) {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        int sniLength = 2 + 1 + 2 + serverName.length;
        int extensions = 4 + ticket.readableBytes() + 4 + sniLength + OTHER_EXTENSIONS.length;
        int hello = 2 + 32 + 1 + 32 + 2 + CIPHER_SUITES.length + 2 + 2 + extensions;
        ByteBuf out = alloc.buffer(5 + 4 + hello);
        out.writeByte(0x16).writeShort(0x0301).writeShort(4 + hello); // handshake record, TLS 1.0 as clients send
        out.writeByte(0x01).writeMedium(hello);                           // ClientHello
        out.writeShort(0x0303);                                             // TLS 1.2
        out.writeInt((int) (System.currentTimeMillis() / 1000));
        byte[] bytes = new byte[28];
        random.nextBytes(bytes);
        out.writeBytes(bytes);
        byte[] sessionId = new byte[32];
        random.nextBytes(sessionId);
        out.writeByte(32).writeBytes(sessionId);
        out.writeShort(CIPHER_SUITES.length).writeBytes(CIPHER_SUITES);
        out.writeByte(1).writeByte(0);                                      // no compression
        out.writeShort(extensions);
        out.writeShort(0x0023).writeShort(ticket.readableBytes()).writeBytes(ticket); // session_ticket: the data
        out.writeShort(0x0000).writeShort(sniLength)                        // server_name
                .writeShort(sniLength - 2).writeByte(0).writeShort(serverName.length).writeBytes(serverName);
        out.writeBytes(OTHER_EXTENSIONS);
        return out;
    }
}
