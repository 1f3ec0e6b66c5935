package dev.turnout.plugins.ssh;

import io.netty.buffer.ByteBuf;
import io.netty.channel.AbstractChannel;
import io.netty.channel.ChannelConfig;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelMetadata;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.channel.ChannelPromise;
import io.netty.channel.DefaultChannelConfig;
import io.netty.channel.EventLoop;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.ChannelInputShutdownReadComplete;
import io.netty.channel.socket.DuplexChannel;
import java.io.IOException;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.util.ArrayDeque;
import org.apache.sshd.common.io.IoWriteFuture;
import org.apache.sshd.common.util.buffer.ByteArrayBuffer;

/**
 * One flow's {@code direct-tcpip} channel as a Netty channel on the flow's event loop, so the host relays it as it
 * relays a socket: reads come as the server's data, writes leave as the channel's data, back-pressure both ways (the
 * SSH window toward the server, writability toward the relay), a half-close is SSH's EOF, and the server's EOF is an
 * input shutdown.
 *
 * <p>Everything here runs on {@link #eventLoop()}: the SSH session that carries the channel reads on the same loop.
 * At most one write is handed to SSHD at a time (its stream takes no second before the first is sent); the rest wait
 * in the channel's outbound buffer, which is what makes the channel unwritable when the server's window is full.
 */
final class SshStreamChannel extends AbstractChannel implements DuplexChannel {

    private static final ChannelMetadata METADATA = new ChannelMetadata(false, 16);
    /** What one SSH write gathers from the queued buffers at most. */
    private static final int MAX_WRITE = 64 * 1024;

    private final Config config = new Config(this);
    private final SocketAddress local;
    private final SocketAddress remote;
    private final ArrayDeque<ByteBuf> inbound = new ArrayDeque<>();
    private ForwardedTunnel tunnel;
    private boolean open = true;
    private boolean active;
    private boolean reading;
    private boolean delivering;
    private boolean inputEnded;
    private boolean inputShutdown;
    private boolean remoteClosed;
    private boolean writing;
    private boolean outputShutdown;
    private ChannelPromise shutdownAfterWrites;

    /** @param local and remote: the SSH connection's ends, for whoever asks the channel where it goes */
    SshStreamChannel(SocketAddress local, SocketAddress remote) {
        super(null);
        this.local = local;
        this.remote = remote;
        config.setAutoRead(false); // the relay asks for reads
    }

    /** The SSH channel it stands for, attached before that is opened. */
    void attach(ForwardedTunnel tunnel) {
        this.tunnel = tunnel;
    }

    /** The SSH channel is open: the channel is active from its registration on. */
    void opened() {
        active = true;
    }

    // ---- what the SSH channel tells it (on the session's loop, which is this channel's)

    void received(byte[] data, int offset, int length) {
        if (!open || inputShutdown) {
            tunnel.consumed(length);
            return;
        }
        inbound.add(alloc().buffer(length).writeBytes(data, offset, length));
        deliver();
    }

    void inputEnded() {
        inputEnded = true;
        deliver();
    }

    /** The SSH channel closed (the server closed it, or the session ended): what was received is still read. */
    void remoteClosed() {
        run(() -> {
            remoteClosed = true;
            active = false;
            deliver();
        });
    }

    private void run(Runnable task) {
        EventLoop loop = isRegistered() ? eventLoop() : null;
        if (loop == null || loop.inEventLoop()) {
            task.run();
        } else {
            loop.execute(task);
        }
    }

    /** Passes what was received on while the relay reads, then the end of input, then the close. */
    private void deliver() {
        if (delivering || !isRegistered()) {
            return;
        }
        delivering = true;
        try {
            boolean read = false;
            while (reading && !inbound.isEmpty()) {
                ByteBuf data = inbound.poll();
                int length = data.readableBytes();
                pipeline().fireChannelRead(data);
                tunnel.consumed(length);
                read = true;
            }
            if (read) {
                if (!config.isAutoRead()) {
                    reading = false;
                }
                pipeline().fireChannelReadComplete();
            }
            if (!inbound.isEmpty() || !open) {
                return;
            }
            if (inputEnded && !inputShutdown && (reading || remoteClosed)) {
                inputShutdown = true;
                if (config.allowHalfClosure && !remoteClosed) {
                    pipeline().fireUserEventTriggered(ChannelInputShutdownEvent.INSTANCE);
                    pipeline().fireUserEventTriggered(ChannelInputShutdownReadComplete.INSTANCE);
                } else {
                    unsafe().close(voidPromise());
                    return;
                }
            }
            if (remoteClosed) {
                unsafe().close(voidPromise());
            }
        } finally {
            delivering = false;
        }
    }

    // ---- Netty's side

    @Override
    protected AbstractUnsafe newUnsafe() {
        return new Unsafe();
    }

    @Override
    protected boolean isCompatible(EventLoop loop) {
        return true; // it does no I/O of its own: any loop may run it
    }

    @Override
    protected SocketAddress localAddress0() {
        return local;
    }

    @Override
    protected SocketAddress remoteAddress0() {
        return remote;
    }

    @Override
    protected void doBind(SocketAddress localAddress) {
        throw new UnsupportedOperationException("an SSH channel is not bound");
    }

    @Override
    protected void doDisconnect() {
        doClose();
    }

    @Override
    protected void doClose() {
        if (!open) {
            return;
        }
        open = false;
        active = false;
        ByteBuf queued;
        while ((queued = inbound.poll()) != null) {
            queued.release();
        }
        if (shutdownAfterWrites != null) {
            shutdownAfterWrites.tryFailure(new ClosedChannelException());
            shutdownAfterWrites = null;
        }
        if (tunnel != null) {
            tunnel.close(false); // after what was handed to it: then SSH_MSG_CHANNEL_CLOSE
        }
    }

    @Override
    protected void doBeginRead() {
        reading = true;
        deliver();
    }

    @Override
    protected Object filterOutboundMessage(Object msg) {
        if (msg instanceof ByteBuf) {
            return msg;
        }
        throw new UnsupportedOperationException("an SSH channel carries bytes, not " + msg.getClass().getSimpleName());
    }

    /** Hands SSHD what is queued, gathered into one write, unless a write is under way; its end writes the next. */
    @Override
    protected void doWrite(ChannelOutboundBuffer queue) {
        if (writing) {
            return;
        }
        ByteBuffer[] parts = queue.nioBuffers(1024, MAX_WRITE);
        long total = queue.nioBufferSize();
        if (total == 0) {
            queue.removeBytes(0); // empty buffers: the relay's marks before a half-close
            if (queue.isEmpty()) {
                afterWrites();
            }
            return;
        }
        byte[] bytes = new byte[(int) total];
        int at = 0;
        for (int i = 0; i < queue.nioBufferCount(); i++) {
            ByteBuffer part = parts[i].duplicate();
            int n = part.remaining();
            part.get(bytes, at, n);
            at += n;
        }
        writing = true;
        IoWriteFuture sent;
        try {
            sent = tunnel.getAsyncIn().writeBuffer(new ByteArrayBuffer(bytes));
        } catch (IOException | RuntimeException e) {
            writing = false;
            throw new IllegalStateException("the SSH channel takes no more data: " + e.getMessage(), e);
        }
        sent.addListener(f -> run(() -> written(f, total)));
    }

    private void written(IoWriteFuture f, long bytes) {
        writing = false;
        ChannelOutboundBuffer queue = unsafe().outboundBuffer();
        if (!f.isWritten()) {
            if (open) {
                pipeline().fireExceptionCaught(new IOException("the SSH channel failed to send: "
                        + (f.getException() == null ? "closed" : f.getException().getMessage()), f.getException()));
                unsafe().close(voidPromise());
            }
            return;
        }
        if (queue == null) {
            return; // closed meanwhile
        }
        queue.removeBytes(bytes);
        ((Unsafe) unsafe()).writeMore();
        if (!writing && queue.isEmpty()) {
            afterWrites();
        }
    }

    /** A half-close asked for while data was still queued goes out now that it is sent. */
    private void afterWrites() {
        if (shutdownAfterWrites != null) {
            ChannelPromise promise = shutdownAfterWrites;
            shutdownAfterWrites = null;
            sendEof(promise);
        }
    }

    private void sendEof(ChannelPromise promise) {
        // SSHD's stream, closed gracefully, sends SSH_MSG_CHANNEL_EOF after what it has not sent yet.
        tunnel.getAsyncIn().close(false).addListener(f -> run(() -> promise.trySuccess()));
    }

    @Override
    public boolean isOpen() {
        return open;
    }

    @Override
    public boolean isActive() {
        return open && active;
    }

    @Override
    public ChannelMetadata metadata() {
        return METADATA;
    }

    @Override
    public ChannelConfig config() {
        return config;
    }

    // ---- half-closure (DuplexChannel)

    @Override
    public boolean isInputShutdown() {
        return inputShutdown;
    }

    @Override
    public ChannelFuture shutdownInput() {
        return shutdownInput(newPromise());
    }

    @Override
    public ChannelFuture shutdownInput(ChannelPromise promise) {
        run(() -> {
            inputShutdown = true;
            ByteBuf queued;
            while ((queued = inbound.poll()) != null) {
                tunnel.consumed(queued.readableBytes());
                queued.release();
            }
            promise.trySuccess();
        });
        return promise;
    }

    @Override
    public boolean isOutputShutdown() {
        return outputShutdown;
    }

    @Override
    public ChannelFuture shutdownOutput() {
        return shutdownOutput(newPromise());
    }

    @Override
    public ChannelFuture shutdownOutput(ChannelPromise promise) {
        run(() -> {
            if (!open) {
                promise.tryFailure(new ClosedChannelException());
                return;
            }
            if (outputShutdown) {
                promise.trySuccess();
                return;
            }
            outputShutdown = true;
            ChannelOutboundBuffer queue = unsafe().outboundBuffer();
            if (writing || (queue != null && !queue.isEmpty())) {
                shutdownAfterWrites = promise;
            } else {
                sendEof(promise);
            }
        });
        return promise;
    }

    @Override
    public boolean isShutdown() {
        return inputShutdown && outputShutdown;
    }

    @Override
    public ChannelFuture shutdown() {
        return shutdown(newPromise());
    }

    @Override
    public ChannelFuture shutdown(ChannelPromise promise) {
        shutdownOutput().addListener(f -> shutdownInput(promise));
        return promise;
    }

    private final class Unsafe extends AbstractUnsafe {
        @Override
        public void connect(SocketAddress remoteAddress, SocketAddress localAddress, ChannelPromise promise) {
            promise.setFailure(new UnsupportedOperationException("an SSH channel is opened by its session"));
        }

        void writeMore() {
            flush0();
        }
    }

    /** Netty's defaults, and the half-closure the relay asks for. */
    private static final class Config extends DefaultChannelConfig {
        private volatile boolean allowHalfClosure;

        Config(SshStreamChannel channel) {
            super(channel);
        }

        @Override
        @SuppressWarnings("unchecked")
        public <T> T getOption(ChannelOption<T> option) {
            if (option == ChannelOption.ALLOW_HALF_CLOSURE) {
                return (T) Boolean.valueOf(allowHalfClosure);
            }
            return super.getOption(option);
        }

        @Override
        public <T> boolean setOption(ChannelOption<T> option, T value) {
            if (option == ChannelOption.ALLOW_HALF_CLOSURE) {
                allowHalfClosure = (Boolean) value;
                return true;
            }
            return super.setOption(option, value);
        }

        @Override
        protected void autoReadCleared() {
            ((SshStreamChannel) channel).reading = false;
        }
    }
}
