package dev.turnout.host.dial;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollDatagramChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.DatagramChannel;
import io.netty.channel.socket.ServerSocketChannel;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;

/**
 * Netty's native epoll transport where it loads (Linux), NIO elsewhere. Chosen once; every channel Turnout
 * creates comes from here so that event loops and channels always match.
 */
public final class Transport {

    private static final boolean EPOLL = Epoll.isAvailable() && !Boolean.getBoolean("turnout.nio");

    private Transport() {
    }

    public static boolean isEpoll() {
        return EPOLL;
    }

    public static EventLoopGroup newGroup(int threads, String name) {
        IoHandlerFactory factory = EPOLL ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
        return new MultiThreadIoEventLoopGroup(threads, new io.netty.util.concurrent.DefaultThreadFactory(name, true),
                factory);
    }

    public static SocketChannel newSocketChannel() {
        return EPOLL ? new EpollSocketChannel() : new NioSocketChannel();
    }

    public static DatagramChannel newDatagramChannel() {
        return EPOLL ? new EpollDatagramChannel() : new NioDatagramChannel();
    }

    public static Class<? extends ServerSocketChannel> serverChannelType() {
        return EPOLL ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
    }

    public static Class<? extends DatagramChannel> datagramChannelType() {
        return EPOLL ? EpollDatagramChannel.class : NioDatagramChannel.class;
    }
}
