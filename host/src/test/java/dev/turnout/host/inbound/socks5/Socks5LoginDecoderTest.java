package dev.turnout.host.inbound.socks5;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.socksx.v5.Socks5PasswordAuthRequest;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class Socks5LoginDecoderTest {

    private static ByteBuf login(int version, byte[] user, byte[] password) {
        ByteBuf b = Unpooled.buffer();
        b.writeByte(version).writeByte(user.length).writeBytes(user).writeByte(password.length).writeBytes(password);
        return b;
    }

    @Test
    void aUserAndPasswordBeyondAsciiAreReadAsUtf8() {
        EmbeddedChannel ch = new EmbeddedChannel(new Socks5LoginDecoder());
        ch.writeInbound(login(1, "льв".getBytes(StandardCharsets.UTF_8), "пароль密码".getBytes(StandardCharsets.UTF_8)));
        Socks5PasswordAuthRequest r = ch.readInbound();
        assertTrue(r.decoderResult().isSuccess());
        assertEquals("льв", r.username());
        assertEquals("пароль密码", r.password());
    }

    @Test
    void aLoginArrivingInPiecesIsReadOnceWhole() {
        EmbeddedChannel ch = new EmbeddedChannel(new Socks5LoginDecoder());
        ByteBuf whole = login(1, "alice".getBytes(StandardCharsets.US_ASCII), "s3cret".getBytes(StandardCharsets.US_ASCII));
        for (int i = 0; i < whole.writerIndex(); i++) {
            assertNull(ch.readInbound(), "nothing before the last byte");
            ch.writeInbound(whole.retainedSlice(i, 1));
        }
        whole.release();
        Socks5PasswordAuthRequest r = ch.readInbound();
        assertEquals("alice", r.username());
        assertEquals("s3cret", r.password());
    }

    @Test
    void bytesThatAreNotUtf8OrAnotherVersionFailTheLogin() {
        EmbeddedChannel ch = new EmbeddedChannel(new Socks5LoginDecoder());
        ch.writeInbound(login(1, "u".getBytes(StandardCharsets.US_ASCII), new byte[] {(byte) 0xff, (byte) 0xfe}));
        Socks5PasswordAuthRequest r = ch.readInbound();
        assertTrue(r.decoderResult().isFailure(), "not a password any config can hold");
        EmbeddedChannel other = new EmbeddedChannel(new Socks5LoginDecoder());
        other.writeInbound(login(5, "u".getBytes(StandardCharsets.US_ASCII), "p".getBytes(StandardCharsets.US_ASCII)));
        Socks5PasswordAuthRequest v5 = other.readInbound();
        assertTrue(v5.decoderResult().isFailure(), "RFC 1929's version is 1");
    }
}
