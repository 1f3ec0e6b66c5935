package dev.turnout.host.testing;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.handler.ssl.SslContext;
import io.netty.util.ReferenceCountUtil;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;

/** An HTTPS server on loopback that answers every request it reads with one fixed answer, for trust tests. */
public final class TlsAnswers {

    private TlsAnswers() {
    }

    /**
     * Listens on a free loopback port with {@code tls}, answering each read with {@code answer}, and closing after it
     * when {@code closeAfter}; close the channel returned to stop.
     */
    public static Channel listen(EventLoopGroup loops, SslContext tls, String answer, boolean closeAfter)
            throws InterruptedException {
        return new ServerBootstrap().group(loops)
                .channelFactory(() -> dev.turnout.host.dial.Transport.newServerChannel(true))
                .childHandler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline().addLast(tls.newHandler(ch.alloc()), new ChannelInboundHandlerAdapter() {
                            @Override
                            public void channelRead(ChannelHandlerContext ctx, Object m) {
                                ReferenceCountUtil.release(m);
                                ChannelFuture written = ctx.writeAndFlush(
                                        Unpooled.copiedBuffer(answer, StandardCharsets.ISO_8859_1));
                                if (closeAfter) {
                                    written.addListener(ChannelFutureListener.CLOSE);
                                }
                            }
                        });
                    }
                }).bind(InetAddress.getLoopbackAddress(), 0).sync().channel();
    }
}
