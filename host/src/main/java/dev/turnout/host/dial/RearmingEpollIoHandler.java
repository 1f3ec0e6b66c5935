package dev.turnout.host.dial;

import io.netty.channel.IoHandle;
import io.netty.channel.IoHandler;
import io.netty.channel.IoHandlerContext;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.IoOps;
import io.netty.channel.IoRegistration;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollIoOps;

/**
 * Netty's epoll handler, with one defect of Netty 4.2.18 worked around: when a channel's interest set becomes
 * empty, Netty removes its socket from epoll (EPOLL_CTL_DEL) but keeps the registration marked as added, so the
 * next interest (EPOLL_CTL_MOD) fails with ENOENT and Netty fails the write that wanted it. A relayed flow hits
 * this once its client has half-closed (input shut, so no EPOLLIN or EPOLLRDHUP) and a large answer has to wait
 * for the client's socket twice: the flow is reset after a few megabytes. Here a registration that went empty is
 * re-registered (a fresh EPOLL_CTL_ADD) before its next non-empty interest. Remove this once Netty re-adds the
 * socket itself (RelayTest's slow-reading half-closed client shows it). It also keeps from epoll an interest that
 * epoll already holds (see {@code Registration.submit}).
 */
public final class RearmingEpollIoHandler implements IoHandler {

    private final IoHandler epoll;

    private RearmingEpollIoHandler(IoHandler epoll) {
        this.epoll = epoll;
    }

    /** The workaround around another handler (Netty's epoll one, or a test's). */
    static RearmingEpollIoHandler around(IoHandler epoll) {
        return new RearmingEpollIoHandler(epoll);
    }

    /** What {@link EpollIoHandler#newFactory()} gives, with the workaround. */
    public static IoHandlerFactory newFactory() {
        IoHandlerFactory epoll = EpollIoHandler.newFactory();
        return executor -> new RearmingEpollIoHandler(epoll.newHandler(executor));
    }

    @Override
    public IoRegistration register(IoHandle handle) throws Exception {
        return new Registration(handle, epoll.register(handle));
    }

    @Override
    public void initialize() {
        epoll.initialize();
    }

    @Override
    public int run(IoHandlerContext context) {
        return epoll.run(context);
    }

    @Override
    public void prepareToDestroy() {
        epoll.prepareToDestroy();
    }

    @Override
    public void destroy() {
        epoll.destroy();
    }

    @Override
    public void wakeup() {
        epoll.wakeup();
    }

    @Override
    public boolean isCompatible(Class<? extends IoHandle> handleType) {
        return epoll.isCompatible(handleType);
    }

    /** Called on the handler's own thread only, as Netty's channels do for every change of interest. */
    private final class Registration implements IoRegistration {
        private final IoHandle handle;
        private IoRegistration current;
        /**
         * What the last submit that reached Netty returned: the interest epoll holds (above 0), 0 once the socket
         * has left epoll (an empty interest), -1 before any submit or after a cancel.
         */
        private long lastSubmitted = -1;

        Registration(IoHandle handle, IoRegistration current) {
            this.handle = handle;
            this.current = current;
        }

        @Override
        public long submit(IoOps ops) {
            int value = ((EpollIoOps) ops).value();
            boolean none = value == EpollIoOps.NONE.value();
            if (value == lastSubmitted && !none && current.isValid()) {
                // Epoll (level-triggered here) already holds exactly this interest: an EPOLL_CTL_MOD would change
                // nothing. Netty asks twice after every connect (once on finishing it, once more for the channel's
                // current interest), which was one more system call per outbound connection.
                return value;
            }
            if (lastSubmitted == 0 && !none && current.isValid()) {
                // Netty's only way back into epoll is a new registration: cancel the stale one first (its
                // EPOLL_CTL_DEL finds nothing and is ignored), then add the socket again.
                current.cancel();
                try {
                    current = epoll.register(handle);
                } catch (Exception e) {
                    throw new IllegalStateException("could not put a socket back into epoll", e);
                }
            }
            long submitted = current.submit(ops);
            lastSubmitted = submitted;
            return submitted;
        }

        @Override
        public <T> T attachment() {
            return current.attachment();
        }

        @Override
        public boolean isValid() {
            return current.isValid();
        }

        @Override
        public boolean cancel() {
            return current.cancel();
        }
    }
}
