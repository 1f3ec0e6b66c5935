package dev.turnout.host.inbound.mixed;

import dev.turnout.host.inbound.Authentication;
import dev.turnout.host.inbound.http.HttpProxyHandler;
import dev.turnout.host.inbound.socks5.Socks5ServerHandler;
import dev.turnout.host.tunnel.Tunnel;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.codec.socksx.v5.Socks5InitialRequestDecoder;
import io.netty.handler.codec.socksx.v5.Socks5ServerEncoder;
import java.net.InetAddress;
import java.util.List;

/** Looks at the first byte and installs the SOCKS5 or the HTTP proxy pipeline, then steps aside. */
final class ProtocolDetector extends ByteToMessageDecoder {

    private static final byte SOCKS5 = 0x05;
    private static final byte SOCKS4 = 0x04;

    private final Tunnel tunnel;
    private final InetAddress bindAddress;
    private final Authentication authentication;

    ProtocolDetector(Tunnel tunnel, InetAddress bindAddress, Authentication authentication) {
        this.tunnel = tunnel;
        this.bindAddress = bindAddress;
        this.authentication = authentication;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        if (!in.isReadable()) {
            return;
        }
        byte first = in.getByte(in.readerIndex());
        if (first == SOCKS5) {
            ctx.pipeline().addAfter(ctx.name(), "socks5-encoder", Socks5ServerEncoder.DEFAULT);
            ctx.pipeline().addAfter("socks5-encoder", "socks5-decoder", new Socks5InitialRequestDecoder());
            ctx.pipeline().addAfter("socks5-decoder", "socks5", new Socks5ServerHandler(tunnel, bindAddress,
                    authentication));
        } else if (first == SOCKS4) {
            // SOCKS4 cannot carry names and nobody should need it; refuse plainly.
            in.skipBytes(in.readableBytes());
            ctx.close();
            return;
        } else {
            HttpProxyHandler.install(ctx.pipeline(), ctx.name(), tunnel, authentication);
        }
        ctx.pipeline().remove(this);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        // A client that never spoke (handshake timeout) or vanished: nothing to report, just close.
        ctx.close();
    }
}
