package dev.turnout.host.platform.linux;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.turnout.api.testing.Required;
import dev.turnout.host.platform.KernelNat;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.util.Arrays;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@link NatProgram} run by the kernel on single packets ({@code BPF_PROG_TEST_RUN}): what it sends back in,
 * rewritten with valid checksums, and what it leaves to the engine. The kernel runs a traffic-control program on an
 * Ethernet frame here, so the program is built for 14 bytes of link header; on the TUN it has none.
 */
class NatProgramTest {

    private static final int TC_ACT_OK = 0;
    private static final int TC_ACT_REDIRECT = 7;
    private static final int ETHERNET = 14;

    private int map4 = -1;
    private int map6 = -1;
    private int program = -1;

    @BeforeEach
    void load() throws Exception {
        Required.that("root".equals(System.getProperty("user.name")), () -> "loading an eBPF program needs root");
        Required.that(Bpf.syscallNumber() >= 0, () -> "bpf(2)'s number on " + System.getProperty("os.arch"));
        map4 = Bpf.createMap(Bpf.BPF_MAP_TYPE_HASH, NatProgram.ENTRY_SIZE, NatProgram.ENTRY_SIZE, 16,
                Bpf.BPF_F_NO_PREALLOC);
        map6 = Bpf.createMap(Bpf.BPF_MAP_TYPE_HASH, NatProgram.ENTRY_SIZE6, NatProgram.ENTRY_SIZE6, 16,
                Bpf.BPF_F_NO_PREALLOC);
        program = Bpf.load(Bpf.BPF_PROG_TYPE_SCHED_CLS, NatProgram.of(map4, map6, ETHERNET), "Proprietary", "turnout_nat");
    }

    @AfterEach
    void close() {
        for (int fd : new int[] {program, map4, map6}) {
            if (fd >= 0) {
                LibC.close(fd);
            }
        }
    }

    @Test
    void anIpv4SegmentInTheTableComesBackRewrittenWithValidChecksums() throws Exception {
        byte[] src = ip("198.18.0.1");
        byte[] dst = ip("203.0.113.5");
        byte[] newSrc = ip("198.18.0.2");
        byte[] newDst = ip("198.18.0.1");
        MapNat table = new MapNat(map4, map6);
        assertEquals(true, table.add(tuple(src, 40000, dst, 80), tuple(newSrc, 1025, newDst, 7777)));

        byte[] packet = tcp4(src, dst, 40000, 80, 0x10, "hello".getBytes());
        byte[] out = new byte[ETHERNET + packet.length];
        assertEquals(TC_ACT_REDIRECT, Bpf.testRun(program, ethernet(0x0800, packet), out));
        byte[] got = Arrays.copyOfRange(out, ETHERNET, out.length);
        assertArrayEquals(newSrc, Arrays.copyOfRange(got, 12, 16));
        assertArrayEquals(newDst, Arrays.copyOfRange(got, 16, 20));
        assertEquals(1025, u16(got, 20));
        assertEquals(7777, u16(got, 22));
        assertArrayEquals(tcp4(newSrc, newDst, 1025, 7777, 0x10, "hello".getBytes()), got,
                "the same packet the engine would have written, checksums included");

        byte[] other = tcp4(src, dst, 40001, 80, 0x10, new byte[0]);
        assertEquals(TC_ACT_OK, Bpf.testRun(program, ethernet(0x0800, other)), "not in the table: to the engine");
        byte[] syn = tcp4(src, dst, 40000, 80, 0x02, new byte[0]);
        assertEquals(TC_ACT_OK, Bpf.testRun(program, ethernet(0x0800, syn)), "an opening SYN: to the engine");

        byte[] reply = tcp4(newDst, newSrc, 7777, 1025, 0x18, "hi".getBytes());
        assertRewritten(0x0800, reply, tcp4(dst, src, 80, 40000, 0x18, "hi".getBytes()), "the reply direction");

        table.remove(tuple(src, 40000, dst, 80), tuple(newSrc, 1025, newDst, 7777));
        assertEquals(TC_ACT_OK, Bpf.testRun(program, ethernet(0x0800, packet)), "removed: to the engine");
        assertEquals(TC_ACT_OK, Bpf.testRun(program, ethernet(0x0800, reply)), "both directions removed");
    }

    @Test
    void aFlowTheFullTableTakesOnlyHalfOfIsLeftOutWhole() throws Exception {
        LibC.close(map4);
        map4 = Bpf.createMap(Bpf.BPF_MAP_TYPE_HASH, NatProgram.ENTRY_SIZE, NatProgram.ENTRY_SIZE, 3,
                Bpf.BPF_F_NO_PREALLOC);
        LibC.close(program);
        program = Bpf.load(Bpf.BPF_PROG_TYPE_SCHED_CLS, NatProgram.of(map4, map6, ETHERNET), "Proprietary", "turnout_nat");
        byte[] app = ip("198.18.0.1");
        byte[] listener = ip("198.18.0.2");
        MapNat table = new MapNat(map4, map6);
        assertEquals(true, table.add(tuple(app, 40000, ip("203.0.113.5"), 80), tuple(listener, 1025, app, 7777)));
        assertEquals(false, table.add(tuple(app, 40001, ip("203.0.113.6"), 80), tuple(listener, 1026, app, 7777)),
                "room for one more entry of the two");

        byte[] first = tcp4(app, ip("203.0.113.5"), 40000, 80, 0x10, new byte[0]);
        assertEquals(TC_ACT_REDIRECT, Bpf.testRun(program, ethernet(0x0800, first)));
        byte[] second = tcp4(app, ip("203.0.113.6"), 40001, 80, 0x10, new byte[0]);
        assertEquals(TC_ACT_OK, Bpf.testRun(program, ethernet(0x0800, second)),
                "the half that went in was taken out again: the engine has the whole flow");
        table.remove(tuple(app, 40000, ip("203.0.113.5"), 80), tuple(listener, 1025, app, 7777));
        assertEquals(true, table.add(tuple(app, 40001, ip("203.0.113.6"), 80), tuple(listener, 1026, app, 7777)),
                "room again once the first flow left");
    }

    @Test
    void anIpv6SegmentInTheTableComesBackRewrittenWithAValidChecksum() throws Exception {
        byte[] src = ip("2001:db8:ff::1");
        byte[] dst = ip("2001:db8:5::5");
        byte[] newSrc = ip("2001:db8:ff::2");
        byte[] newDst = ip("2001:db8:ff::1");
        MapNat table = new MapNat(map4, map6);
        assertEquals(true, table.add(tuple(src, 40000, dst, 80), tuple(newSrc, 1025, newDst, 7778)));

        byte[] packet = tcp6(src, dst, 40000, 80, 0x18, "hello over six".getBytes());
        assertRewritten(0x86DD, packet, tcp6(newSrc, newDst, 1025, 7778, 0x18, "hello over six".getBytes()),
                "the same packet the engine would have written, checksum included");

        byte[] syn = tcp6(src, dst, 40000, 80, 0x02, new byte[0]);
        assertEquals(TC_ACT_OK, Bpf.testRun(program, ethernet(0x86DD, syn)), "an opening SYN: to the engine");

        // A burst over 64 KiB (GSO at MTU 65535) has the jumbo Hop-by-Hop header before TCP: rewritten all the same.
        assertRewritten(0x86DD, jumbo(tcp6(src, dst, 40000, 80, 0x10, "a jumbo".getBytes())),
                jumbo(tcp6(newSrc, newDst, 1025, 7778, 0x10, "a jumbo".getBytes())), "a jumbo burst");

        byte[] reply = tcp6(newDst, newSrc, 7778, 1025, 0x18, "hi".getBytes());
        assertRewritten(0x86DD, reply, tcp6(dst, src, 80, 40000, 0x18, "hi".getBytes()), "the reply direction");
        table.remove(tuple(src, 40000, dst, 80), tuple(newSrc, 1025, newDst, 7778));
        assertEquals(TC_ACT_OK, Bpf.testRun(program, ethernet(0x86DD, packet)), "removed: to the engine");
        assertEquals(TC_ACT_OK, Bpf.testRun(program, ethernet(0x86DD, reply)), "both directions removed");
    }

    /** The program sends {@code packet} back in, rewritten to {@code expected}. */
    private void assertRewritten(int etherType, byte[] packet, byte[] expected, String what) throws Exception {
        byte[] out = new byte[ETHERNET + packet.length];
        assertEquals(TC_ACT_REDIRECT, Bpf.testRun(program, ethernet(etherType, packet), out), what);
        assertArrayEquals(expected, Arrays.copyOfRange(out, ETHERNET, out.length), what);
    }

    /**
     * {@code packet} (IPv6, TCP right after the header) with the 8-byte Hop-by-Hop header Linux puts before TCP in a
     * burst over 65,535 bytes: payload length 0, the jumbo payload option holding the length instead. The checksum
     * stays valid: the pseudo-header counts TCP's length either way.
     */
    private static byte[] jumbo(byte[] packet) {
        int tcpLength = packet.length - 40;
        ByteBuffer b = ByteBuffer.allocate(packet.length + 8);
        b.put(packet, 0, 40);
        b.putShort(4, (short) 0);
        b.put(6, (byte) 0);
        b.put((byte) 6).put((byte) 0).put((byte) 0xC2).put((byte) 4).putInt(8 + tcpLength);
        b.put(packet, 40, tcpLength);
        return b.array();
    }

    private static byte[] ip(String literal) throws Exception {
        return InetAddress.getByName(literal).getAddress();
    }

    /** The tuple of a segment between two addresses of one IP version, given as in a packet. */
    private static KernelNat.Tuple tuple(byte[] src, int sport, byte[] dst, int dport) {
        ByteBuffer s = ByteBuffer.wrap(src);
        ByteBuffer d = ByteBuffer.wrap(dst);
        return src.length == 4
                ? new KernelNat.Tuple(4, 0, s.getInt() & 0xFFFFFFFFL, sport, 0, d.getInt() & 0xFFFFFFFFL, dport)
                : new KernelNat.Tuple(6, s.getLong(0), s.getLong(8), sport, d.getLong(0), d.getLong(8), dport);
    }

    private static int u16(byte[] p, int off) {
        return ByteBuffer.wrap(p).getShort(off) & 0xFFFF;
    }

    private static byte[] ethernet(int type, byte[] packet) {
        ByteBuffer b = ByteBuffer.allocate(ETHERNET + packet.length);
        b.position(12);
        b.putShort((short) type);
        b.put(packet);
        return b.array();
    }

    private static byte[] tcpHeader(int sport, int dport, int flags, byte[] payload) {
        ByteBuffer t = ByteBuffer.allocate(20 + payload.length);
        t.putShort((short) sport).putShort((short) dport).putInt(1000).putInt(2000);
        t.put((byte) 0x50).put((byte) flags).putShort((short) 65535).putShort((short) 0).putShort((short) 0);
        t.put(payload);
        return t.array();
    }

    private static byte[] tcp4(byte[] src, byte[] dst, int sport, int dport, int flags, byte[] payload) {
        byte[] l4 = tcpHeader(sport, dport, flags, payload);
        ByteBuffer p = ByteBuffer.allocate(20 + l4.length);
        p.put((byte) 0x45).put((byte) 0).putShort((short) (20 + l4.length)).putInt(0x00004000);
        p.put((byte) 64).put((byte) 6).putShort((short) 0).put(src).put(dst).put(l4);
        byte[] b = p.array();
        putChecksum(b, 10, sum(b, 0, 20, 0));
        long pseudo = sum(src, 0, 4, 0) + sum(dst, 0, 4, 0) + 6 + l4.length;
        putChecksum(b, 20 + 16, sum(b, 20, l4.length, pseudo));
        return b;
    }

    private static byte[] tcp6(byte[] src, byte[] dst, int sport, int dport, int flags, byte[] payload) {
        byte[] l4 = tcpHeader(sport, dport, flags, payload);
        ByteBuffer p = ByteBuffer.allocate(40 + l4.length);
        p.putInt(0x60000000).putShort((short) l4.length).put((byte) 6).put((byte) 64).put(src).put(dst).put(l4);
        byte[] b = p.array();
        long pseudo = sum(src, 0, 16, 0) + sum(dst, 0, 16, 0) + 6 + l4.length;
        putChecksum(b, 40 + 16, sum(b, 40, l4.length, pseudo));
        return b;
    }

    /** The ones' complement sum of {@code len} bytes at {@code off} plus {@code initial}, not yet folded. */
    private static long sum(byte[] p, int off, int len, long initial) {
        long s = initial;
        for (int i = 0; i < len; i += 2) {
            s += ((p[off + i] & 0xFF) << 8) | (i + 1 < len ? p[off + i + 1] & 0xFF : 0);
        }
        return s;
    }

    private static void putChecksum(byte[] p, int at, long sum) {
        while ((sum >>> 16) != 0) {
            sum = (sum & 0xFFFF) + (sum >>> 16);
        }
        int c = (int) (~sum & 0xFFFF);
        p[at] = (byte) (c >>> 8);
        p[at + 1] = (byte) c;
    }
}
