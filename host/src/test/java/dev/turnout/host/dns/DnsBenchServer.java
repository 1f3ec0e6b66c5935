package dev.turnout.host.dns;

import dev.turnout.host.dial.SocketBinder;
import dev.turnout.host.dial.Transport;
import io.netty.channel.EventLoopGroup;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Benchmark target for {@code bench/dns.sh}: a fake-ip {@link DnsService} on the given loopback port with no
 * upstream, for at most the given number of seconds (or until stdin closes).
 * Usage: {@code DnsBenchServer <port> <maxSeconds> [threads]}.
 */
public final class DnsBenchServer {

    private DnsBenchServer() {
    }

    public static void main(String[] args) throws Exception {
        int port = Integer.parseInt(args[0]);
        long maxSeconds = Long.parseLong(args[1]);
        int threads = args.length > 2 ? Integer.parseInt(args[2]) : 1;
        EventLoopGroup group = Transport.newGroup(threads, "dns-bench");
        DnsOptions o = new DnsOptions(true, new InetSocketAddress(InetAddress.getLoopbackAddress(), port),
                EnhancedMode.FAKE_IP, null, null, List.of(), List.of(), null, null, false, null);
        try (DnsService dns = DnsService.start(o, List.of(Cidr.parse("198.18.0.2/32")), null, group,
                SocketBinder.NONE, UpstreamResolver.Settings.defaults())) {
            System.out.println("ready " + dns.server().udpAddress() + " epoll=" + Transport.isEpoll());
            System.out.flush();
            Thread stdin = new Thread(() -> {
                try {
                    while (System.in.read() >= 0) {
                        // wait for EOF
                    }
                } catch (java.io.IOException ignored) {
                    // treat as EOF
                }
            });
            stdin.setDaemon(true);
            stdin.start();
            stdin.join(TimeUnit.SECONDS.toMillis(maxSeconds));
            System.out.println("answers " + dns.handler().fakeAnswers());
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }
}
