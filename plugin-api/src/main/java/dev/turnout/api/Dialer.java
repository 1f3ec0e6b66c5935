package dev.turnout.api;

import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.Future;

/**
 * Opens streams and datagram sessions to a destination.
 *
 * <p>The host gives each outbound a dialer for its own upstream connections; every {@link Outbound} is a
 * dialer too, which is how chains are built.
 */
public interface Dialer {

    /**
     * Opens a byte stream to {@code flow.destination()}.
     *
     * <p>The returned channel is ready for payload: any handshake has completed and its handlers have been
     * removed, so bytes written to it arrive at the destination and bytes read from it came from there. A
     * protocol that transforms every byte (TLS, a WebSocket, a cipher) leaves its handlers in the pipeline;
     * the caller adds its own handlers after them and writes through the pipeline, never to the socket.
     * Before the caller half-closes the channel (shutting down its output) or closes it because its own side
     * ended, it writes and flushes an empty buffer through the pipeline: a protocol with an end-of-stream
     * marker of its own (VMess's empty chunk) sends it then, since the half-close itself bypasses the pipeline.
     * The channel is registered on {@code loop} so the relay never crosses threads. The future fails with
     * {@link RejectedException} when the outbound refuses the flow by design, and with another exception
     * when the connection could not be made.
     *
     * <p>It is called on {@code loop}, which serves many other flows, and must return at once: wait for
     * nothing here (no blocking I/O, lock or sleep), complete the future later instead. Every other flow on
     * {@code loop} waits while this call runs, and the host cannot take the call back: it names an outbound whose
     * call has kept the loop 2 s while it still does, names one that kept it a second or more once it returns, counts
     * its deadline (30 s) from the call, and answers a controller's delay test "Timeout" once the test's timeout
     * passed. At the deadline, or when the application leaves first, the host cancels the returned future: close
     * whatever was opened for it then: a cancelled promise takes nothing ({@code trySuccess} returns false), so a
     * channel the plugin then holds is its own to close.
     */
    Future<Channel> openStream(Metadata flow, EventLoop loop);

    /**
     * Opens a datagram session for {@code flow}; datagrams may then be sent to any destination.
     *
     * <p>Called on {@code loop} and must return at once, as {@link #openStream}; the session's {@code send} too.
     *
     * @param receiver called on {@code loop} for every datagram that comes back
     */
    Future<DatagramSession> openDatagram(Metadata flow, EventLoop loop, DatagramSession.Receiver receiver);
}
