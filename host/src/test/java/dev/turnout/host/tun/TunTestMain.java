package dev.turnout.host.tun;

import dev.turnout.host.platform.IpPrefix;
import dev.turnout.host.platform.Platform;
import dev.turnout.host.platform.RouteCleanup;
import io.netty.channel.IoEventLoopGroup;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * Runs a TUN inbound with {@link DirectTestTunnel} in whatever network namespace it is started in (tests start
 * it with {@code ip netns exec}), driven by lines on stdin: {@code stats}, {@code stop}.
 *
 * <p>Arguments: {@code run <physical-if> <state-file> <tun-name> <inet4> <inet6> [mtu]}, or
 * {@code cleanup <state-file>}.
 */
public final class TunTestMain {

    private TunTestMain() {
    }

    public static void main(String[] args) throws Exception {
        if (args[0].equals("cleanup")) {
            int n = RouteCleanup.cleanup(Path.of(args[1]));
            System.out.println("CLEANED " + n);
            return;
        }
        Platform platform = Platform.current();
        TunOptions options = TunOptions.defaults()
                .withDevice(args[3])
                .withAddresses(IpPrefix.parse(args[4]), IpPrefix.parse(args[5]))
                .withAutoRoute(true, Path.of(args[2]))
                .withInterface(false, args[1])
                .withMtu(args.length > 6 ? Integer.parseInt(args[6]) : 0);
        IoEventLoopGroup workers = platform.newEventLoopGroup(2, "test-workers");
        TunInbound tun = TunInbound.start(options, new DirectTestTunnel(platform, args[1]), platform, workers, null,
                new dev.turnout.host.platform.DescriptorShortage());
        System.out.println("READY " + tun.deviceName());
        System.out.flush();
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        String line;
        while ((line = in.readLine()) != null) {
            if (line.equals("stats")) {
                TunStats s = tun.stats();
                System.out.println("STATS tcpAccepted=" + s.tcpAccepted() + " tcpFlows=" + s.tcpFlows() + " udpFlows="
                        + s.udpFlows() + " packetsIn=" + s.packetsIn() + " packetsOut=" + s.packetsOut()
                        + " drops=" + s.drops());
                System.out.flush();
            } else if (line.equals("stop")) {
                break;
            }
        }
        tun.close();
        workers.shutdownGracefully().awaitUninterruptibly();
        System.out.println("STOPPED");
        System.out.flush();
    }
}
