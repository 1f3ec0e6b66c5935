package dev.turnout.host.dns;

import dev.turnout.api.DatagramSession;
import dev.turnout.api.Destination;
import dev.turnout.api.Metadata;
import dev.turnout.api.Outbound;
import dev.turnout.host.dial.Transport;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;

/**
 * mihomo's {@code type: dns} outbound ({@code dns-out}): the flows routed to it are DNS queries, answered by
 * Turnout's own DNS (fake-IP included) as the TUN's {@code dns-hijack} answers them, whatever server they were
 * sent to. Datagrams go straight to the handler; a TCP stream to a loopback server of the same handler
 * ({@link DnsService#tcpForOutbounds}), since a stream outbound hands the relay a channel.
 */
final class DnsOutbound implements Outbound {

    private final String name;
    /** {@code null} without a DNS ({@code turnout check}); while it is off every flow fails, saying so. */
    private final DnsService dns;
    private final InetSocketAddress tcp;

    DnsOutbound(String name, DnsService dns, InetSocketAddress tcp) {
        this.name = name;
        this.dns = dns;
        this.tcp = tcp;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public String type() {
        return DnsOutboundType.TYPE;
    }

    @Override
    public boolean supportsUdp() {
        return true;
    }

    @Override
    public Future<Channel> openStream(Metadata flow, EventLoop loop) {
        if (!answering()) {
            return loop.newFailedFuture(off());
        }
        Promise<Channel> opened = loop.newPromise();
        // To loopback, unbound: Turnout's own server, never the physical interface or the TUN.
        // Reads as the host dialer's channels do: when the relay asks, so that a slow client holds the server back.
        ChannelFuture connect = new Bootstrap().group(loop).channelFactory(() -> Transport.newSocketChannel())
                .option(ChannelOption.AUTO_READ, false).handler(new ChannelInboundHandlerAdapter()).connect(tcp);
        connect.addListener(f -> {
            if (f.isSuccess()) {
                opened.trySuccess(connect.channel());
            } else {
                opened.tryFailure(f.cause());
            }
        });
        return opened;
    }

    @Override
    public Future<DatagramSession> openDatagram(Metadata flow, EventLoop loop, DatagramSession.Receiver receiver) {
        return !answering() ? loop.newFailedFuture(off()) : loop.newSucceededFuture(new Answers(loop, receiver));
    }

    private boolean answering() {
        return dns != null && dns.on();
    }

    private IOException off() {
        return new IOException("'" + name + "' answers with Turnout's DNS, which this config does not enable"
                + " (dns: enable: true)");
    }

    /** Each datagram a query, each answer back from the address it was sent to. */
    private final class Answers implements DatagramSession {
        private final EventLoop loop;
        private final DatagramSession.Receiver receiver;
        private volatile boolean open = true;

        Answers(EventLoop loop, DatagramSession.Receiver receiver) {
            this.loop = loop;
            this.receiver = receiver;
        }

        @Override
        public void send(Destination destination, ByteBuf payload) {
            Future<ByteBuf> answer;
            try {
                if (!open) {
                    return;
                }
                answer = dns.handler().handle(payload, true, loop);
            } finally {
                payload.release();
            }
            // A name given as the destination: answered as from loopback, as mihomo's dns outbound does.
            InetSocketAddress from = new InetSocketAddress(destination.hasAddress() ? destination.address()
                    : InetAddress.getLoopbackAddress(), destination.port());
            answer.addListener(f -> {
                ByteBuf reply = answer.getNow();
                if (reply == null) {
                    return; // dropped: a message that cannot be answered at all
                }
                if (open) {
                    receiver.receive(from, reply);
                } else {
                    reply.release();
                }
            });
        }

        @Override
        public boolean isOpen() {
            return open;
        }

        @Override
        public void close() {
            open = false;
        }
    }

    @Override
    public String toString() {
        return "dns '" + name + "'";
    }
}
