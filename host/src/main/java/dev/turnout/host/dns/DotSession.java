package dev.turnout.host.dns;

import dev.turnout.host.dial.layer.TlsLayer;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.EventLoop;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.LengthFieldBasedFrameDecoder;
import io.netty.handler.codec.LengthFieldPrepender;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import java.io.IOException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * DNS over TLS (RFC 7858) to one server: its kept TLS connection ({@link TlsSession}), on which queries go one after
 * another without waiting for the answers before them, each answer matched to its query by ID (RFC 7766 lets a
 * server answer out of order). A new connection costs a TCP and a TLS handshake, which on a real network is two
 * round trips more than the query itself.
 */
final class DotSession extends TlsSession {

    /** See {@link TlsSession#TlsSession}; {@code server} is a {@code tls://} nameserver. */
    DotSession(Nameserver server, TlsLayer tls, Function<EventLoop, Future<Channel>> stream) {
        super(server, tls, stream);
    }

    @Override
    protected List<String> alpn() {
        return List.of();
    }

    @Override
    protected void speak(Channel ch, Promise<Channel> ready) {
        ch.pipeline().addLast(new LengthFieldPrepender(2), new LengthFieldBasedFrameDecoder(65535 + 2, 0, 2, 0, 2),
                new Answers());
        ready.trySuccess(ch);
    }

    /** Queries in flight on one connection need distinct IDs: a second one with the same ID fails at once. */
    @Override
    Promise<ByteBuf> exchange(ByteBuf query, int id, EventLoop loop) {
        Promise<ByteBuf> answer = loop.newPromise();
        whenConnected(loop, query, answer, ch -> {
            ch.eventLoop().execute(() -> {
                Answers answers = ch.pipeline().get(Answers.class);
                if (answers == null || !answers.expect(id, answer)) {
                    query.release();
                    answer.tryFailure(new IOException(server + (answers == null ? ": the connection ended"
                            : ": a query with the same ID is on its way")));
                    return;
                }
                answer.addListener(done -> ch.eventLoop().execute(() -> {
                    answers.forget(id, answer);
                    if (done.isCancelled()) {
                        abandon(ch);
                    }
                }));
                ch.writeAndFlush(query).addListener((ChannelFuture w) -> {
                    if (!w.isSuccess()) {
                        answer.tryFailure(w.cause());
                    }
                });
            });
        });
        return answer;
    }

    /** The queries on their way, by ID; touched only on the connection's event loop. */
    private final class Answers extends SimpleChannelInboundHandler<ByteBuf> {
        private final Map<Integer, Promise<ByteBuf>> waiting = new HashMap<>();

        Answers() {
            super(false);
        }

        boolean expect(int id, Promise<ByteBuf> answer) {
            return waiting.putIfAbsent(id, answer) == null;
        }

        void forget(int id, Promise<ByteBuf> answer) {
            waiting.remove(id, answer);
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, ByteBuf message) {
            Promise<ByteBuf> answer = message.readableBytes() >= 2 ? waiting.get(message.getUnsignedShort(
                    message.readerIndex())) : null;
            if (answer == null || !answer.trySuccess(message)) {
                message.release(); // an answer nobody waits for (its query gave up): dropped
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            IOException ended = new IOException(server + " closed the connection before an answer");
            List.copyOf(waiting.values()).forEach(p -> p.tryFailure(ended));
            ctx.fireChannelInactive();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }
}
