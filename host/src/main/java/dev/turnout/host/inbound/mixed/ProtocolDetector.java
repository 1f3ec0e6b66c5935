package dev.turnout.host.inbound.mixed;

import dev.turnout.host.inbound.Authentication;
import dev.turnout.host.inbound.http.HttpProxyHandler;
import dev.turnout.host.inbound.socks4.Socks4ServerHandler;
import dev.turnout.host.inbound.socks5.Socks5ServerHandler;
import dev.turnout.host.tunnel.Tunnel;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.codec.socksx.v4.Socks4ServerDecoder;
import io.netty.handler.codec.socksx.v4.Socks4ServerEncoder;
import io.netty.handler.codec.socksx.v5.Socks5InitialRequestDecoder;
import io.netty.handler.codec.socksx.v5.Socks5ServerEncoder;
import java.net.InetAddress;
import java.util.List;

/** Looks at the first byte and installs the SOCKS5, SOCKS4 or HTTP proxy pipeline, then steps aside. */
final class ProtocolDetector extends ByteToMessageDecoder {

    private static final byte SOCKS5 = 0x05;
    private static final byte SOCKS4 = 0x04;

    private final Tunnel tunnel;
    private final InetAddress bindAddress;
    private final Authentication authentication;
    private final boolean udp;

    ProtocolDetector(Tunnel tunnel, InetAddress bindAddress, Authentication authentication, boolean udp) {
        this.tunnel = tunnel;
        this.bindAddress = bindAddress;
        this.authentication = authentication;
        this.udp = udp;
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
                    authentication, udp));
        } else if (first == SOCKS4) {
            ctx.pipeline().addAfter(ctx.name(), "socks4-encoder", Socks4ServerEncoder.INSTANCE);
            ctx.pipeline().addAfter("socks4-encoder", "socks4-decoder", new Socks4ServerDecoder());
            ctx.pipeline().addAfter("socks4-decoder", "socks4", new Socks4ServerHandler(tunnel, authentication));
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
