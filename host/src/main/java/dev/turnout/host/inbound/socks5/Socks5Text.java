package dev.turnout.host.inbound.socks5;

import io.netty.handler.codec.DecoderException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * The text fields of SOCKS5 requests (names, users, passwords), read as UTF-8 where Netty reads ASCII: what
 * clients and configs write beyond ASCII is UTF-8, and Clash compares the bytes.
 */
final class Socks5Text {

    private Socks5Text() {
    }

    /** {@code bytes} as UTF-8, or a {@link DecoderException} saying {@code what} was not. */
    static String utf8(ByteBuffer bytes, String what) {
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(bytes).toString();
        } catch (CharacterCodingException e) {
            throw new DecoderException(what + " that is not UTF-8", e);
        }
    }
}
