package dev.turnout.host.inbound.socks5;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.socksx.v5.DefaultSocks5PasswordAuthRequest;
import java.util.List;

/**
 * RFC 1929's username and password, read as UTF-8: Netty's decoder reads them as ASCII, so a user or password
 * with any other character (written in the config as UTF-8, and sent so by curl and browsers) could never match,
 * where Clash compares the bytes. Bytes that are not UTF-8 fail the login. Emits the same message Netty's does,
 * with a failed decoder result for a request that is not RFC 1929's.
 */
final class Socks5LoginDecoder extends ByteToMessageDecoder {

    private boolean done;

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        if (done) {
            in.skipBytes(in.readableBytes());
            return;
        }
        int start = in.readerIndex();
        if (in.readableBytes() < 2) {
            return;
        }
        int userLength = in.getUnsignedByte(start + 1);
        if (in.readableBytes() < 2 + userLength + 1) {
            return;
        }
        int passwordLength = in.getUnsignedByte(start + 2 + userLength);
        if (in.readableBytes() < 3 + userLength + passwordLength) {
            return;
        }
        done = true;
        byte version = in.getByte(start);
        in.skipBytes(3 + userLength + passwordLength);
        DefaultSocks5PasswordAuthRequest login;
        try {
            if (version != 1) {
                throw new DecoderException("unsupported subnegotiation version: " + version + " (expected: 1)");
            }
            login = new DefaultSocks5PasswordAuthRequest(
                    Socks5Text.utf8(in.nioBuffer(start + 2, userLength), "a username or password"),
                    Socks5Text.utf8(in.nioBuffer(start + 3 + userLength, passwordLength), "a username or password"));
        } catch (DecoderException e) {
            login = new DefaultSocks5PasswordAuthRequest("", "");
            login.setDecoderResult(DecoderResult.failure(e));
        }
        out.add(login);
    }
}
