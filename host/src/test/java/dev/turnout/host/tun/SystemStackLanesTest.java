package dev.turnout.host.tun;

import static dev.turnout.host.tun.TestPackets.ip;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.turnout.host.platform.FlowSteering;
import dev.turnout.host.platform.IpPrefix;
import io.netty.channel.DefaultEventLoop;
import io.netty.channel.EventLoop;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The lanes of a multi-queue TUN: a flow belongs to one lane whichever queue its packets are read on, its
 * packets are written by that lane only (so the kernel keeps sending them to that lane's queue), and each lane
 * hands out NAT ports of its own.
 */
class SystemStackLanesTest {

    private static final InetAddress A4 = ip("198.18.0.1");
    private static final InetAddress B4 = ip("198.18.0.2");
    private static final InetAddress APP_SERVER = ip("203.0.113.5");
    private static final int[] LISTENERS = {7001, 7002};
    private static final int SHARE = 500;

    private final DefaultEventLoop[] loops = {new DefaultEventLoop(), new DefaultEventLoop()};
    /** Packets written, by the lane that wrote them. */
    private final List<List<byte[]>> written = List.of(new ArrayList<>(), new ArrayList<>());
    private final SystemStack[] lanes = new SystemStack[2];
    /** The rule a multi-queue device is asked to steer by: the engine must agree with it. */
    private final FlowSteering steering = steering();

    SystemStackLanesTest() {
        FlowOwners owners = new FlowOwners(steering, new EventLoop[] {loops[0], loops[1]});
        for (int i = 0; i < 2; i++) {
            List<byte[]> out = written.get(i);
            lanes[i] = new SystemStack(
                    SystemStack.Addressing.of(IpPrefix.parse("198.18.0.1/30"), LISTENERS[i], null, 0),
                    new SystemStack.Limits(9000, SHARE, 1024 + i * SHARE, 100, 60_000, 4), 0, null, loops[i],
                    (buffer, address, length) -> {
                        byte[] copy = new byte[length];
                        buffer.get(0, copy);
                        synchronized (out) {
                            out.add(copy);
                        }
                        return true;
                    }, null, HijackTargets.udp(List.of()), "tun", owners, i);
            owners.engine(i, lanes[i]);
        }
    }

    private static FlowSteering steering() {
        SystemStack.Addressing ad = SystemStack.Addressing.of(IpPrefix.parse("198.18.0.1/30"), 0, null, 0);
        return new FlowSteering(2, true, ad.a4(), ad.b4(), LISTENERS, false, 0, 0, 0, 0, new int[2]);
    }

    @AfterEach
    void stop() {
        for (DefaultEventLoop l : loops) {
            l.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        }
    }

    /** Reads {@code packet} on lane {@code lane}; returns which lane wrote what came out, and the packet. */
    private Map.Entry<Integer, byte[]> read(int lane, byte[] packet) throws Exception {
        for (List<byte[]> w : written) {
            synchronized (w) {
                w.clear();
            }
        }
        loops[lane].submit(() -> TestPackets.feed(lanes[lane], packet)).get(10, TimeUnit.SECONDS);
        // A hand-off is queued on the owner's loop before process returns: a task after it sees it done.
        for (DefaultEventLoop l : loops) {
            l.submit(() -> { }).get(10, TimeUnit.SECONDS);
        }
        Map.Entry<Integer, byte[]> out = null;
        for (int i = 0; i < 2; i++) {
            synchronized (written.get(i)) {
                for (byte[] p : written.get(i)) {
                    assertEquals(null, out, "one packet in, one out");
                    out = Map.entry(i, p);
                }
            }
        }
        assertTrue(out != null, "the packet was written back by some lane");
        return out;
    }

    @Test
    void eachFlowIsWrittenByOneLaneWhicheverQueueItsPacketsArriveOn() throws Exception {
        Map<Integer, Integer> ownerByPort = new HashMap<>();
        int[] owned = new int[2];
        for (int sport = 40000; sport < 40032; sport++) {
            int arrival = sport & 1;
            byte[] syn = TestPackets.tcp(A4, sport, APP_SERVER, 80, IpPacket.SYN, new byte[0]);
            Map.Entry<Integer, byte[]> toListener = read(arrival, syn);
            int owner = toListener.getKey();
            assertEquals(steering.laneOf(ByteBuffer.wrap(syn)), owner, "the lane the device is asked to steer it to");
            owned[owner]++;
            ownerByPort.put(sport, owner);
            int natPort = TestPackets.u16(toListener.getValue(), 20);
            assertEquals(LISTENERS[owner], TestPackets.u16(toListener.getValue(), 22), "to the owner's listener");
            assertTrue(natPort >= 1024 + owner * SHARE && natPort < 1024 + (owner + 1) * SHARE,
                    "NAT port " + natPort + " from lane " + owner + "'s range");
            assertTrue(TestPackets.checksumsValid(toListener.getValue()));

            // The listener's reply, read on the other queue (the kernel forgot the flow), still maps back.
            byte[] reply = TestPackets.tcp(A4, LISTENERS[owner], B4, natPort, IpPacket.SYN | IpPacket.ACK, new byte[0]);
            assertEquals(owner, steering.laneOf(ByteBuffer.wrap(reply)), "the device steers the reply to the owner");
            Map.Entry<Integer, byte[]> toApp = read(1 - owner, reply);
            assertEquals(owner, toApp.getKey(), "written by the owner");
            assertEquals(80, TestPackets.u16(toApp.getValue(), 20));
            assertEquals(sport, TestPackets.u16(toApp.getValue(), 22));
            assertTrue(TestPackets.checksumsValid(toApp.getValue()));

            // The application's next segment on either queue finds the same NAT entry.
            for (int q = 0; q < 2; q++) {
                Map.Entry<Integer, byte[]> ack = read(q,
                        TestPackets.tcp(A4, sport, APP_SERVER, 80, IpPacket.ACK, new byte[3]));
                assertEquals(owner, ack.getKey());
                assertEquals(natPort, TestPackets.u16(ack.getValue(), 20), "the same NAT port");
            }
        }
        assertNotEquals(0, owned[0], "lane 0 owns some of 32 flows: " + ownerByPort);
        assertNotEquals(0, owned[1], "lane 1 owns some of 32 flows: " + ownerByPort);
        long counted = lanes[0].stats().packetsIn() + lanes[1].stats().packetsIn();
        assertEquals(32 * 4, counted, "a handed-off packet is counted once, by its owner");
    }
}
