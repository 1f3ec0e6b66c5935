package dev.turnout.host.dns;

import dev.turnout.host.dial.Transport;
import dev.turnout.host.inbound.ConnectionBudget;
import dev.turnout.host.platform.DescriptorShortage;
import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.FixedRecvByteBufAllocator;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.DatagramPacket;
import io.netty.handler.codec.LengthFieldBasedFrameDecoder;
import io.netty.handler.codec.LengthFieldPrepender;
import io.netty.handler.timeout.ReadTimeoutHandler;
import io.netty.util.concurrent.Future;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves {@code dns.listen} over UDP and TCP (same port) with a {@link DnsHandler}. UDP answers are written in
 * batches and flushed once per read burst; TCP connections may pipeline queries and are closed after
 * {@value #TCP_IDLE_SECONDS} s of silence or on a message that cannot be answered at all.
 */
public final class DnsServer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(DnsServer.class);
    static final int TCP_IDLE_SECONDS = 30;
    private static final int TCP_LIMIT_FRAME = DnsHandler.TCP_LIMIT + 2;
    private static final int UDP_QUERY_MAX = 4096;
    private static final int PICKS = 8;

    private final InetSocketAddress listen;
    private final DnsHandler handler;
    private final EventLoopGroup group;
    private final List<Channel> channels = new ArrayList<>();
    private InetSocketAddress udpAddress;
    private InetSocketAddress tcpAddress;

    /**
     * @param listen  address to serve; port 0 picks a free port (the same one for UDP and TCP)
     * @param handler answers
     * @param group   from {@link Transport#newGroup}
     */
    /**
     * Accepts that fail for want of a descriptor (a client holding thousands of TCP connections open): said once while
     * it lasts, the listener resting 100 ms between tries. Without it Netty warned at every try, once a second. Its
     * own instance, not the proxy ports': at most one line more in a shortage, where the DNS service would otherwise
     * need the runtime's handed through every start.
     */
    private static final DescriptorShortage SHORTAGE = new DescriptorShortage();
    private Channel tcpListener;
    /**
     * TCP clients at once, by where they come from: one address of the LAN held 22,000 connections, a byte every
     * 20 s each, until the process had no descriptor left for the proxy's flows.
     */
    private final ConnectionBudget tcpClients = new ConnectionBudget();

    public DnsServer(InetSocketAddress listen, DnsHandler handler, EventLoopGroup group) {
        this.listen = listen;
        this.handler = handler;
        this.group = group;
    }

    /**
     * Binds UDP then TCP; throws (after closing anything bound) when either port is taken. With port 0 the kernel
     * picks the UDP port, which another program may hold for TCP: then it picks again, a bounded number of times.
     */
    public synchronized DnsServer start() throws IOException, InterruptedException {
        int attempts = listen.getPort() == 0 ? PICKS : 1;
        for (int attempt = 1; ; attempt++) {
            try {
                bind();
                LOG.info("DNS server listening on {} (udp+tcp)", io.netty.util.NetUtil.toSocketAddressString(udpAddress));
                return this;
            } catch (IOException | RuntimeException | InterruptedException e) {
                close();
                if (!(e instanceof IOException) || attempt >= attempts) {
                    throw e;
                }
                LOG.debug("DNS bind on a picked port failed ({}); picking another", e.getMessage());
            }
        }
    }

    private void bind() throws IOException, InterruptedException {
        Bootstrap udpBootstrap = new Bootstrap().group(group).channelFactory(Transport::newDatagramChannel)
                .handler(new UdpHandler());
        if (Transport.isEpoll()) {
            // recvmmsg: up to 16 queries per system call. Queries never need more than 4 KiB (a larger
            // datagram arrives cut short and gets FORMERR).
            udpBootstrap.option(EpollChannelOption.MAX_DATAGRAM_PAYLOAD_SIZE, UDP_QUERY_MAX)
                    .option(ChannelOption.RCVBUF_ALLOCATOR, new FixedRecvByteBufAllocator(16 * UDP_QUERY_MAX));
        }
        Channel udp = Transport.bind(udpBootstrap, listen);
        channels.add(udp);
        udpAddress = (InetSocketAddress) udp.localAddress();
        InetSocketAddress tcpListen = new InetSocketAddress(listen.getAddress(), udpAddress.getPort());
        Channel tcp = Transport.bind(new ServerBootstrap().group(group).channel(Transport.serverChannelType())
                .handler(SHORTAGE.acceptGuard())
                .childHandler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        if (!tcpClients.admit(ch, false)) {
                            ch.close();
                            return;
                        }
                        ch.pipeline().addLast(new ReadTimeoutHandler(TCP_IDLE_SECONDS),
                                new LengthFieldBasedFrameDecoder(TCP_LIMIT_FRAME, 0, 2, 0, 2),
                                new LengthFieldPrepender(2), new TcpHandler());
                    }
                }), tcpListen);
        channels.add(tcp);
        tcpListener = tcp;
        tcpAddress = (InetSocketAddress) tcp.localAddress();
    }

    /** The listening TCP socket (for tests). */
    synchronized Channel tcpListener() {
        return tcpListener;
    }

    public synchronized InetSocketAddress udpAddress() {
        return udpAddress;
    }

    public synchronized InetSocketAddress tcpAddress() {
        return tcpAddress;
    }

    @Override
    public synchronized void close() {
        for (Channel ch : channels) {
            ch.close().syncUninterruptibly();
        }
        channels.clear();
    }

    private final class UdpHandler extends SimpleChannelInboundHandler<DatagramPacket> {
        UdpHandler() {
            super(DatagramPacket.class);
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, DatagramPacket packet) {
            InetSocketAddress sender = packet.sender();
            Future<ByteBuf> f = handler.handle(packet.content(), true, ctx.executor());
            if (f.isDone()) {
                ByteBuf out = f.getNow();
                if (out != null) {
                    ctx.write(new DatagramPacket(out, sender), ctx.voidPromise());
                }
            } else {
                f.addListener(done -> {
                    ByteBuf out = f.getNow();
                    if (out != null) {
                        ctx.writeAndFlush(new DatagramPacket(out, sender), ctx.voidPromise());
                    }
                });
            }
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            ctx.flush();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            // ICMP unreachable for a client that went away, and the like: nothing to do for one datagram.
            if (LOG.isDebugEnabled()) {
                LOG.debug("DNS UDP error", cause);
            }
        }
    }

    private final class TcpHandler extends SimpleChannelInboundHandler<ByteBuf> {
        TcpHandler() {
            super(ByteBuf.class);
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, ByteBuf frame) {
            handler.handle(frame, false, ctx.executor()).addListener((Future<ByteBuf> f) -> {
                ByteBuf out = f.getNow();
                if (out != null) {
                    ctx.writeAndFlush(out);
                } else {
                    ctx.close();
                }
            });
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            // Oversized frames, timeouts, resets: this connection is done.
            ctx.close();
        }
    }
}
