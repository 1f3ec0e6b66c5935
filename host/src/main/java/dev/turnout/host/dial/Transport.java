package dev.turnout.host.dial;

import io.netty.bootstrap.AbstractBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.FixedRecvByteBufAllocator;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollDatagramChannel;
import io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.kqueue.KQueue;
import io.netty.channel.kqueue.KQueueDatagramChannel;
import io.netty.channel.kqueue.KQueueIoHandler;
import io.netty.channel.kqueue.KQueueServerDomainSocketChannel;
import io.netty.channel.kqueue.KQueueServerSocketChannel;
import io.netty.channel.kqueue.KQueueSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.DatagramChannel;
import io.netty.channel.socket.ServerSocketChannel;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.SocketProtocolFamily;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.channel.socket.nio.NioServerDomainSocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.channel.unix.DomainSocketAddress;
import io.netty.channel.unix.IntegerUnixChannelOption;
import java.io.IOException;
import java.net.SocketAddress;
import java.net.UnixDomainSocketAddress;
import java.nio.file.Path;

/**
 * Netty's native epoll transport where it loads (Linux), kqueue where that loads (macOS, Intel and Apple silicon:
 * its channels carry {@code IP_BOUND_IF}, which TUN mode needs for Turnout's own sockets), NIO elsewhere. Chosen
 * once; every channel Turnout creates comes from here so that event loops and channels always match.
 */
public final class Transport {

    private static final boolean EPOLL = Epoll.isAvailable() && !Boolean.getBoolean("turnout.nio");
    private static final boolean KQUEUE = !EPOLL && !Boolean.getBoolean("turnout.nio") && KQueue.isAvailable();

    private Transport() {
    }

    public static boolean isEpoll() {
        return EPOLL;
    }

    /** Whether the kqueue transport is in use (macOS with its native library loaded). */
    public static boolean isKQueue() {
        return KQUEUE;
    }

    public static EventLoopGroup newGroup(int threads, String name) {
        IoHandlerFactory factory = EPOLL ? RearmingEpollIoHandler.newFactory()
                : KQUEUE ? KQueueIoHandler.newFactory() : NioIoHandler.newFactory();
        return new MultiThreadIoEventLoopGroup(threads, new io.netty.util.concurrent.DefaultThreadFactory(name, true),
                factory);
    }

    public static SocketChannel newSocketChannel() {
        return EPOLL ? new EpollSocketChannel() : KQUEUE ? new KQueueSocketChannel() : new NioSocketChannel();
    }

    /**
     * A socket for connecting to an IPv4 address: an {@code AF_INET} one where the transport is native, which
     * saves the {@code IPV6_V6ONLY} call a dual-stack socket takes (one syscall per dial); IPv6 or NIO, as above.
     */
    public static SocketChannel newSocketChannel(boolean ipv4) {
        if (ipv4 && EPOLL) {
            return new EpollSocketChannel(SocketProtocolFamily.INET);
        }
        if (ipv4 && KQUEUE) {
            return new KQueueSocketChannel(SocketProtocolFamily.INET);
        }
        return newSocketChannel();
    }

    /**
     * A UDP socket whose read loop ends when it is closed (see {@link DatagramReadsEndAtClose}); bootstraps take it
     * through {@code channelFactory(Transport::newDatagramChannel)}.
     */
    public static DatagramChannel newDatagramChannel() {
        DatagramChannel ch = EPOLL ? new EpollDatagramChannel() : KQUEUE ? new KQueueDatagramChannel() : new NioDatagramChannel();
        return readingWholeDatagrams(ch);
    }

    /**
     * The largest UDP payload (IPv4's 65,507, IPv6's 65,527 without jumbograms), each read's buffer: Netty's default,
     * 2,048 bytes, cut every longer datagram there without a word (a reply of 9,000 bytes through the TUN reached the
     * application as its first 2,048, and so would a DNS answer past 2,048). The buffer is pooled and given back as
     * soon as the datagram has been passed on.
     */
    static final int MAX_DATAGRAM_BYTES = 65_535;

    private static DatagramChannel readingWholeDatagrams(DatagramChannel ch) {
        ch.config().setRecvByteBufAllocator(new FixedRecvByteBufAllocator(MAX_DATAGRAM_BYTES));
        DatagramReadsEndAtClose.install(ch);
        return ch;
    }

    /**
     * A UDP socket of one address family where the transport is native ({@code AF_INET} for {@code ipv4}), as
     * {@link #newDatagramChannel()} otherwise: a socket whose options are set per family (a transparent one).
     */
    public static DatagramChannel newDatagramChannel(boolean ipv4) {
        SocketProtocolFamily family = ipv4 ? SocketProtocolFamily.INET : SocketProtocolFamily.INET6;
        DatagramChannel ch = EPOLL ? new EpollDatagramChannel(family) : KQUEUE ? new KQueueDatagramChannel(family)
                : new NioDatagramChannel();
        return readingWholeDatagrams(ch);
    }

    /**
     * What a relay's UDP socket asks the kernel to hold before Turnout reads it (Linux counts each datagram's
     * overhead too and doubles what it grants). The default, {@code rmem_default} (208 KiB), held about 90
     * datagrams of 1,000 bytes: of a burst of 2,000 from a server, 92 to 238 reached the client through the TUN
     * (3 runs), all 2,000 directly. QUIC and media arrive in such bursts; quic-go asks 7 MiB for the same reason.
     * A limit, not an allocation: the memory is taken only while datagrams wait.
     */
    public static final int RELAY_RECEIVE_BUFFER = 4 << 20;

    private static final IntegerUnixChannelOption SO_RCVBUFFORCE =
            new IntegerUnixChannelOption("SO_RCVBUFFORCE", 1 /* SOL_SOCKET */, 33);
    private static volatile boolean receiveBufferForceRefused;

    /**
     * Gives {@code ch} a receive buffer of {@link #RELAY_RECEIVE_BUFFER}: past {@code rmem_max} (212,992 on many
     * machines) where Turnout may ({@code SO_RCVBUFFORCE}, root or CAP_NET_ADMIN, as TUN mode has), up to it
     * otherwise. Best effort: a socket with a smaller buffer still works.
     */
    public static void widenReceiveBuffer(DatagramChannel ch) {
        if (EPOLL && !receiveBufferForceRefused) {
            try {
                ch.config().setOption(SO_RCVBUFFORCE, RELAY_RECEIVE_BUFFER);
                return;
            } catch (RuntimeException e) { // EPERM: once, then the plain option for every socket
                receiveBufferForceRefused = true;
            }
        }
        try {
            ch.config().setReceiveBufferSize(RELAY_RECEIVE_BUFFER);
        } catch (RuntimeException e) {
            // the kernel's default stays
        }
    }

    /** A listening TCP socket of one address family where the transport is native, as for datagrams above. */
    public static ServerSocketChannel newServerChannel(boolean ipv4) {
        SocketProtocolFamily family = ipv4 ? SocketProtocolFamily.INET : SocketProtocolFamily.INET6;
        return EPOLL ? new EpollServerSocketChannel(family) : KQUEUE ? new KQueueServerSocketChannel()
                : new NioServerSocketChannel();
    }

    public static Class<? extends ServerSocketChannel> serverChannelType() {
        return EPOLL ? EpollServerSocketChannel.class : KQUEUE ? KQueueServerSocketChannel.class : NioServerSocketChannel.class;
    }

    /** A listening Unix domain socket of this transport, for {@link #domainAddress}. */
    public static Class<? extends ServerChannel> serverDomainChannelType() {
        return EPOLL ? EpollServerDomainSocketChannel.class : KQUEUE ? KQueueServerDomainSocketChannel.class
                : NioServerDomainSocketChannel.class;
    }

    /** {@code path} as the address a {@link #serverDomainChannelType} channel binds to. */
    public static SocketAddress domainAddress(Path path) {
        return EPOLL || KQUEUE ? new DomainSocketAddress(path.toString()) : UnixDomainSocketAddress.of(path);
    }

    /**
     * Binds and waits. Netty's {@code sync()} rethrows a failed bind's {@code IOException} (a port another program
     * holds) without declaring it, so callers catching what the signature names let it through: here it is declared.
     */
    public static Channel bind(AbstractBootstrap<?, ?> bootstrap, SocketAddress address)
            throws IOException, InterruptedException {
        ChannelFuture bound = bootstrap.bind(address).await();
        Throwable cause = bound.cause();
        if (cause instanceof IOException io) {
            throw io;
        }
        if (cause instanceof RuntimeException r) {
            throw r;
        }
        if (cause instanceof Error e) {
            throw e;
        }
        if (cause != null) {
            throw new IOException(cause);
        }
        return bound.channel();
    }
}
