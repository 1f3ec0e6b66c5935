package dev.turnout.host.runtime;

import dev.turnout.api.DatagramSession;
import dev.turnout.api.Destination;
import dev.turnout.api.Metadata;
import dev.turnout.host.dns.DnsService;
import dev.turnout.host.relay.Relay;
import dev.turnout.host.tun.HijackTargets;
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
import java.util.List;

/**
 * DNS over TCP to a {@code dns-hijack} target, caught on its way into the tunnel: the TUN's packet engine
 * hijacks UDP itself, TCP connections to port 53 arrive here as ordinary streams. Answered by the same DNS
 * handler, so fake-IP answers agree whichever transport asked.
 */
final class TcpDnsHijack implements Tunnel {

    private final Tunnel next;
    private final DnsService dns;
    private final HijackTargets targets;

    private TcpDnsHijack(Tunnel next, DnsService dns, HijackTargets targets) {
        this.next = next;
        this.dns = dns;
        this.targets = targets;
    }

    /** {@code next} itself when no entry of {@code dnsHijack} applies to TCP. */
    static Tunnel wrap(Tunnel next, DnsService dns, List<String> dnsHijack) {
        HijackTargets targets = HijackTargets.tcp(dnsHijack);
        return targets.isEmpty() ? next : new TcpDnsHijack(next, dns, targets);
    }

    private boolean hijacks(Metadata flow) {
        if (!"tun".equals(flow.inbound()) || !dns.on()) {
            return false;
        }
        Destination d = flow.destination();
        return targets.matches(d.address(), d.port());
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
                        dns.handler().handle(query, false, ctx.executor()).addListener(f -> {
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
    public Future<dev.turnout.host.tunnel.RoutedRequest> routeRequest(Channel inbound, Metadata flow) {
        return next.routeRequest(inbound, flow);
    }

    @Override
    public Future<DatagramSession> routeDatagram(Metadata flow, EventLoop loop, DatagramSession.Receiver toApplication) {
        return next.routeDatagram(flow, loop, toApplication);
    }
}
