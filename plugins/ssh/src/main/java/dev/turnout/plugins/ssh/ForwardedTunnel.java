package dev.turnout.plugins.ssh;

import java.io.IOException;
import org.apache.sshd.client.channel.ChannelDirectTcpip;
import org.apache.sshd.common.channel.StreamingChannel;
import org.apache.sshd.common.util.net.SshdSocketAddress;

/**
 * One flow's {@code direct-tcpip} channel (RFC 4254 7.2): the server connects to the destination and relays. What the
 * server sends is handed to the flow's {@link SshStreamChannel} as it is decoded, and the window it may send ahead is
 * given back only as the relay reads it, so a slow application holds the server back instead of filling memory.
 */
final class ForwardedTunnel extends ChannelDirectTcpip {

    /** Who the server is told opened the channel: nobody in particular, as Go's client (mihomo's) says too. */
    private static final SshdSocketAddress ORIGINATOR = new SshdSocketAddress("0.0.0.0", 0);

    private final SshStreamChannel stream;

    ForwardedTunnel(SshdSocketAddress target, SshStreamChannel stream) {
        super(ORIGINATOR, target);
        this.stream = stream;
        setStreaming(StreamingChannel.Streaming.Async);
    }

    @Override
    protected void doWriteData(byte[] data, int off, long len) throws IOException {
        if (isClosing()) {
            return;
        }
        stream.received(data, off, (int) len);
    }

    @Override
    public void handleEof() throws IOException {
        super.handleEof();
        stream.inputEnded();
    }

    /** {@code bytes} were read by the relay: the server may send as many more. */
    void consumed(int bytes) {
        try {
            getLocalWindow().release(bytes);
        } catch (IOException e) {
            // The channel is closing: nothing more will come.
        }
    }
}
