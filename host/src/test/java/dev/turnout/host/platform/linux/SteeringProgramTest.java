package dev.turnout.host.platform.linux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.turnout.api.testing.Required;
import dev.turnout.host.platform.FlowSteering;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The eBPF queue selector the kernel runs for a multi-queue TUN gives, for every packet, the lane that Turnout's
 * packet engine would hand the packet to ({@link FlowSteering#laneOf}, 0 where no lane owns it). The program is
 * loaded into this machine's kernel and run there on each packet ({@code BPF_PROG_TEST_RUN}), so the verifier
 * and the kernel's own loads are what is checked, against the Java rule.
 */
class SteeringProgramTest {

    private static final int A4 = 0xC6120001; // 198.18.0.1
    private static final int B4 = 0xC6120002;
    private static final long A6_HI = 0xFDFE_DCBA_9876_0000L; // fdfe:dcba:9876::1 and ::2
    private static final long A6_LO = 1;
    private static final long B6_LO = 2;

    @Test
    void theKernelSendsEachPacketToTheLaneThatOwnsIt() throws IOException {
        requireBpf();
        long seed = System.nanoTime();
        System.out.println("SteeringProgramTest seed " + seed);
        Random random = new Random(seed);
        for (int lanes : new int[] {2, 3, 7}) {
            int[] ports4 = new int[lanes];
            int[] ports6 = new int[lanes];
            for (int i = 0; i < lanes; i++) {
                ports4[i] = 20000 + i;
                ports6[i] = 30000 + i;
            }
            FlowSteering steering = new FlowSteering(lanes, true, A4, B4, ports4, true, A6_HI, A6_LO, A6_HI, B6_LO,
                    ports6);
            int[] seen = checkAll(steering, packets(random, steering, 600), seed);
            for (int lane = 0; lane < lanes; lane++) {
                assertTrue(seen[lane] > 600 / lanes / 3, "lane " + lane + " got " + seen[lane] + " of the hashed flows");
            }
        }
    }

    @Test
    void aFamilyTheTunHasNoAddressForGoesToTheFirstQueue() throws IOException {
        requireBpf();
        Random random = new Random(7);
        FlowSteering v4Only = new FlowSteering(2, true, A4, B4, new int[] {20000, 20001}, false, 0, 0, 0, 0,
                new int[2]);
        FlowSteering v6Only = new FlowSteering(2, false, 0, 0, new int[2], true, A6_HI, A6_LO, A6_HI, B6_LO,
                new int[] {30000, 30001});
        for (FlowSteering s : List.of(v4Only, v6Only)) {
            List<byte[]> packets = packets(random, s, 200);
            checkAll(s, packets, 7);
            for (byte[] p : packets) {
                if ((p[0] >>> 4 & 0xF) == (s.has4() ? 6 : 4)) {
                    assertEquals(FlowSteering.ANY, s.laneOf(ByteBuffer.wrap(p)));
                }
            }
        }
    }

    @Test
    void onlyTheListenersThatExistAreJumpedTo() throws IOException {
        requireBpf();
        // One lane with no IPv6 listener: the verifier refuses a program with code no path reaches.
        FlowSteering steering = new FlowSteering(3, true, A4, B4, new int[] {20000, 0, 20002}, true, A6_HI, A6_LO,
                A6_HI, B6_LO, new int[3]);
        checkAll(steering, packets(new Random(11), steering, 300), 11);
    }

    /** Runs the program on each packet; returns how many of the hashed ones went to each lane. */
    private static int[] checkAll(FlowSteering steering, List<byte[]> packets, long seed) throws IOException {
        int fd = Bpf.load(Bpf.BPF_PROG_TYPE_SOCKET_FILTER, SteeringProgram.of(steering), "Proprietary");
        int[] seen = new int[steering.lanes()];
        try {
            for (byte[] p : packets) {
                int want = Math.max(0, steering.laneOf(ByteBuffer.wrap(p)));
                int got = Bpf.testRun(fd, ethernet(p));
                assertEquals(want, got, () -> "seed " + seed + ", lanes " + steering.lanes() + ", packet " + hex(p));
                seen[got]++;
            }
        } finally {
            LibC.close(fd);
        }
        return seen;
    }

    /**
     * Random TCP and UDP packets of both families, and the cases the rule singles out: each listener's packets to
     * the NAT peer, a listener port from the wrong address or over UDP, IPv4 options, fragments, ICMP, IPv6 with an
     * extension header first.
     */
    private static List<byte[]> packets(Random r, FlowSteering s, int n) {
        List<byte[]> out = new ArrayList<>();
        int[] p4 = s.listenPorts4();
        int[] p6 = s.listenPorts6();
        for (int i = 0; i < n; i++) {
            int proto = r.nextBoolean() ? 6 : 17;
            out.add(v4(proto, r.nextInt(), r.nextInt(), r.nextInt(65536), r.nextInt(65536), 0, 0));
            out.add(v6(proto, r.nextLong(), r.nextLong(), r.nextLong(), r.nextLong(), r.nextInt(65536), r.nextInt(65536)));
        }
        for (int lane = 0; lane < s.lanes(); lane++) {
            out.add(v4(6, A4, B4, p4[lane], 1024 + lane, 0, 0));
            out.add(v4(17, A4, B4, p4[lane], 1024 + lane, 0, 0));
            out.add(v4(6, A4, B4 + 1, p4[lane], 1024 + lane, 0, 0));
            out.add(v6(6, A6_HI, A6_LO, A6_HI, B6_LO, p6[lane], 2048 + lane));
            out.add(v6(17, A6_HI, A6_LO, A6_HI, B6_LO, p6[lane], 2048 + lane));
            out.add(v6(6, A6_HI, A6_LO, A6_HI, B6_LO + 1, p6[lane], 2048 + lane));
        }
        for (int i = 0; i < 20; i++) {
            out.add(v4(6, r.nextInt(), r.nextInt(), r.nextInt(65536), r.nextInt(65536), 2, 0));
            out.add(v4(17, r.nextInt(), r.nextInt(), r.nextInt(65536), r.nextInt(65536), 0, 0x2000)); // first fragment
            out.add(v4(17, r.nextInt(), r.nextInt(), r.nextInt(65536), r.nextInt(65536), 0, 0x00B9)); // a later one
            out.add(v4(1, r.nextInt(), r.nextInt(), 0x0800, r.nextInt(65536), 0, 0));
            out.add(v6(58, r.nextLong(), r.nextLong(), r.nextLong(), r.nextLong(), 0x8000, r.nextInt(65536)));
            out.add(v6(0, r.nextLong(), r.nextLong(), r.nextLong(), r.nextLong(), r.nextInt(65536), r.nextInt(65536)));
        }
        return out;
    }

    /** An IPv4 packet with {@code optionWords} words of options and 8 bytes after the header (ports first). */
    private static byte[] v4(int proto, int src, int dst, int sport, int dport, int optionWords, int fragment) {
        int header = 20 + 4 * optionWords;
        ByteBuffer b = ByteBuffer.allocate(header + 20);
        b.put(0, (byte) (0x40 | header / 4));
        b.putShort(2, (short) b.capacity());
        b.putShort(6, (short) fragment);
        b.put(8, (byte) 64);
        b.put(9, (byte) proto);
        b.putInt(12, src);
        b.putInt(16, dst);
        b.putShort(header, (short) sport);
        b.putShort(header + 2, (short) dport);
        return b.array();
    }

    private static byte[] v6(int next, long sHi, long sLo, long dHi, long dLo, int sport, int dport) {
        ByteBuffer b = ByteBuffer.allocate(40 + 20);
        b.putInt(0, 0x6000_0000);
        b.putShort(4, (short) 20);
        b.put(6, (byte) next);
        b.put(7, (byte) 64);
        b.putLong(8, sHi);
        b.putLong(16, sLo);
        b.putLong(24, dHi);
        b.putLong(32, dLo);
        b.putShort(40, (short) sport);
        b.putShort(42, (short) dport);
        return b.array();
    }

    /** The frame BPF_PROG_TEST_RUN takes for a socket filter: an Ethernet header, which it strips before the run. */
    private static byte[] ethernet(byte[] packet) {
        byte[] frame = new byte[14 + packet.length];
        int type = (packet[0] >>> 4 & 0xF) == 6 ? 0x86DD : 0x0800;
        frame[12] = (byte) (type >> 8);
        frame[13] = (byte) type;
        System.arraycopy(packet, 0, frame, 14, packet.length);
        return frame;
    }

    private static String hex(byte[] p) {
        StringBuilder sb = new StringBuilder();
        for (byte x : p) {
            sb.append(String.format("%02x", x));
        }
        return sb.toString();
    }

    private static void requireBpf() {
        Required.that("root".equals(System.getProperty("user.name")), () -> "loading an eBPF program needs root");
        Required.that(Bpf.syscallNumber() >= 0, () -> "bpf(2)'s number on " + System.getProperty("os.arch"));
    }
}
