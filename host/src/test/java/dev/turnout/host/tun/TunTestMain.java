package dev.turnout.host.tun;

import dev.turnout.host.platform.IpPrefix;
import dev.turnout.host.platform.Platform;
import dev.turnout.host.platform.RouteCleanup;
import dev.turnout.host.platform.RouteRemoval;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;

/**
 * Runs a TUN inbound with {@link DirectTestTunnel} in whatever network namespace it is started in (tests start
 * it with {@code ip netns exec}), driven by lines on stdin: {@code stats}, {@code stop}, {@code stop-while-busy} (a
 * stop while the first lane is at work, which then reads its queue and says what it got).
 *
 * <p>Arguments: {@code run <physical-if> <state-file> <tun-name> <inet4> <inet6> [mtu]}, or
 * {@code cleanup <state-file>}.
 */
public final class TunTestMain {

    private TunTestMain() {
    }

    public static void main(String[] args) throws Exception {
        if (args[0].equals("cleanup")) {
            RouteRemoval r = RouteCleanup.cleanup(Path.of(args[1])).orElse(new RouteRemoval(List.of(), List.of()));
            System.out.println("CLEANED removed=" + r.removed().size() + " gone=" + r.alreadyGone().size());
            return;
        }
        Platform platform = Platform.current();
        TunOptions options = TunOptions.defaults()
                .withDevice(args[3])
                .withAddresses(IpPrefix.parse(args[4]), IpPrefix.parse(args[5]))
                .withAutoRoute(true, Path.of(args[2]))
                .withInterface(false, args[1])
                .withMtu(args.length > 6 ? Integer.parseInt(args[6]) : 0);
        if (args.length > 7) {
            options = withGso(options, Boolean.parseBoolean(args[7]));
        }
        TunInbound tun = TunInbound.start(options, new DirectTestTunnel(platform, args[1]), platform, null,
                new dev.turnout.host.platform.DescriptorShortage());
        System.out.println("READY " + tun.deviceName() + " gso=" + options.gso());
        System.out.flush();
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        String line;
        while ((line = in.readLine()) != null) {
            if (line.equals("stats")) {
                TunStats s = tun.stats();
                System.out.println("STATS tcpAccepted=" + s.tcpAccepted() + " tcpFlows=" + s.tcpFlows() + " udpFlows="
                        + s.udpFlows() + " packetsIn=" + s.packetsIn() + " packetsOut=" + s.packetsOut()
                        + " writesOut=" + s.writesOut()
                        + " drops=" + s.drops() + " lanes=" + tun.laneCount() + " handedOff=" + tun.handedOff()
                        + " kernelFlows=" + tun.kernelFlows());
                System.out.flush();
            } else if (line.equals("stop")) {
                break;
            } else if (line.equals("stop-while-busy")) {
                // The first lane is busy while the stop begins, then has one more piece of work queued behind the
                // stop's own task on that lane (as a UDP answer arriving then would be), which reads the queue.
                java.util.concurrent.CountDownLatch working = new java.util.concurrent.CountDownLatch(1);
                tun.onLane(0, first -> {
                    working.countDown();
                    pause(1000);
                    tun.onLane(0, queue -> {
                        pause(500);
                        java.nio.ByteBuffer packet = java.nio.ByteBuffer.allocateDirect(65_536 + 10);
                        try {
                            int n = queue.read(io.netty.util.internal.PlatformDependent.directBufferAddress(packet),
                                    packet.capacity());
                            System.out.println("LANE-READ " + n);
                        } catch (Exception e) {
                            System.out.println("LANE-READ failed: " + e);
                        }
                        System.out.flush();
                    });
                });
                working.await();
                break;
            }
        }
        tun.close();
        System.out.println("STOPPED");
        System.out.flush();
    }

    private static void pause(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** {@code o} with checksum and segmentation offload on or off (the config's {@code gso}). */
    private static TunOptions withGso(TunOptions o, boolean gso) {
        return new TunOptions(o.enable(), o.stack(), o.device(), o.mtu(), o.inet4Address(), o.inet6Address(),
                o.autoRoute(), o.autoDetectInterface(), o.dnsHijack(), o.interfaceName(), o.stateFile(),
                o.udpTimeoutSeconds(), o.maxTcpFlows(), o.maxUdpFlows(), gso, o.strictRoute());
    }
}
