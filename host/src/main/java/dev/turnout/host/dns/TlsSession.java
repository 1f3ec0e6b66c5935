package dev.turnout.host.dns;

import dev.turnout.api.TlsOptions;
import dev.turnout.host.dial.layer.TlsLayer;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFactory;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * One kept TLS connection to an encrypted nameserver, which its queries share: opened on the first query, replaced
 * at the next query once it ended (or the subclass finds it unusable), closed when idle for {@value #IDLE_SECONDS} s
 * and when a query on it timed out (the path may be gone, which TCP notices only after minutes). Subclasses speak
 * the protocol on it: DNS over TLS or over HTTPS.
 */
abstract class TlsSession implements AutoCloseable {

    static final int IDLE_SECONDS = 60;

    protected final Nameserver server;
    private final TlsLayer tls;
    private final Function<EventLoop, Future<Channel>> stream;
    private Future<Channel> connection;
    private volatile boolean closed;

    /**
     * @param server a {@code tls://} or {@code https://} nameserver
     * @param tls    the upstream TLS (trust store, {@code SSL_CERT_FILE})
     * @param stream a new TCP stream to the server, on that loop: direct from the physical interface, or through
     *               the outbound the nameserver names
     */
    TlsSession(Nameserver server, TlsLayer tls, Function<EventLoop, Future<Channel>> stream) {
        this.server = server;
        this.tls = tls;
        this.stream = stream;
    }

    /**
     * A stream direct to {@code endpoint} (where the server is now: its address, or its name looked up) on a new
     * socket from {@code sockets}, already bound to the physical interface.
     */
    static Future<Channel> direct(EventLoop loop, ChannelFactory<Channel> sockets, Future<InetSocketAddress> endpoint,
                                  int connectTimeoutMillis) {
        Promise<Channel> open = loop.newPromise();
        endpoint.addListener((Future<InetSocketAddress> where) -> {
            if (!where.isSuccess()) {
                open.tryFailure(where.cause());
                return;
            }
            new Bootstrap().group(loop).channelFactory(sockets)
                    .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, connectTimeoutMillis)
                    .option(ChannelOption.TCP_NODELAY, true)
                    .handler(new ChannelInboundHandlerAdapter()).connect(where.getNow())
                    .addListener((ChannelFuture f) -> {
                        if (f.isSuccess()) {
                            open.trySuccess(f.channel());
                        } else {
                            open.tryFailure(f.cause());
                        }
                    });
        });
        return open;
    }

    /** The protocols offered in ALPN. */
    protected abstract List<String> alpn();

    /**
     * Puts the protocol's handlers on a connection whose TLS handshake is done, then settles {@code ready}: with
     * the channel, or with why the server cannot be spoken to.
     */
    protected abstract void speak(Channel ch, Promise<Channel> ready);

    /**
     * Sends {@code query} (a DNS message whose ID is {@code id}; released here) and gives the answer's bytes, which
     * the caller releases. Cancelling the returned promise (the caller gave up waiting) closes the connection;
     * failing it (another server answered first) only forgets the query, and the connection stays for the next.
     */
    abstract Promise<ByteBuf> exchange(ByteBuf query, int id, EventLoop loop);

    /** Whether a live connection may take another query. */
    protected boolean usable(Channel ch) {
        return true;
    }

    /** The live connection, or a new one when there is none, it ended, or it may take no more queries. */
    protected final synchronized Future<Channel> connection(EventLoop loop) {
        if (closed) {
            return loop.newFailedFuture(new IOException(server + ": closed"));
        }
        Future<Channel> c = connection;
        if (c != null && (!c.isDone() || c.isSuccess() && c.getNow().isActive() && usable(c.getNow()))) {
            return c;
        }
        connection = open(loop);
        return connection;
    }

    /**
     * Runs {@code send} with the connection once it is there; when there is none, fails {@code answer} and releases
     * {@code query}, which {@code send} otherwise owns.
     */
    protected final void whenConnected(EventLoop loop, ByteBuf query, Promise<ByteBuf> answer, Consumer<Channel> send) {
        connection(loop).addListener((Future<Channel> c) -> {
            if (c.isSuccess()) {
                send.accept(c.getNow());
            } else {
                query.release();
                answer.tryFailure(c.cause());
            }
        });
    }

    /** What a query that gave up waiting does to the connection it waited on: closes it. */
    protected static void abandon(Channel connection) {
        connection.close();
    }

    private Future<Channel> open(EventLoop loop) {
        Promise<Channel> ready = loop.newPromise();
        stream.apply(loop).addListener((Future<Channel> f) -> {
            if (!f.isSuccess()) {
                ready.tryFailure(f.cause());
                return;
            }
            tls.start(f.getNow(), new TlsOptions(server.host(), server.skipCertVerify(), alpn(), null))
                    .addListener((Future<Channel> t) -> {
                        if (!t.isSuccess()) {
                            f.getNow().close();
                            ready.tryFailure(t.cause());
                            return;
                        }
                        Channel ch = t.getNow();
                        ch.pipeline().addLast(new IdleStateHandler(0, 0, IDLE_SECONDS) {
                            @Override
                            protected void channelIdle(ChannelHandlerContext ctx, IdleStateEvent evt) {
                                ctx.close();
                            }
                        });
                        speak(ch, ready);
                        if (closed) {
                            ch.close();
                        }
                    });
        });
        return ready;
    }

    @Override
    public void close() {
        Future<Channel> c;
        synchronized (this) {
            closed = true;
            c = connection;
        }
        if (c != null) {
            c.addListener((Future<Channel> f) -> {
                if (f.isSuccess()) {
                    f.getNow().close();
                }
            });
        }
    }
}
