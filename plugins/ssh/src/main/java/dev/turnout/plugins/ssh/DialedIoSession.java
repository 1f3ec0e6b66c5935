package dev.turnout.plugins.ssh;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.DuplexChannel;
import java.io.IOException;
import java.net.SocketAddress;
import java.nio.channels.ClosedChannelException;
import java.util.HashMap;
import java.util.Map;
import org.apache.sshd.common.future.CloseFuture;
import org.apache.sshd.common.io.AbstractIoWriteFuture;
import org.apache.sshd.common.io.IoHandler;
import org.apache.sshd.common.io.IoService;
import org.apache.sshd.common.io.IoSession;
import org.apache.sshd.common.io.IoWriteFuture;
import org.apache.sshd.common.util.Readable;
import org.apache.sshd.common.util.buffer.Buffer;
import org.apache.sshd.common.util.closeable.AbstractCloseable;

/**
 * MINA SSHD's view of one connection to the SSH server, which the host's dialer opened (a socket bound to the
 * physical interface, or a {@code dialer-proxy}'s stream): what the server sends is handed to SSHD's session as it is
 * read, on the connection's event loop; what SSHD writes goes down the connection's pipeline, in order.
 */
final class DialedIoSession extends AbstractCloseable implements IoSession {

    private final DialedIoService service;
    private final IoHandler handler;
    private final Channel channel;
    private final long id;
    private final Map<Object, Object> attributes = new HashMap<>();

    DialedIoSession(DialedIoService service, IoHandler handler, Channel channel, long id) {
        super("ssh connection to " + channel.remoteAddress());
        this.service = service;
        this.handler = handler;
        this.channel = channel;
        this.id = id;
    }

    /**
     * Puts the session in the connection's pipeline, after whatever layers the dialer left there, tells SSHD it
     * exists (it sends its version line then) and reads. Call it on the connection's event loop.
     */
    void start() throws Exception {
        channel.pipeline().addLast("ssh-transport", new Reader());
        handler.sessionCreated(this);
        channel.closeFuture().addListener(f -> closed());
        channel.config().setAutoRead(true);
        channel.read();
    }

    private void closed() {
        service.forget(this);
        try {
            handler.sessionClosed(this);
        } catch (Exception e) {
            // Nothing is attached to it any more (it closed before the SSH session was made): nothing to tell.
        }
        close(true);
    }

    Channel channel() {
        return channel;
    }

    @Override
    public long getId() {
        return id;
    }

    @Override
    public Object getAttribute(Object key) {
        synchronized (attributes) {
            return attributes.get(key);
        }
    }

    @Override
    public Object setAttribute(Object key, Object value) {
        synchronized (attributes) {
            return attributes.put(key, value);
        }
    }

    @Override
    public Object setAttributeIfAbsent(Object key, Object value) {
        synchronized (attributes) {
            return attributes.putIfAbsent(key, value);
        }
    }

    @Override
    public Object removeAttribute(Object key) {
        synchronized (attributes) {
            return attributes.remove(key);
        }
    }

    @Override
    public SocketAddress getRemoteAddress() {
        return channel.remoteAddress();
    }

    @Override
    public SocketAddress getLocalAddress() {
        return channel.localAddress();
    }

    @Override
    public SocketAddress getAcceptanceAddress() {
        return null; // a client's connection: nothing accepted it here
    }

    /** Netty keeps the order of writes, from any thread; the future completes when the bytes left. */
    @Override
    public IoWriteFuture writeBuffer(Buffer buffer) {
        WriteFuture written = new WriteFuture(this);
        if (!channel.isActive()) {
            written.setValue(new ClosedChannelException());
            return written;
        }
        ByteBuf bytes = Unpooled.wrappedBuffer(buffer.array(), buffer.rpos(), buffer.available());
        channel.writeAndFlush(bytes).addListener(f -> written.setValue(f.isSuccess() ? Boolean.TRUE : f.cause()));
        return written;
    }

    @Override
    public IoService getService() {
        return service;
    }

    @Override
    public void shutdownOutputStream() throws IOException {
        if (channel instanceof DuplexChannel duplex) {
            duplex.shutdownOutput();
        }
    }

    @Override
    public void suspendRead() {
        channel.config().setAutoRead(false);
    }

    @Override
    public void resumeRead() {
        channel.config().setAutoRead(true);
    }

    @Override
    protected CloseFuture doCloseGracefully() {
        // What SSHD wrote before goes out first: a write of nothing queued behind it, then the close.
        channel.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(f -> channel.close())
                .addListener(f -> closeFuture.setClosed());
        return closeFuture;
    }

    @Override
    protected void doCloseImmediately() {
        channel.close();
        super.doCloseImmediately();
    }

    @Override
    public String toString() {
        return "ssh connection " + channel.localAddress() + " -> " + channel.remoteAddress();
    }

    private static final class WriteFuture extends AbstractIoWriteFuture {
        WriteFuture(Object id) {
            super(id, null);
        }
    }

    /**
     * Hands each read to SSHD as it comes: SSHD keeps what it has not decoded yet and asks for no more than it
     * reads, and its channels' windows bound what the server may send ahead.
     */
    private final class Reader extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
            ByteBuf buf = (ByteBuf) msg;
            try {
                handler.messageReceived(DialedIoSession.this, Readable.readable(buf.nioBuffer()));
            } finally {
                buf.release();
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) throws Exception {
            handler.exceptionCaught(DialedIoSession.this, cause);
        }
    }
}
