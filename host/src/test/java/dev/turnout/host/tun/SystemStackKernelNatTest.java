package dev.turnout.host.tun;

import static dev.turnout.host.tun.TestPackets.ip;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import dev.turnout.host.platform.IpPrefix;
import dev.turnout.host.platform.KernelNat;
import io.netty.channel.DefaultEventLoop;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** What the engine gives the kernel's NAT table ({@link KernelNat}), and when it takes it back. */
class SystemStackKernelNatTest {

    private static final InetAddress A4 = ip("198.18.0.1");
    private static final InetAddress B4 = ip("198.18.0.2");
    private static final InetAddress SERVER = ip("203.0.113.5");
    private static final int P4 = 7777;

    private final DefaultEventLoop loop = new DefaultEventLoop();
    private final List<byte[]> written = new ArrayList<>();
    /** What the table held each time the engine wrote a packet. */
    private final List<Integer> tableAtWrite = new ArrayList<>();
    private final RecordingKernelNat kernel = new RecordingKernelNat();
    private final SystemStack stack = new SystemStack(
            SystemStack.Addressing.of(IpPrefix.parse("198.18.0.1/30"), P4, IpPrefix.parse("2001:db8:ff::1/126"), 7778),
            new SystemStack.Limits(9000, 1000, 1024, 100, 60_000, 4), 0, null, loop,
            (buffer, address, length) -> {
                byte[] copy = new byte[length];
                buffer.get(0, copy);
                written.add(copy);
                tableAtWrite.add(kernel.entries.size());
                return true;
            }, null, HijackTargets.udp(List.of()), "tun");

    SystemStackKernelNatTest() {
        stack.kernelNat(kernel);
    }

    @AfterEach
    void stop() {
        loop.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    }

    private <T> T onLoop(Callable<T> task) throws Exception {
        return TestPackets.onLoop(loop, task);
    }

    private byte[] inject(byte[] packet) throws Exception {
        return TestPackets.inject(loop, stack, written, packet);
    }

    private static String entry(InetAddress src, int sport, InetAddress dst, int dport) {
        return src.getHostAddress() + ":" + sport + ">" + dst.getHostAddress() + ":" + dport;
    }

    @Test
    void aNewIpv4FlowIsInTheKernelsTableBothWaysBeforeItsSynGoesOn() throws Exception {
        byte[] toListener = inject(TestPackets.tcp(A4, 40000, SERVER, 80, IpPacket.SYN, new byte[0]));
        assertNotNull(toListener);
        int natPort = ByteBuffer.wrap(toListener).getShort(20) & 0xFFFF;
        assertEquals(List.of(
                entry(A4, 40000, SERVER, 80) + " => " + entry(B4, natPort, A4, P4),
                entry(A4, P4, B4, natPort) + " => " + entry(SERVER, 80, A4, 40000)), kernel.entries);
        assertEquals(List.of(2), tableAtWrite, "both entries were in place when the SYN was written");
        assertEquals(1, stack.kernelFlows());

        // A retransmitted SYN still comes here (the program leaves SYNs to the engine): same entries, no new ones.
        inject(TestPackets.tcp(A4, 40000, SERVER, 80, IpPacket.SYN, new byte[0]));
        assertEquals(2, kernel.entries.size());
        assertEquals(1, stack.kernelFlows());
    }

    @Test
    void aFlowLeavesTheKernelsTableWhenItsNatEntryIsFreed() throws Exception {
        inject(TestPackets.tcp(A4, 40001, SERVER, 443, IpPacket.SYN, new byte[0]));
        assertEquals(2, kernel.entries.size());
        // Never accepted: the entry expires after 30 s without packets, and both directions leave the table.
        long later = System.nanoTime() / 1_000_000 + 31_000;
        onLoop(() -> {
            stack.expire(later);
            return null;
        });
        assertEquals(List.of(), kernel.entries);
        assertEquals(2, kernel.removals);
    }

    @Test
    void aFlowTheKernelCannotTakeIsRewrittenHereAsBefore() throws Exception {
        kernel.full = true;
        byte[] toListener = inject(TestPackets.tcp(A4, 40002, SERVER, 80, IpPacket.SYN, new byte[0]));
        int natPort = ByteBuffer.wrap(toListener).getShort(20) & 0xFFFF;
        assertEquals(List.of(), kernel.entries);
        assertEquals(0, stack.kernelFlows());
        byte[] ack = inject(TestPackets.tcp(A4, 40002, SERVER, 80, IpPacket.ACK, new byte[10]));
        assertNotNull(ack, "the engine rewrites the flow's packets itself");
        assertEquals(natPort, ByteBuffer.wrap(ack).getShort(20) & 0xFFFF);
    }

    @Test
    void anIpv6FlowGoesToTheKernelsTableBothWaysAndLeavesWithItsNatEntry() throws Exception {
        InetAddress a6 = ip("2001:db8:ff::1");
        InetAddress b6 = ip("2001:db8:ff::2");
        InetAddress server = ip("2001:db8:5::5");
        byte[] toListener = inject(TestPackets.tcp(a6, 40003, server, 80, IpPacket.SYN, new byte[0]));
        assertNotNull(toListener);
        int natPort = ByteBuffer.wrap(toListener).getShort(40) & 0xFFFF;
        assertEquals(List.of(
                entry(a6, 40003, server, 80) + " => " + entry(b6, natPort, a6, 7778),
                entry(a6, 7778, b6, natPort) + " => " + entry(server, 80, a6, 40003)), kernel.entries);
        assertEquals(List.of(2), tableAtWrite, "both entries were in place when the SYN was written");
        assertEquals(1, stack.kernelFlows());
        long later = System.nanoTime() / 1_000_000 + 31_000;
        onLoop(() -> {
            stack.expire(later);
            return null;
        });
        assertEquals(List.of(), kernel.entries);
        assertEquals(2, kernel.removals);
    }

    /** A table in memory: entries as "src:port>dst:port => new", in the order added. */
    private static final class RecordingKernelNat implements KernelNat {
        final List<String> entries = new ArrayList<>();
        /** Entries taken out, one per direction. */
        int removals;
        boolean full;

        @Override
        public boolean add(KernelNat.Tuple from, KernelNat.Tuple to) {
            if (full) {
                return false;
            }
            entries.add(key(from) + " => " + key(to));
            entries.add(key(to.reversed()) + " => " + key(from.reversed()));
            return true;
        }

        @Override
        public void remove(KernelNat.Tuple from, KernelNat.Tuple to) {
            for (KernelNat.Tuple key : List.of(from, to.reversed())) {
                String prefix = key(key) + " => ";
                if (entries.removeIf(e -> e.startsWith(prefix))) {
                    removals++;
                }
            }
        }

        private static String key(KernelNat.Tuple t) {
            return TcpNat.address(t.family(), t.srcHi(), t.srcLo()).getHostAddress() + ":" + t.srcPort() + ">"
                    + TcpNat.address(t.family(), t.dstHi(), t.dstLo()).getHostAddress() + ":" + t.dstPort();
        }
    }
}
