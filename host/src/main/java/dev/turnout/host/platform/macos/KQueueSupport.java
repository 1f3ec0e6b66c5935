package dev.turnout.host.platform.macos;

import io.netty.channel.IoHandlerFactory;
import io.netty.channel.socket.ServerSocketChannel;
import java.util.Optional;

/**
 * Netty's kqueue transport, when it is on the class path. The host is built against the epoll transport
 * only (the build runs on Linux), so kqueue is reached by name: a Mac build that adds
 * {@code netty-transport-classes-kqueue} and {@code netty-transport-native-kqueue} (classifier
 * {@code osx-aarch_64} or {@code osx-x86_64}) gets native channels, which carry {@code IP_BOUND_IF}; without
 * them Turnout falls back to NIO loops, where the TUN still works but its own channels cannot be bound.
 */
final class KQueueSupport {

    private static final String KQUEUE = "io.netty.channel.kqueue.KQueue";
    private static final String HANDLER = "io.netty.channel.kqueue.KQueueIoHandler";
    private static final String SERVER = "io.netty.channel.kqueue.KQueueServerSocketChannel";

    private KQueueSupport() {
    }

    /** Whether kqueue's classes and native library load here. */
    static boolean available() {
        try {
            Class<?> kq = Class.forName(KQUEUE);
            return (Boolean) kq.getMethod("isAvailable").invoke(null);
        } catch (ReflectiveOperationException | LinkageError e) {
            return false;
        }
    }

    /** {@code KQueueIoHandler.newFactory()}, or empty when kqueue is not available. */
    static Optional<IoHandlerFactory> handlerFactory() {
        if (!available()) {
            return Optional.empty();
        }
        try {
            return Optional.of((IoHandlerFactory) Class.forName(HANDLER).getMethod("newFactory").invoke(null));
        } catch (ReflectiveOperationException | LinkageError | ClassCastException e) {
            return Optional.empty();
        }
    }

    /** A new {@code KQueueServerSocketChannel}, or empty when kqueue is not available. */
    static Optional<ServerSocketChannel> newServerSocketChannel() {
        if (!available()) {
            return Optional.empty();
        }
        try {
            return Optional.of((ServerSocketChannel) Class.forName(SERVER).getConstructor().newInstance());
        } catch (ReflectiveOperationException | LinkageError | ClassCastException e) {
            return Optional.empty();
        }
    }
}
