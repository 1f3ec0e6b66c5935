package dev.turnout.host.tunnel;

import dev.turnout.api.DatagramSession;
import dev.turnout.api.Metadata;
import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.Future;

/**
 * Where every inbound hands its flows: the tunnel asks the rules for an outbound, opens it, records the flow
 * in the flow table, and relays until either side ends. Inbounds only accept and speak their protocol.
 */
public interface Tunnel {

    /**
     * Routes a stream flow an inbound has accepted.
     *
     * <p>{@code inbound} must be active with auto-read off; the tunnel turns reading on once the outbound is
     * connected and {@code readiness} has been told. When the outbound fails, the tunnel tells
     * {@code readiness}, which writes its error reply and closes; with {@link StreamReadiness#SILENT} the
     * tunnel closes {@code inbound} itself with a reset (SO_LINGER 0). An inbound that called
     * {@link dev.turnout.host.relay.Relay#holdEarlyInput} gets what the application sent in the meantime
     * relayed first, through {@link dev.turnout.host.relay.Relay#start}.
     */
    void routeStream(Channel inbound, Metadata flow, StreamReadiness readiness);

    /**
     * Routes one request of an inbound that forwards requests itself: decides, logs and records it as
     * {@link #routeStream} does, on {@code inbound}'s event loop, and leaves opening the outbound to the inbound.
     * Fails when the flow cannot even be recorded (a fake address without a name, a full flow table).
     */
    Future<RoutedRequest> routeRequest(Channel inbound, Metadata flow);

    /**
     * Routes a datagram flow (one UDP association or one TUN 5-tuple). The session's datagrams go through the
     * outbound the rules chose for {@code flow}; replies reach {@code toApplication} on {@code loop}.
     */
    Future<DatagramSession> routeDatagram(Metadata flow, EventLoop loop, DatagramSession.Receiver toApplication);
}
