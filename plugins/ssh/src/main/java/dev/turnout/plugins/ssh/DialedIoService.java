package dev.turnout.plugins.ssh;

import dev.turnout.api.Destination;
import dev.turnout.api.Dialer;
import dev.turnout.api.Metadata;
import dev.turnout.api.Network;
import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import java.io.IOException;
import java.net.SocketAddress;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.sshd.common.AttributeRepository;
import org.apache.sshd.common.Factory;
import org.apache.sshd.common.FactoryManager;
import org.apache.sshd.common.io.DefaultIoConnectFuture;
import org.apache.sshd.common.io.IoAcceptor;
import org.apache.sshd.common.io.IoConnectFuture;
import org.apache.sshd.common.io.IoConnector;
import org.apache.sshd.common.io.IoHandler;
import org.apache.sshd.common.io.IoServiceEventListener;
import org.apache.sshd.common.io.IoServiceFactory;
import org.apache.sshd.common.io.IoServiceFactoryFactory;
import org.apache.sshd.common.io.IoSession;
import org.apache.sshd.common.util.closeable.AbstractCloseable;
import org.apache.sshd.common.util.threads.CloseableExecutorService;

/**
 * MINA SSHD's I/O, made of the host's connections: where SSHD would open a socket of its own (one that would loop
 * back into the TUN, and resolve the server's name outside Turnout's DNS), the outbound's dialer opens the connection
 * to the server, on the event loop the caller names in the connect's context ({@link #LOOP}). There is no acceptor:
 * Turnout is a client only.
 */
final class DialedIoService extends AbstractCloseable implements IoServiceFactoryFactory, IoServiceFactory, IoConnector {

    /** The event loop the connection, and the SSH session on it, belong to. */
    static final AttributeRepository.AttributeKey<EventLoop> LOOP = new AttributeRepository.AttributeKey<>();

    private final Dialer dialer;
    private final Destination server;
    private final AtomicLong ids = new AtomicLong();
    private final Map<Long, IoSession> sessions = new ConcurrentHashMap<>();
    private volatile IoHandler handler;
    private volatile IoServiceEventListener listener;

    DialedIoService(Dialer dialer, Destination server) {
        this.dialer = dialer;
        this.server = server;
    }

    // ---- the factory's factory and the factory: there is one service, this one

    @Override
    public IoServiceFactory create(FactoryManager manager) {
        return this;
    }

    @Override
    public void setExecutorServiceFactory(Factory<CloseableExecutorService> factory) {
        // No threads of its own: everything runs on the host's event loops.
    }

    @Override
    public IoConnector createConnector(IoHandler handler) {
        this.handler = handler;
        return this;
    }

    @Override
    public IoAcceptor createAcceptor(IoHandler handler) {
        throw new UnsupportedOperationException("Turnout's SSH client accepts no connections");
    }

    @Override
    public IoServiceEventListener getIoServiceEventListener() {
        return listener;
    }

    @Override
    public void setIoServiceEventListener(IoServiceEventListener listener) {
        this.listener = listener;
    }

    // ---- the connector

    /** Dials the server (whatever {@code target} says: it is the server, unresolved) on the context's loop. */
    @Override
    public IoConnectFuture connect(SocketAddress target, AttributeRepository context, SocketAddress local) {
        DefaultIoConnectFuture connected = new DefaultIoConnectFuture(target, null);
        EventLoop loop = context == null ? null : context.getAttribute(LOOP);
        if (loop == null) {
            connected.setException(new IllegalStateException("no event loop given for the SSH connection"));
            return connected;
        }
        dialer.openStream(Metadata.internal(Network.TCP, server), loop).addListener(f -> {
            if (!f.isSuccess()) {
                connected.setException(new IOException("ssh server " + server + " cannot be reached: "
                        + f.cause().getMessage(), f.cause()));
                return;
            }
            Channel channel = (Channel) f.getNow();
            if (isClosing() || connected.isCanceled()) {
                channel.close();
                connected.setException(new IOException("the ssh outbound was closed while connecting"));
                return;
            }
            DialedIoSession session = new DialedIoSession(this, handler, channel, ids.incrementAndGet());
            sessions.put(session.getId(), session);
            try {
                session.start();
                connected.setSession(session);
            } catch (Exception e) {
                connected.setException(e);
                session.close(true);
            }
        });
        return connected;
    }

    @Override
    public Map<Long, IoSession> getManagedSessions() {
        return Map.copyOf(sessions);
    }

    void forget(DialedIoSession session) {
        sessions.remove(session.getId());
    }

    @Override
    protected void doCloseImmediately() {
        sessions.values().forEach(s -> s.close(true));
        sessions.clear();
        super.doCloseImmediately();
    }
}
