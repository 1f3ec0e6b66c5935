package dev.turnout.host.runtime;

import dev.turnout.api.DatagramSession;
import dev.turnout.api.Destination;
import dev.turnout.api.Metadata;
import dev.turnout.host.dns.DnsHandler;
import dev.turnout.host.relay.Relay;
import dev.turnout.host.tunnel.StreamReadiness;
import dev.turnout.host.tunnel.Tunnel;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.EventLoop;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.LengthFieldBasedFrameDecoder;
import io.netty.handler.codec.LengthFieldPrepender;
import io.netty.handler.timeout.ReadTimeoutHandler;
import io.netty.util.concurrent.Future;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * DNS over TCP to a {@code dns-hijack} target, caught on its way into the tunnel: the TUN's packet engine
 * hijacks UDP itself, TCP connections to port 53 arrive here as ordinary streams. Answered by the same DNS
 * handler, so fake-IP answers agree whichever transport asked.
 */
final class TcpDnsHijack implements Tunnel {

    /** A hijack target: an address (null for any) and a port. */
    private record Target(InetAddress address, int port) {
    }

    private final Tunnel next;
    private final DnsHandler dns;
    private final List<Target> targets;

    private TcpDnsHijack(Tunnel next, DnsHandler dns, List<Target> targets) {
        this.next = next;
        this.dns = dns;
        this.targets = targets;
    }

    /** {@code next} itself when no entry of {@code dnsHijack} applies to TCP. */
    static Tunnel wrap(Tunnel next, DnsHandler dns, List<String> dnsHijack) {
        List<Target> targets = new ArrayList<>();
        for (String raw : dnsHijack) {
            String s = raw.trim().toLowerCase(Locale.ROOT);
            if (s.startsWith("udp://")) {
                continue; // Clash: an entry with no scheme means both transports
            }
            if (s.startsWith("tcp://")) {
                s = s.substring(6);
            }
            int colon = s.lastIndexOf(':');
            String host = s.substring(0, colon).replace("[", "").replace("]", "");
            int port = Integer.parseInt(s.substring(colon + 1));
            try {
                InetAddress address = host.equals("any") || host.equals("0.0.0.0") || host.equals("::")
                        ? null : InetAddress.getByName(host);
                targets.add(new Target(address, port));
            } catch (UnknownHostException e) {
                throw new IllegalArgumentException("bad address in dns-hijack entry " + raw, e);
            }
        }
        return targets.isEmpty() ? next : new TcpDnsHijack(next, dns, List.copyOf(targets));
    }

    private boolean hijacks(Metadata flow) {
        if (!"tun".equals(flow.inbound())) {
            return false;
        }
        Destination d = flow.destination();
        for (Target t : targets) {
            if (t.port() == d.port() && (t.address() == null || t.address().equals(d.address()))) {
                return true;
            }
        }
        return false;
    }

    @Override
    public void routeStream(Channel inbound, Metadata flow, StreamReadiness readiness) {
        if (!hijacks(flow)) {
            next.routeStream(inbound, flow, readiness);
            return;
        }
        inbound.pipeline().addLast(new ReadTimeoutHandler(30),
                new LengthFieldBasedFrameDecoder(65535 + 2, 0, 2, 0, 2),
                new LengthFieldPrepender(2),
                new SimpleChannelInboundHandler<ByteBuf>(ByteBuf.class) {
                    @Override
                    protected void channelRead0(ChannelHandlerContext ctx, ByteBuf query) {
                        // The handler reads the query before it returns; the answer may come later.
                        dns.handle(query, false, ctx.executor()).addListener(f -> {
                            Object answer = f.getNow();
                            if (f.isSuccess() && answer instanceof ByteBuf buf) {
                                ctx.writeAndFlush(buf);
                            }
                        });
                    }

                    @Override
                    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                        ctx.close();
                    }
                });
        Relay.resumeReading(inbound);
    }

    @Override
    public Future<DatagramSession> routeDatagram(Metadata flow, EventLoop loop, DatagramSession.Receiver toApplication) {
        return next.routeDatagram(flow, loop, toApplication);
    }
}
