package dev.turnout.plugins.trojan;

import dev.turnout.api.SocksAddress;
import dev.turnout.api.Destination;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.io.IOException;

/**
 * The request a Trojan client sends first on its TLS connection: hex(SHA-224(password)), CRLF, the command,
 * the destination's address fields, CRLF. The server never answers it: the next bytes are payload.
 */
final class TrojanRequest {

    static final byte CONNECT = 0x01;
    static final byte UDP_ASSOCIATE = 0x03;

    private TrojanRequest() {
    }

    /** The request for {@code command} to {@code target}. */
    static ByteBuf encode(byte[] key, byte command, Destination target, ByteBufAllocator alloc) throws IOException {
        int addressLength = SocksAddress.encodedLength(target);
        if (addressLength < 0) {
            throw new IOException("cannot ask a Trojan server for " + target + ": the name is empty or longer than 255 bytes");
        }
        ByteBuf request = alloc.buffer(key.length + 2 + 1 + addressLength + 2);
        request.writeBytes(key).writeByte('\r').writeByte('\n');
        request.writeByte(command);
        SocksAddress.write(target, request);
        request.writeByte('\r').writeByte('\n');
        return request;
    }
}
