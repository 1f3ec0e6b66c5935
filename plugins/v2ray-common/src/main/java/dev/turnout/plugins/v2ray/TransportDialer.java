package dev.turnout.plugins.v2ray;

import dev.turnout.api.DatagramSession;
import dev.turnout.api.GrpcCalls;
import dev.turnout.api.Destination;
import dev.turnout.api.Metadata;
import dev.turnout.api.Network;
import dev.turnout.api.OutboundContext;
import dev.turnout.api.Steps;
import dev.turnout.plugins.v2ray.http.RequestHead;
import dev.turnout.plugins.v2ray.http.ResponseHead;
import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.Future;
import java.io.IOException;
import java.net.SocketTimeoutException;

/**
 * Opens a connection to the server through the host's dialer and puts the transport's layers on it (TLS,
 * then WebSocket, a gRPC call, an HTTP/2 request or the HTTP/1.1 disguise), all within one deadline, so a server
 * that is down, slow or silent fails the flow promptly. gRPC calls share connections ({@link GrpcCalls}): close it
 * with the outbound.
 * The channel it completes with has auto-read off: nothing is read before the protocol's handler is in place
 * (the relay turns it on).
 *
 * <p>VMess and VLESS both start a connection the same way, with one request naming a command and a destination
 * and no round trip: {@link #openStream} and {@link #openDatagram} do that with the protocol's {@link Requests}.
 */
public final class TransportDialer implements AutoCloseable {

    /** The request commands VMess and VLESS share. */
    public static final byte COMMAND_TCP = 1;
    public static final byte COMMAND_UDP = 2;

    /** How a protocol asks its server for a destination. */
    @FunctionalInterface
    public interface Requests {
        /**
         * The request for {@code command} to {@code destination}, prepared before dialing so that a destination
         * the protocol cannot name dials nothing.
         *
         * @throws IllegalArgumentException when the destination cannot be named
         */
        Request prepare(byte command, Destination destination);
    }

    /** One prepared request. */
    @FunctionalInterface
    public interface Request {
        /** Writes the request header, flushed at once, and puts the protocol's codec in place on a new connection. */
        void start(Channel channel);
    }

    private final Destination server;
    private final Transport transport;
    private final OutboundContext context;
    private final long timeoutMillis;
    private final String label;
    private final GrpcCalls grpcCalls;

    /**
     * @param label how to name the server in messages, e.g. {@code vmess server 192.0.2.1:443}
     */
    public TransportDialer(Destination server, Transport transport, OutboundContext context, long timeoutMillis,
                           String label) {
        this.server = server;
        this.transport = transport;
        this.context = context;
        this.timeoutMillis = timeoutMillis;
        this.label = label;
        // gRPC calls share connections, as in Clash: most flows start without a handshake.
        this.grpcCalls = transport.grpc() == null ? null
                : context.grpcCalls(transport.grpc(), transport.grpcAuthority(), this::connectWithin);
    }

    /** Connects; cancelling the result, or its failure, closes whatever was opened. */
    public Future<Channel> open(EventLoop loop) {
        if (grpcCalls != null) {
            // A call on a connection already open or dialled for it; the dial has a deadline of its own
            // (connectWithin), and its failure names its stage.
            return Steps.within(loop, grpcCalls.open(loop), timeoutMillis, () -> timeout("the gRPC call"));
        }
        String[] stage = {"the connection"};
        // With h2 the channel handed on is the request's stream, not the connection.
        Future<Channel> layered = connect(loop, stage);
        if (transport.h2() != null) {
            layered = Steps.then(loop, layered, c -> {
                stage[0] = "the HTTP/2 request";
                return context.h2(c, transport.h2());
            });
        }
        if (transport.http() != null) {
            layered = Steps.then(loop, layered, c -> {
                // Nothing to wait for: the head goes out with the protocol's request, the answer's is taken off it.
                c.pipeline().addLast("v2ray-http-request", new RequestHead(transport.http()));
                c.pipeline().addLast("v2ray-http-response", new ResponseHead(label));
                return loop.newSucceededFuture(c);
            });
        }
        if (transport.webSocket() != null) {
            layered = Steps.then(loop, layered, c -> {
                stage[0] = "the WebSocket upgrade";
                return context.webSocket(c, transport.webSocket(), server.hostOrAddress());
            });
        }
        return Steps.within(loop, layered, timeoutMillis, () -> timeout(stage[0]));
    }

    /** The connection and its TLS; the dialer hands it over with auto-read off, and the layers read what they need. */
    private Future<Channel> connect(EventLoop loop, String[] stage) {
        Future<Channel> dialled = context.dialer().openStream(Metadata.internal(Network.TCP, server), loop);
        if (transport.tls() == null) {
            return dialled;
        }
        return Steps.then(loop, dialled, c -> {
            stage[0] = "the TLS handshake";
            return context.tls(c, transport.tls());
        });
    }

    private Future<Channel> connectWithin(EventLoop loop) {
        String[] stage = {"the connection"};
        return Steps.within(loop, connect(loop, stage), timeoutMillis, () -> timeout(stage[0]));
    }

    private SocketTimeoutException timeout(String stage) {
        return new SocketTimeoutException(label + " did not complete " + stage + " within " + timeoutMillis + " ms");
    }

    /** Closes the connections kept for later gRPC calls. */
    @Override
    public void close() {
        if (grpcCalls != null) {
            grpcCalls.close();
        }
    }

    /** A connection carrying {@code command} to {@code destination}, its codec in place, auto-read off. */
    public Future<Channel> open(byte command, Destination destination, EventLoop loop, Requests requests) {
        Request request;
        try {
            request = requests.prepare(command, destination);
        } catch (IllegalArgumentException e) {
            return loop.newFailedFuture(new IOException(e.getMessage(), e));
        }
        return Steps.then(loop, open(loop), channel -> {
            request.start(channel);
            return loop.newSucceededFuture(channel);
        });
    }

    /** A stream to {@code destination}. */
    public Future<Channel> openStream(Destination destination, EventLoop loop, Requests requests) {
        return open(COMMAND_TCP, destination, loop, requests);
    }

    /** UDP, one connection per destination (as Clash does it); {@code udp} is whether the user enabled it. */
    public Future<DatagramSession> openDatagram(boolean udp, String outbound, EventLoop loop,
                                                DatagramSession.Receiver receiver, Requests requests) {
        if (!udp) {
            return loop.newFailedFuture(new IOException("UDP is not enabled for " + outbound + " (set udp: true)"));
        }
        return loop.newSucceededFuture(new StreamPerDestination(
                (destination, l) -> open(COMMAND_UDP, destination, l, requests), loop, receiver));
    }
}
