package dev.turnout.host.tun;

import static dev.turnout.host.tun.TestPackets.ip;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.util.List;
import org.junit.jupiter.api.Test;

class FragmentReassemblyTest {

    private static final InetAddress A4 = ip("198.18.0.1");
    private static final InetAddress S4 = ip("203.0.113.7");
    private static final InetAddress A6 = ip("2001:db8:ff::1");
    private static final InetAddress S6 = ip("2001:db8::10");

    private final FragmentReassembly reassembly = new FragmentReassembly();
    private final ByteBuffer buf = ByteBuffer.allocateDirect(FragmentReassembly.MAX_PACKET);

    private static byte[] payload(int n) {
        byte[] p = new byte[n];
        for (int i = 0; i < n; i++) {
            p[i] = (byte) (i * 7 + 3);
        }
        return p;
    }

    /** Offers one fragment as the engine would, after IpPacket's parse; returns offer's answer. */
    private int offer(byte[] fragment, long now) {
        buf.clear();
        buf.put(0, fragment);
        IpPacket packet = new IpPacket(buf);
        assertEquals(DropReason.FRAGMENT, packet.parse(fragment.length));
        return reassembly.offer(buf, fragment.length, packet.fragmentHeaderAt(), now);
    }

    private byte[] whole(int length) {
        byte[] out = new byte[length];
        buf.get(0, out);
        return out;
    }

    @Test
    void anIpv4DatagramComingInFragmentsOutOfOrderIsPutBackAsItWasSent() {
        byte[] sent = TestPackets.udp(A4, 5000, S4, 7, payload(3000));
        List<byte[]> f = TestPackets.fragments(sent, 1480, 7); // the id TestPackets.ip gives the whole
        assertEquals(3, f.size());
        assertEquals(0, offer(f.get(2), 0), "the last first: kept");
        assertEquals(0, offer(f.get(0), 1));
        int length = offer(f.get(1), 2);
        assertEquals(sent.length, length);
        assertArrayEquals(sent, whole(length), "same bytes, header checksum recomputed");
        assertEquals(0, reassembly.waiting());
        assertEquals(1, reassembly.reassembled());
    }

    @Test
    void anIpv6DatagramLosesItsFragmentHeaderAndGetsItsWholeLength() {
        byte[] sent = TestPackets.udp(A6, 5000, S6, 7, payload(3000));
        List<byte[]> f = TestPackets.fragments(sent, 1232, 0x01020304); // the kernel's cut to a 1280-byte path
        assertEquals(0, offer(f.get(0), 0));
        assertEquals(0, offer(f.get(1), 0));
        int length = offer(f.get(2), 0);
        assertArrayEquals(sent, whole(length));
    }

    @Test
    void anIpv6AtomicFragmentIsTakenAtOnce() {
        byte[] sent = TestPackets.udp(A6, 5000, S6, 7, payload(100));
        byte[] atomic = TestPackets.fragments(sent, 1232, 9).get(0);
        assertArrayEquals(sent, whole(offer(atomic, 0)));
    }

    @Test
    void anOverlappingFragmentDropsItsWholeDatagramAndADuplicateIsIgnored() {
        byte[] sent = TestPackets.udp(A4, 5000, S4, 7, payload(3000));
        List<byte[]> f = TestPackets.fragments(sent, 1480, 7);
        assertEquals(0, offer(f.get(0), 0));
        assertEquals(-1, offer(f.get(0), 0), "an exact duplicate");
        assertEquals(0, offer(f.get(1), 0), "the duplicate left the datagram as it was");
        assertArrayEquals(sent, whole(offer(f.get(2), 0)));

        List<byte[]> g = TestPackets.fragments(TestPackets.udp(A4, 5001, S4, 7, payload(3000)), 1480, 8);
        List<byte[]> shifted = TestPackets.fragments(TestPackets.udp(A4, 5001, S4, 7, payload(3000)), 1472, 8);
        assertEquals(0, offer(g.get(0), 0));
        assertEquals(-1, offer(shifted.get(1), 0), "starts at 1472, inside the first fragment's 1480 bytes");
        assertEquals(0, reassembly.waiting(), "the datagram went with it");
        assertEquals(0, offer(g.get(1), 0), "what comes after starts afresh and never completes");
        assertEquals(0, offer(g.get(2), 0));
        assertEquals(1, reassembly.waiting());
    }

    @Test
    void fragmentsOfOtherProtocolsAndOfDatagramsPastTheLargestPacketAreDropped() {
        byte[] tcp = TestPackets.tcp(A4, 5000, S4, 80, IpPacket.ACK, payload(3000));
        assertEquals(-1, offer(TestPackets.fragments(tcp, 1480, 7).get(0), 0));

        byte[] last = TestPackets.fragments(TestPackets.udp(A4, 5000, S4, 7, payload(3000)), 1480, 7).get(2);
        ByteBuffer l = ByteBuffer.wrap(last);
        l.putShort(6, (short) (65528 / 8)).putShort(10, (short) 0); // data from 65,528: past 65,535 whole
        l.putShort(10, (short) TestPackets.naiveChecksum(last, 0, 20, 0));
        assertEquals(-1, offer(last, 0));
        assertEquals(0, reassembly.waiting());
        assertEquals(2, reassembly.fragmentsDropped());
    }

    @Test
    void atMostSixtyFourDatagramsWaitAndEachNoLongerThanThirtySeconds() {
        for (int id = 0; id < FragmentReassembly.MAX_DATAGRAMS + 1; id++) {
            byte[] first = TestPackets.fragments(TestPackets.udp(A4, 5000, S4, 7, payload(3000)), 1480, id).get(0);
            assertEquals(0, offer(first, id));
        }
        assertEquals(FragmentReassembly.MAX_DATAGRAMS, reassembly.waiting());
        assertEquals(1, reassembly.fragmentsDropped(), "the oldest made way");

        byte[] late = TestPackets.fragments(TestPackets.udp(A4, 5001, S4, 7, payload(3000)), 1480, 1000).get(0);
        assertEquals(0, offer(late, FragmentReassembly.TIMEOUT_MILLIS + 100));
        assertEquals(1, reassembly.waiting(), "the others' time ran out");
        assertEquals(1 + FragmentReassembly.MAX_DATAGRAMS, reassembly.fragmentsDropped());
    }
}
