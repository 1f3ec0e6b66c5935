package dev.turnout.host.tun;

import static dev.turnout.host.tun.TestPackets.ip;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.jna.Pointer;
import dev.turnout.api.DatagramSession;
import dev.turnout.api.Destination;
import dev.turnout.api.Metadata;
import dev.turnout.host.platform.IpPrefix;
import dev.turnout.host.tunnel.StreamReadiness;
import dev.turnout.host.tunnel.Tunnel;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.DefaultEventLoop;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.Future;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class SystemStackTest {

    private static final InetAddress A4 = ip("198.18.0.1");
    private static final InetAddress B4 = ip("198.18.0.2");
    private static final InetAddress A6 = ip("2001:db8:ff::1");
    private static final InetAddress B6 = ip("2001:db8:ff::2");
    private static final int P4 = 7777;
    private static final int P6 = 7778;

    private final DefaultEventLoop loop = new DefaultEventLoop();
    private final List<byte[]> written = new ArrayList<>();
    private final RecordingTunnel tunnel = new RecordingTunnel();
    private boolean failUdp;
    private final SystemStack stack = new SystemStack(
            SystemStack.Addressing.of(IpPrefix.parse("198.18.0.1/30"), P4, IpPrefix.parse("2001:db8:ff::1/126"), P6),
            new SystemStack.Limits(9000, 1000, 1024, 100, 60_000, 4), 0, tunnel, loop,
            (buffer, address, length) -> {
                byte[] copy = new byte[length];
                buffer.get(0, copy);
                written.add(copy);
                return true;
            }, null, HijackTargets.udp(List.of()), "tun");

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

    @Test
    void rewritesAnIpv4ConnectionToTheListenerAndItsRepliesBack() throws Exception {
        InetAddress server = ip("203.0.113.5");
        byte[] syn = TestPackets.tcp(A4, 40000, server, 80, IpPacket.SYN, new byte[0]);
        byte[] toListener = inject(syn);
        assertNotNull(toListener);
        assertEquals(B4, TestPackets.addr(toListener, 12, 4));
        assertEquals(A4, TestPackets.addr(toListener, 16, 4));
        assertEquals(P4, TestPackets.u16(toListener, 22));
        int natPort = TestPackets.u16(toListener, 20);
        assertTrue(TestPackets.checksumsValid(toListener), "checksums after rewrite");

        byte[] synAck = TestPackets.tcp(A4, P4, B4, natPort, IpPacket.SYN | IpPacket.ACK, "hi".getBytes(StandardCharsets.US_ASCII));
        byte[] toApp = inject(synAck);
        assertNotNull(toApp);
        assertEquals(server, TestPackets.addr(toApp, 12, 4));
        assertEquals(A4, TestPackets.addr(toApp, 16, 4));
        assertEquals(80, TestPackets.u16(toApp, 20));
        assertEquals(40000, TestPackets.u16(toApp, 22));
        assertTrue(TestPackets.checksumsValid(toApp));

        byte[] ack = TestPackets.tcp(A4, 40000, server, 80, IpPacket.ACK, new byte[10]);
        assertEquals(natPort, TestPackets.u16(inject(ack), 20), "the same flow keeps its NAT port");
    }

    /**
     * A stack behind a device with offloads on: each frame starts with a 10-byte virtio_net_hdr, which the device
     * reads from the bytes before the packet (as {@code TunInbound}'s sink hands them to it).
     */
    private SystemStack offloadedStack(List<byte[]> frames) {
        return new SystemStack(
                SystemStack.Addressing.of(IpPrefix.parse("198.18.0.1/30"), P4, IpPrefix.parse("2001:db8:ff::1/126"), P6),
                new SystemStack.Limits(9000, 1000, 1024, 100, 60_000, 4), VnetHeader.LENGTH, tunnel, loop,
                (buffer, address, length) -> {
                    byte[] copy = new byte[VnetHeader.LENGTH + length];
                    new Pointer(address - VnetHeader.LENGTH).read(0, copy, 0, VnetHeader.LENGTH);
                    ByteBuffer source = buffer.duplicate().clear();
                    source.get(0, copy, VnetHeader.LENGTH, length);
                    frames.add(copy);
                    frameAddresses.add(address - VnetHeader.LENGTH);
                    return true;
                }, null, HijackTargets.udp(List.of()), "tun");
    }

    /** Where each frame {@link #offloadedStack} handed to the device began. */
    private final List<Long> frameAddresses = new ArrayList<>();

    private byte[] injectFrame(SystemStack s, byte[] header, byte[] packet) throws Exception {
        return onLoop(() -> {
            ByteBuffer frame = s.inputBuffer();
            frame.clear();
            frame.put(header).put(packet);
            frame.clear();
            s.process(header.length + packet.length);
            byte[] h = new byte[VnetHeader.LENGTH];
            frame.get(0, h);
            return h;
        });
    }

    /** A virtio_net_hdr as the kernel writes it for a TSO burst: checksum left partial, TCP header at l4. */
    private static byte[] tsoHeader(int gsoType, int headerLength, int segmentSize, int l4) {
        return ByteBuffer.allocate(VnetHeader.LENGTH).order(java.nio.ByteOrder.LITTLE_ENDIAN)
                .put((byte) VnetHeader.F_NEEDS_CSUM).put((byte) gsoType).putShort((short) headerLength)
                .putShort((short) segmentSize).putShort((short) l4).putShort((short) 16).array();
    }

    /**
     * Gives {@code packet} the partial checksum the kernel leaves with offload, injects it behind {@code header},
     * checks the header goes back to the device as it came, and returns the packet the device is handed.
     */
    private byte[] throughOffload(SystemStack s, List<byte[]> frames, byte[] header, byte[] packet) throws Exception {
        TestPackets.makeChecksumPartial(packet, 16);
        assertArrayEquals(header, injectFrame(s, header, packet), "the header goes back to the device as it came");
        return packetOf(frames.get(frames.size() - 1));
    }

    /** Finishes the checksum as the kernel would; it must then verify. */
    private static void assertFinishable(byte[] packet) {
        TestPackets.finishPartialChecksum(packet, 16);
        assertTrue(TestPackets.checksumsValid(packet), "finished as the kernel would, the checksum verifies");
    }

    /** The packet of a frame handed to the device. */
    private static byte[] packetOf(byte[] frame) {
        return java.util.Arrays.copyOfRange(frame, VnetHeader.LENGTH, frame.length);
    }

    @Test
    void keepsOffloadedSegmentsPartialChecksumFinishableAfterTheRewrite() throws Exception {
        List<byte[]> frames = new ArrayList<>();
        SystemStack s = offloadedStack(frames);
        InetAddress server = ip("203.0.113.9");
        injectFrame(s, new byte[VnetHeader.LENGTH], TestPackets.tcp(A4, 41000, server, 80, IpPacket.SYN, new byte[0]));
        assertEquals(1, frames.size());
        int natPort = TestPackets.u16(packetOf(frames.get(0)), 20);

        // A 4000-byte TSO burst with its checksum left to the device (flags NEEDS_CSUM, gso TCPV4, 1448).
        byte[] data = new byte[4000];
        new Random(7).nextBytes(data);
        byte[] burst = TestPackets.tcp(A4, 41000, server, 80, IpPacket.ACK, data);
        byte[] header = tsoHeader(1, 40, 1448, 20);
        byte[] out = throughOffload(s, frames, header, burst);
        assertEquals(B4, TestPackets.addr(out, 12, 4));
        assertEquals(natPort, TestPackets.u16(out, 20));
        assertTrue(!TestPackets.checksumsValid(out), "still partial: the device finishes it");
        assertFinishable(out);

        // The listener's reply, also offloaded, goes back to the application's addresses the same way.
        byte[] toApp = throughOffload(s, frames, header, TestPackets.tcp(A4, P4, B4, natPort, IpPacket.ACK, new byte[3000]));
        assertEquals(server, TestPackets.addr(toApp, 12, 4));
        assertFinishable(toApp);
    }

    @Test
    void keepsOffloadedIpv6SegmentsFinishable() throws Exception {
        List<byte[]> frames = new ArrayList<>();
        SystemStack s = offloadedStack(frames);
        InetAddress server = ip("2001:db8:2::9");
        injectFrame(s, new byte[VnetHeader.LENGTH], TestPackets.tcp(A6, 41001, server, 443, IpPacket.SYN, new byte[0]));
        byte[] burst = TestPackets.tcp(A6, 41001, server, 443, IpPacket.ACK, new byte[5000]);
        burst[100] = 42;
        TestPackets.fixChecksums(burst, 16);
        byte[] out = throughOffload(s, frames, tsoHeader(4, 60, 1428, 40), burst);
        assertEquals(B6, TestPackets.addr(out, 8, 16));
        assertFinishable(out);
    }

    /**
     * A UDP reply behind an offload header leaves its checksum to the kernel: the header says where it is, the field
     * holds the pseudo-header's sum, and finished as the kernel would, it verifies. The header is plain again
     * after it, for the next packet built in the same buffer.
     */
    @Test
    void aUdpReplyBehindAnOffloadHeaderLeavesItsChecksumToTheKernel() throws Exception {
        List<byte[]> frames = new ArrayList<>();
        SystemStack s = offloadedStack(frames);
        byte[] payload = new byte[1401];
        new Random(11).nextBytes(payload);
        for (InetAddress[] ends : new InetAddress[][] {{A4, ip("198.51.100.7")}, {A6, ip("2001:db8:3::9")}}) {
            DatagramSession.Receiver receiver = udpFlow(s, ends[0], 5000, ends[1], 443);
            onLoop(() -> {
                receiver.receive(new InetSocketAddress(ends[1], 443), Unpooled.wrappedBuffer(payload));
                return null;
            });
            byte[] frame = onLoop(() -> frames.get(frames.size() - 1)); // written at the end of the loop's turn
            int l4 = ends[0] == A4 ? 20 : 40;
            ByteBuffer header = ByteBuffer.wrap(frame, 0, VnetHeader.LENGTH).order(java.nio.ByteOrder.LITTLE_ENDIAN);
            assertEquals(VnetHeader.F_NEEDS_CSUM, header.get(0), "flags");
            assertEquals(0, header.get(1), "a single datagram: nothing to cut");
            assertEquals(l4, header.getShort(6), "csum_start: the UDP header");
            assertEquals(6, header.getShort(8), "csum_offset: UDP's checksum");
            byte[] reply = packetOf(frame);
            assertEquals(ends[1], TestPackets.addr(reply, ends[0] == A4 ? 12 : 8, ends[0] == A4 ? 4 : 16));
            assertArrayEquals(payload, java.util.Arrays.copyOfRange(reply, l4 + 8, reply.length));
            assertTrue(!TestPackets.checksumsValid(reply), "partial: the kernel finishes it");
            TestPackets.finishPartialChecksum(reply, 6);
            assertTrue(TestPackets.checksumsValid(reply), "finished as the kernel would, the checksum verifies");
            byte[] after = new byte[VnetHeader.LENGTH];
            new Pointer(frameAddresses.get(frameAddresses.size() - 1)).read(0, after, 0, VnetHeader.LENGTH);
            assertArrayEquals(new byte[VnetHeader.LENGTH], after, "the header is plain again");
        }
    }

    /**
     * The replies of one sender to one socket within a turn of the loop leave as one packet that the kernel cuts:
     * cut as Linux's UDP segmentation does, every datagram arrives whole, in order, with a checksum that verifies.
     * Another sender, a datagram larger than the first, one after a shorter one, or the 65th starts another packet.
     */
    @Test
    void aTurnsRepliesFromOneSenderLeaveAsOnePacketTheKernelCuts() throws Exception {
        List<byte[]> frames = new ArrayList<>();
        SystemStack s = offloadedStack(frames);
        Random random = new Random(5);
        for (InetAddress[] ends : new InetAddress[][] {{A4, ip("198.51.100.7")}, {A6, ip("2001:db8:3::9")}}) {
            frames.clear();
            InetSocketAddress server = new InetSocketAddress(ends[1], 443);
            InetSocketAddress other = new InetSocketAddress(ends[1], 444);
            DatagramSession.Receiver receiver = udpFlow(s, ends[0], 5000, ends[1], 443);
            List<byte[]> sent = new ArrayList<>();
            List<InetSocketAddress> from = new ArrayList<>();
            // Three of 1,200 and a shorter last of 700; another sender's 900; 1,000, then 1,300 (larger: a packet of
            // its own), which the first 100 joins and ends (shorter); the other 69 of 100: 64, then 5.
            int[] sizes = {1200, 1200, 1200, 700, 900, 1000, 1300};
            for (int i = 0; i < sizes.length; i++) {
                sent.add(new byte[sizes[i]]);
                from.add(i == 4 ? other : server);
            }
            for (int i = 0; i < 70; i++) {
                sent.add(new byte[100]);
                from.add(server);
            }
            sent.forEach(random::nextBytes);
            onLoop(() -> {
                for (int i = 0; i < sent.size(); i++) {
                    receiver.receive(from.get(i), Unpooled.wrappedBuffer(sent.get(i)));
                }
                return null;
            });
            onLoop(() -> null);
            List<Integer> perFrame = new ArrayList<>();
            List<byte[]> arrived = new ArrayList<>();
            List<Integer> ports = new ArrayList<>();
            for (byte[] frame : frames) {
                List<byte[]> cut = cutAsTheKernelWould(frame);
                perFrame.add(cut.size());
                for (byte[] datagram : cut) {
                    assertTrue(TestPackets.checksumsValid(datagram), "each datagram's checksum verifies");
                    int l4 = ends[0] == A4 ? 20 : 40;
                    ports.add(TestPackets.u16(datagram, l4));
                    assertEquals(5000, TestPackets.u16(datagram, l4 + 2));
                    arrived.add(java.util.Arrays.copyOfRange(datagram, l4 + 8, datagram.length));
                }
            }
            assertEquals(List.of(4, 1, 1, 2, 64, 5), perFrame);
            assertEquals(sent.size(), arrived.size());
            for (int i = 0; i < sent.size(); i++) {
                assertArrayEquals(sent.get(i), arrived.get(i), "datagram " + i);
                assertEquals(from.get(i).getPort(), ports.get(i), "datagram " + i + "'s sender");
            }
        }
    }

    /** Before Linux 6.2 the device refuses a packet to cut: its replies go one by one, and every later one too. */
    @Test
    void repliesGoOneByOneWhereTheKernelRefusesToCut() throws Exception {
        List<byte[]> frames = new ArrayList<>();
        SystemStack s = new SystemStack(
                SystemStack.Addressing.of(IpPrefix.parse("198.18.0.1/30"), P4, null, 0),
                new SystemStack.Limits(9000, 1000, 1024, 100, 60_000, 4), VnetHeader.LENGTH, tunnel, loop,
                (buffer, address, length) -> {
                    byte[] header = new byte[VnetHeader.LENGTH];
                    new Pointer(address - VnetHeader.LENGTH).read(0, header, 0, VnetHeader.LENGTH);
                    if (header[1] != 0) {
                        return false; // EINVAL, as Linux 6.1 answers
                    }
                    byte[] copy = new byte[VnetHeader.LENGTH + length];
                    System.arraycopy(header, 0, copy, 0, VnetHeader.LENGTH);
                    buffer.duplicate().clear().get(0, copy, VnetHeader.LENGTH, length);
                    frames.add(copy);
                    return true;
                }, null, HijackTargets.udp(List.of()), "tun");
        InetAddress server = ip("198.51.100.7");
        DatagramSession.Receiver receiver = udpFlow(s, A4, 5000, server, 443);
        for (int turn = 0; turn < 2; turn++) {
            onLoop(() -> {
                for (int i = 0; i < 3; i++) {
                    receiver.receive(new InetSocketAddress(server, 443), Unpooled.wrappedBuffer(new byte[] {(byte) i}));
                }
                return null;
            });
            onLoop(() -> null);
        }
        assertEquals(6, frames.size(), "each reply its own packet, this turn and the next");
        for (int i = 0; i < 6; i++) {
            byte[] datagram = packetOf(frames.get(i));
            assertEquals(0, frames.get(i)[1], "nothing to cut");
            assertEquals(i % 3, datagram[28]);
            TestPackets.finishPartialChecksum(datagram, 6);
            assertTrue(TestPackets.checksumsValid(datagram));
        }
        assertEquals(6, s.stats().packetsOut());
    }

    /** Opens a UDP flow from the application's {@code src:sport} to {@code dst:dport}; returns where replies go. */
    private DatagramSession.Receiver udpFlow(SystemStack s, InetAddress src, int sport, InetAddress dst, int dport)
            throws Exception {
        int before = tunnel.receivers.size();
        injectFrame(s, new byte[VnetHeader.LENGTH], TestPackets.udp(src, sport, dst, dport, new byte[1]));
        assertEquals(before + 1, tunnel.receivers.size());
        return tunnel.receivers.get(before);
    }

    /**
     * The datagrams the kernel makes of a frame the engine wrote: as is when its header asks for no cut; otherwise
     * cut as Linux's {@code __udp_gso_segment} does (each its share of the payload behind the headers, its own
     * lengths, the pseudo-header's sum moved from the whole length to its own), then each checksum finished.
     */
    private static List<byte[]> cutAsTheKernelWould(byte[] frame) {
        ByteBuffer header = ByteBuffer.wrap(frame, 0, VnetHeader.LENGTH).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        byte[] whole = packetOf(frame);
        boolean v4 = (whole[0] >> 4) == 4;
        int l4 = v4 ? 20 : 40;
        assertEquals(VnetHeader.F_NEEDS_CSUM, header.get(0));
        assertEquals(l4, header.getShort(6));
        assertEquals(6, header.getShort(8));
        if (header.get(1) == 0) {
            TestPackets.finishPartialChecksum(whole, 6);
            return List.of(whole);
        }
        assertEquals(UdpReplies.GSO_UDP_L4, header.get(1));
        assertEquals(l4 + 8, header.getShort(2), "hdr_len: the IP and UDP headers");
        int size = header.getShort(4);
        int partial = TestPackets.u16(whole, l4 + 6);
        int wholeUdpLength = TestPackets.u16(whole, l4 + 4);
        List<byte[]> out = new ArrayList<>();
        for (int at = l4 + 8; at < whole.length; at += size) {
            int n = Math.min(size, whole.length - at);
            byte[] d = new byte[l4 + 8 + n];
            System.arraycopy(whole, 0, d, 0, l4 + 8);
            System.arraycopy(whole, at, d, l4 + 8, n);
            if (v4) {
                TestPackets.put16(d, 2, d.length);
                TestPackets.put16(d, 10, 0);
                TestPackets.put16(d, 10, TestPackets.naiveChecksum(d, 0, 20, 0));
            } else {
                TestPackets.put16(d, 4, 8 + n);
            }
            TestPackets.put16(d, l4 + 4, 8 + n);
            TestPackets.put16(d, l4 + 6, onesAdd(onesAdd(partial, ~wholeUdpLength & 0xFFFF), 8 + n));
            TestPackets.finishPartialChecksum(d, 6);
            out.add(d);
        }
        return out;
    }

    private static int onesAdd(int a, int b) {
        int s = a + b;
        return (s & 0xFFFF) + (s >> 16);
    }

    @Test
    void answersPingBehindAnOffloadHeaderWithAPlainPacket() throws Exception {
        List<byte[]> frames = new ArrayList<>();
        SystemStack s = offloadedStack(frames);
        byte[] header = {VnetHeader.F_NEEDS_CSUM, 0, 0, 0, 0, 0, 0, 0, 0, 0};
        byte[] headerAfter = injectFrame(s, header, TestPackets.echoRequest(A4, B4));
        assertEquals(1, frames.size());
        assertArrayEquals(new byte[VnetHeader.LENGTH], headerAfter, "a reply with a full checksum says so");
        byte[] reply = packetOf(frames.get(0));
        assertTrue(TestPackets.checksumsValid(reply));
    }

    @Test
    void rewritesIpv6Connections() throws Exception {
        InetAddress server = ip("2001:db8:2::1");
        byte[] toListener = inject(TestPackets.tcp(A6, 40000, server, 443, IpPacket.SYN, new byte[0]));
        assertNotNull(toListener);
        assertEquals(B6, TestPackets.addr(toListener, 8, 16));
        assertEquals(A6, TestPackets.addr(toListener, 24, 16));
        assertEquals(P6, TestPackets.u16(toListener, 42));
        assertTrue(TestPackets.checksumsValid(toListener));
        int natPort = TestPackets.u16(toListener, 40);
        byte[] toApp = inject(TestPackets.tcp(A6, P6, B6, natPort, IpPacket.SYN | IpPacket.ACK, new byte[0]));
        assertEquals(server, TestPackets.addr(toApp, 8, 16));
        assertEquals(443, TestPackets.u16(toApp, 40));
        assertTrue(TestPackets.checksumsValid(toApp));
    }

    @Test
    void dropsSegmentsOfUnknownConnectionsAndCountsThem() throws Exception {
        byte[] out = inject(TestPackets.tcp(A4, 40001, ip("203.0.113.5"), 80, IpPacket.ACK, new byte[0]));
        assertEquals(null, out);
        assertEquals(1, onLoop(stack::stats).drops(DropReason.TCP_NO_FLOW));
        assertEquals(null, inject(TestPackets.tcp(A4, P4, B4, 5000, IpPacket.ACK, new byte[0])));
        assertEquals(2, onLoop(stack::stats).drops(DropReason.TCP_NO_FLOW));
    }

    @Test
    void relaysUdpThroughTheTunnelAndBuildsValidReplies() throws Exception {
        InetAddress server = ip("198.51.100.7");
        assertEquals(null, inject(TestPackets.udp(A4, 5000, server, 9999, "ping".getBytes(StandardCharsets.US_ASCII))));
        inject(TestPackets.udp(A4, 5000, server, 9999, "again".getBytes(StandardCharsets.US_ASCII)));
        assertEquals(1, tunnel.datagramFlows.size(), "one session per socket");
        Metadata meta = tunnel.datagramFlows.get(0);
        assertEquals(new InetSocketAddress(A4, 5000), meta.source());
        assertEquals(Destination.ofAddress(server, 9999), meta.destination());
        assertEquals(List.of("ping", "again"), tunnel.sent);

        byte[] reply = onLoop(() -> {
            written.clear();
            tunnel.receivers.get(0).receive(new InetSocketAddress(server, 9999), Unpooled.copiedBuffer("pong", StandardCharsets.US_ASCII));
            return written.get(0);
        });
        assertEquals(server, TestPackets.addr(reply, 12, 4));
        assertEquals(A4, TestPackets.addr(reply, 16, 4));
        assertEquals(9999, TestPackets.u16(reply, 20));
        assertEquals(5000, TestPackets.u16(reply, 22));
        assertArrayEquals("pong".getBytes(StandardCharsets.US_ASCII), java.util.Arrays.copyOfRange(reply, 28, 32));
        assertTrue(TestPackets.checksumsValid(reply));

        InetAddress server6 = ip("2001:db8:3::9");
        inject(TestPackets.udp(A6, 5001, server6, 53, "q".getBytes(StandardCharsets.US_ASCII)));
        byte[] reply6 = onLoop(() -> {
            written.clear();
            tunnel.receivers.get(1).receive(new InetSocketAddress(server6, 53), Unpooled.copiedBuffer("answer", StandardCharsets.US_ASCII));
            return written.get(0);
        });
        assertEquals(server6, TestPackets.addr(reply6, 8, 16));
        assertEquals(A6, TestPackets.addr(reply6, 24, 16), "the reply goes back to the application's IPv6 address");
        assertEquals(new InetSocketAddress(A6, 5001), tunnel.datagramFlows.get(1).source());
        assertTrue(TestPackets.checksumsValid(reply6));
    }

    @Test
    void datagramsLargerThanTheTunGoThroughInFragmentsBothWaysInBothFamilies() throws Exception {
        char[] text = new char[3000];
        java.util.Arrays.fill(text, 'x');
        String big = new String(text);
        byte[] payload = big.getBytes(StandardCharsets.US_ASCII);
        for (byte[] fragment : TestPackets.fragments(TestPackets.udp(A4, 5100, ip("203.0.113.7"), 7, payload), 1480, 7)) {
            assertEquals(null, inject(fragment));
        }
        for (byte[] fragment : TestPackets.fragments(TestPackets.udp(A6, 5101, ip("2001:db8::10"), 7, payload), 1232, 77)) {
            assertEquals(null, inject(fragment));
        }
        assertEquals(2, tunnel.sent.size());
        assertTrue(tunnel.sent.stream().allMatch(big::equals), "both whole");
        assertEquals(List.of(Destination.ofAddress(ip("203.0.113.7"), 7), Destination.ofAddress(ip("2001:db8::10"), 7)),
                tunnel.datagramFlows.stream().map(Metadata::destination).toList());
        assertEquals(0, onLoop(stack::stats).drops(DropReason.FRAGMENT));

        byte[] large = new byte[12_000]; // over the TUN's 9,000
        java.util.Arrays.fill(large, (byte) 'y');
        List<byte[]> replies = onLoop(() -> {
            written.clear();
            tunnel.receivers.get(1).receive(new InetSocketAddress(ip("2001:db8::10"), 7), Unpooled.wrappedBuffer(large));
            return List.copyOf(written);
        });
        assertEquals(2, replies.size());
        FragmentReassembly application = new FragmentReassembly();
        java.nio.ByteBuffer buf = java.nio.ByteBuffer.allocate(FragmentReassembly.MAX_PACKET);
        int whole = 0;
        for (byte[] f : replies) {
            assertTrue(f.length <= 9000);
            buf.clear();
            buf.put(0, f);
            IpPacket parsed = new IpPacket(buf);
            assertEquals(DropReason.FRAGMENT, parsed.parse(f.length));
            whole = application.offer(buf, f.length, parsed.fragmentHeaderAt(), 0);
        }
        byte[] reply = new byte[whole];
        buf.get(0, reply);
        assertEquals(ip("2001:db8::10"), TestPackets.addr(reply, 8, 16));
        assertEquals(A6, TestPackets.addr(reply, 24, 16));
        assertEquals(5101, TestPackets.u16(reply, 42));
        assertTrue(TestPackets.checksumsValid(reply));
        assertArrayEquals(large, java.util.Arrays.copyOfRange(reply, 48, reply.length));
    }

    @Test
    void aDatagramWithABadChecksumIsDroppedAndOneWithoutIsRelayedOverIpv4Only() throws Exception {
        InetAddress server = ip("198.51.100.7");
        byte[] bad = TestPackets.udp(A4, 5001, server, 9999, "damaged".getBytes(StandardCharsets.US_ASCII));
        bad[bad.length - 1] ^= 0x20;
        byte[] bad6 = TestPackets.udp(A6, 5001, ip("2001:db8:2::1"), 9999, "damaged".getBytes(StandardCharsets.US_ASCII));
        bad6[bad6.length - 1] ^= 0x20;
        byte[] none6 = TestPackets.udp(A6, 5002, ip("2001:db8:2::1"), 9999, "unsummed".getBytes(StandardCharsets.US_ASCII));
        none6[46] = 0;
        none6[47] = 0;
        for (byte[] p : List.of(bad, bad6, none6)) {
            inject(p);
        }
        assertEquals(List.of(), tunnel.sent, "none relayed");
        assertEquals(3, onLoop(stack::stats).drops(DropReason.MALFORMED));
        byte[] none4 = TestPackets.udp(A4, 5003, server, 9999, "unsummed".getBytes(StandardCharsets.US_ASCII));
        none4[26] = 0;
        none4[27] = 0;
        inject(none4);
        assertEquals(List.of("unsummed"), tunnel.sent, "IPv4's 0: no checksum was computed");
    }

    @Test
    void aSocketIsOneSessionWhateverItWritesToAndHearsAnyoneFromWhereTheyAre() throws Exception {
        InetAddress first = ip("198.51.100.7");
        InetAddress second = ip("203.0.113.8");
        inject(TestPackets.udp(A4, 5000, first, 3478, "stun".getBytes(StandardCharsets.US_ASCII)));
        inject(TestPackets.udp(A4, 5000, second, 40000, "peer".getBytes(StandardCharsets.US_ASCII)));
        inject(TestPackets.udp(A4, 5000, first, 3478, "again".getBytes(StandardCharsets.US_ASCII)));
        assertEquals(1, tunnel.datagramFlows.size(), "one session, routed for the first datagram");
        assertEquals(Destination.ofAddress(first, 3478), tunnel.datagramFlows.get(0).destination());
        assertEquals(List.of(Destination.ofAddress(first, 3478), Destination.ofAddress(second, 40000),
                Destination.ofAddress(first, 3478)), tunnel.sentTo, "each datagram to its own destination");

        InetAddress stranger = ip("192.0.2.77");
        byte[] fromStranger = onLoop(() -> {
            written.clear();
            tunnel.receivers.get(0).receive(new InetSocketAddress(stranger, 1234), Unpooled.copiedBuffer("hi", StandardCharsets.US_ASCII));
            return written.get(0);
        });
        assertEquals(stranger, TestPackets.addr(fromStranger, 12, 4), "from the stranger's own address");
        assertEquals(1234, TestPackets.u16(fromStranger, 20));
        assertEquals(A4, TestPackets.addr(fromStranger, 16, 4));
        assertEquals(5000, TestPackets.u16(fromStranger, 22));
        assertTrue(TestPackets.checksumsValid(fromStranger));

        // A sender that is no address of the application's family (an outbound naming it by name): the first
        // destination's, as far as the application can tell.
        byte[] byName = onLoop(() -> {
            written.clear();
            tunnel.receivers.get(0).receive(InetSocketAddress.createUnresolved("peer.test", 40000), Unpooled.copiedBuffer("n", StandardCharsets.US_ASCII));
            tunnel.receivers.get(0).receive(new InetSocketAddress(ip("2001:db8::5"), 40000), Unpooled.copiedBuffer("6", StandardCharsets.US_ASCII));
            return written;
        }).stream().findFirst().orElseThrow();
        assertEquals(first, TestPackets.addr(byName, 12, 4));
        assertEquals(3478, TestPackets.u16(byName, 20));
        assertEquals(2, written.size());
        assertEquals(first, TestPackets.addr(written.get(1), 12, 4));
    }

    @Test
    void anIpv6SocketHearsAStrangerFromItsOwnAddress() throws Exception {
        InetAddress first = ip("2001:db8:3::9");
        inject(TestPackets.udp(A6, 5002, first, 3478, "stun".getBytes(StandardCharsets.US_ASCII)));
        InetAddress stranger = ip("2001:db8:77::1");
        byte[] reply = onLoop(() -> {
            written.clear();
            tunnel.receivers.get(0).receive(new InetSocketAddress(stranger, 4444), Unpooled.copiedBuffer("hi", StandardCharsets.US_ASCII));
            return written.get(0);
        });
        assertEquals(stranger, TestPackets.addr(reply, 8, 16));
        assertEquals(4444, TestPackets.u16(reply, 40));
        assertEquals(A6, TestPackets.addr(reply, 24, 16));
        assertEquals(5002, TestPackets.u16(reply, 42));
        assertTrue(TestPackets.checksumsValid(reply));
    }

    @Test
    void aRefusedSocketIsRoutedAgainByADatagramElsewhere() throws Exception {
        failUdp = true;
        inject(TestPackets.udp(A4, 5000, ip("198.51.100.7"), 9999, new byte[3]));
        inject(TestPackets.udp(A4, 5000, ip("198.51.100.7"), 9999, new byte[3]));
        assertEquals(1, onLoop(stack::stats).drops(DropReason.UDP_FLOW_FAILED), "the refused destination: dropped");
        failUdp = false;
        inject(TestPackets.udp(A4, 5000, ip("203.0.113.8"), 443, "x".getBytes(StandardCharsets.US_ASCII)));
        assertEquals(1, tunnel.datagramFlows.size());
        assertEquals(Destination.ofAddress(ip("203.0.113.8"), 443), tunnel.datagramFlows.get(0).destination());
        assertEquals(List.of("x"), tunnel.sent);
        assertEquals(1, onLoop(stack::stats).udpFlows());
    }

    @Test
    void aDatagramAfterItsSessionWasClosedOpensANewSessionAndIsSent() throws Exception {
        InetAddress server = ip("198.51.100.7");
        inject(TestPackets.udp(A4, 5000, server, 9999, "one".getBytes(StandardCharsets.US_ASCII)));
        onLoop(() -> {
            tunnel.sessions.get(0).close(); // as the controller's DELETE /connections/:id, or its outbound, ends it
            return null;
        });
        inject(TestPackets.udp(A4, 5000, server, 9999, "two".getBytes(StandardCharsets.US_ASCII)));
        assertEquals(2, tunnel.datagramFlows.size(), "the socket's next datagram opens a session of its own");
        assertEquals(List.of("one", "two"), tunnel.sent, "and is sent, not lost");
        assertEquals(0, onLoop(stack::stats).drops(DropReason.UDP_FLOW_FAILED));
        assertEquals(1, onLoop(stack::stats).udpFlows());
    }

    @Test
    void countsDatagramsOfRefusedUdpFlows() throws Exception {
        failUdp = true;
        inject(TestPackets.udp(A4, 5000, ip("198.51.100.7"), 9999, new byte[3]));
        inject(TestPackets.udp(A4, 5000, ip("198.51.100.7"), 9999, new byte[3]));
        assertEquals(1, onLoop(stack::stats).drops(DropReason.UDP_FLOW_FAILED));
    }

    @Test
    void countsPacketsAndBytesEachWay() throws Exception {
        byte[] syn = TestPackets.tcp(A4, 40010, ip("203.0.113.5"), 80, IpPacket.SYN, new byte[0]);
        byte[] stray = TestPackets.tcp(A4, 40011, ip("203.0.113.5"), 80, IpPacket.ACK, new byte[5]);
        assertNotNull(inject(syn));
        inject(stray);
        TunStats s = onLoop(stack::stats);
        assertEquals(2, s.packetsIn());
        assertEquals(syn.length + stray.length, s.bytesIn());
        assertEquals(1, s.packetsOut(), "the stray segment of no flow is dropped, not written");
        assertEquals(syn.length, s.bytesOut());
    }

    @Test
    void aPacketTheDeviceWouldNotTakeIsCountedAsAWriteFailure() throws Exception {
        SystemStack refusing = new SystemStack(
                SystemStack.Addressing.of(IpPrefix.parse("198.18.0.1/30"), P4, IpPrefix.parse("2001:db8:ff::1/126"), P6),
                new SystemStack.Limits(9000, 1000, 1024, 100, 60_000, 4), 0, tunnel, loop,
                (buffer, address, length) -> false, null, HijackTargets.udp(List.of()), "tun");
        byte[] syn = TestPackets.tcp(A4, 40012, ip("203.0.113.5"), 80, IpPacket.SYN, new byte[0]);
        onLoop(() -> {
            TestPackets.feed(refusing, syn);
            return null;
        });
        TunStats s = onLoop(refusing::stats);
        assertEquals(1, s.drops(DropReason.WRITE_FAILED));
        assertEquals(0, s.packetsOut());
    }

    @Test
    void aUdpSessionLivesExactlyItsIdleTimeAfterItsLastDatagram() throws Exception {
        onLoop(() -> {
            stack.setNow(1_000);
            return null;
        });
        inject(TestPackets.udp(A4, 5000, ip("198.51.100.7"), 9999, new byte[3]));
        onLoop(() -> {
            stack.expire(1_000 + 60_000);
            return null;
        });
        assertEquals(1, onLoop(stack::stats).udpFlows(), "idle for exactly the timeout: kept");
        onLoop(() -> {
            stack.expire(1_000 + 60_001);
            return null;
        });
        assertEquals(0, onLoop(stack::stats).udpFlows());
    }

    @Test
    void anUnacceptedConnectionLivesOnWhileTheListenerAnswersIt() throws Exception {
        onLoop(() -> {
            stack.setNow(1_000);
            return null;
        });
        byte[] toListener = inject(TestPackets.tcp(A4, 40020, ip("203.0.113.5"), 80, IpPacket.SYN, new byte[0]));
        int natPort = TestPackets.u16(toListener, 20);
        onLoop(() -> {
            stack.setNow(21_000);
            return null;
        });
        assertNotNull(inject(TestPackets.tcp(A4, P4, B4, natPort, IpPacket.SYN | IpPacket.ACK, new byte[0])));
        onLoop(() -> {
            stack.expire(41_000); // 40 s after the SYN, 20 s after the listener's answer: within 30 s of it
            return null;
        });
        assertEquals(1, onLoop(stack::stats).tcpFlows(), "the listener's packet counts as activity");
        byte[] v6 = inject(TestPackets.tcp(A6, 40021, ip("2001:db8:2::1"), 80, IpPacket.SYN, new byte[0]));
        int natPort6 = TestPackets.u16(v6, 40);
        onLoop(() -> {
            stack.setNow(61_000);
            return null;
        });
        assertNotNull(inject(TestPackets.tcp(A6, P6, B6, natPort6, IpPacket.SYN | IpPacket.ACK, new byte[0])));
        onLoop(() -> {
            stack.expire(81_000);
            return null;
        });
        assertEquals(1, onLoop(stack::stats).tcpFlows(), "the IPv6 one lives on; the IPv4 one was idle 60 s");
    }

    @Test
    void aSynWithFinOpensNothing() throws Exception {
        byte[] synFin = TestPackets.tcp(A4, 40030, ip("203.0.113.5"), 80, IpPacket.SYN | IpPacket.FIN, new byte[0]);
        assertEquals(null, inject(synFin), "the kernel discards it: no entry to hold a slot for 30 s");
        assertEquals(0, onLoop(stack::stats).tcpFlows());
    }

    /**
     * SYNs nobody completes (a flood from an application, or a LAN host through a gateway) filled the table in
     * seconds and refused every new connection for the 30 s their entries lived. A full table now gives up the
     * entries never accepted that have been idle a second.
     */
    @Test
    void aFullTableGivesUpConnectionsNeverAcceptedToANewOne() throws Exception {
        SystemStack small = new SystemStack(
                SystemStack.Addressing.of(IpPrefix.parse("198.18.0.1/30"), P4, null, 0),
                new SystemStack.Limits(9000, 100, 1024, 100, 60_000, 4), 0, tunnel, loop,
                (buffer, address, length) -> true, null, HijackTargets.udp(List.of()), "tun");
        onLoop(() -> {
            small.setNow(1_000);
            for (int i = 0; i < 101; i++) {
                TestPackets.feed(small, TestPackets.tcp(A4, 41000 + i, ip("203.0.113.5"), 80, IpPacket.SYN,
                        new byte[0]));
            }
            return null;
        });
        assertEquals(100, onLoop(small::stats).tcpFlows());
        assertEquals(1, onLoop(small::stats).drops(DropReason.TCP_TABLE_FULL), "none idle a second yet");
        onLoop(() -> {
            small.setNow(2_500);
            TestPackets.feed(small, TestPackets.tcp(A4, 42000, ip("203.0.113.5"), 80, IpPacket.SYN, new byte[0]));
            return null;
        });
        assertEquals(1, onLoop(small::stats).tcpFlows(), "the flood's entries went, the new connection came in");
        assertEquals(1, onLoop(small::stats).drops(DropReason.TCP_TABLE_FULL));
    }

    @Test
    void packetsOfAFamilyTheTunHasNoAddressForAreDroppedAsUnsupported() throws Exception {
        SystemStack v4Only = new SystemStack(SystemStack.Addressing.of(IpPrefix.parse("198.18.0.1/30"), P4, null, 0),
                new SystemStack.Limits(9000, 1000, 1024, 100, 60_000, 4), 0, tunnel, loop,
                (buffer, address, length) -> true, null, HijackTargets.udp(List.of()), "tun");
        SystemStack v6Only = new SystemStack(SystemStack.Addressing.of(null, 0, IpPrefix.parse("2001:db8:ff::1/126"), P6),
                new SystemStack.Limits(9000, 1000, 1024, 100, 60_000, 4), 0, tunnel, loop,
                (buffer, address, length) -> true, null, HijackTargets.udp(List.of()), "tun");
        for (byte[] p : List.of(TestPackets.tcp(A6, 40000, ip("2001:db8:2::1"), 80, IpPacket.SYN, new byte[0]),
                TestPackets.udp(A6, 5000, ip("2001:db8:3::9"), 53, new byte[4]))) {
            feed(v4Only, p);
        }
        for (byte[] p : List.of(TestPackets.tcp(A4, 40000, ip("203.0.113.5"), 80, IpPacket.SYN, new byte[0]),
                TestPackets.udp(A4, 5000, ip("198.51.100.7"), 53, new byte[4]))) {
            feed(v6Only, p);
        }
        assertEquals(2, onLoop(v4Only::stats).drops(DropReason.UNSUPPORTED));
        assertEquals(2, onLoop(v6Only::stats).drops(DropReason.UNSUPPORTED));
        assertTrue(tunnel.datagramFlows.isEmpty());
    }

    private void feed(SystemStack s, byte[] packet) throws Exception {
        onLoop(() -> {
            TestPackets.feed(s, packet);
            return null;
        });
    }

    @Test
    void expiresIdleUdpSessions() throws Exception {
        inject(TestPackets.udp(A4, 5000, ip("198.51.100.7"), 9999, new byte[3]));
        assertEquals(1, onLoop(stack::stats).udpFlows());
        onLoop(() -> {
            stack.expire(System.nanoTime() / 1_000_000 + 61_000);
            return null;
        });
        assertEquals(0, onLoop(stack::stats).udpFlows());
        assertEquals(1, tunnel.closedSessions);
    }

    @Test
    void answersEchoRequestsToTheTunSubnetOnly() throws Exception {
        byte[] reply = inject(TestPackets.echoRequest(A4, B4));
        assertNotNull(reply);
        assertEquals(0, reply[20], "echo reply type");
        assertEquals(B4, TestPackets.addr(reply, 12, 4));
        assertEquals(A4, TestPackets.addr(reply, 16, 4));
        assertTrue(TestPackets.checksumsValid(reply));
        byte[] reply6 = inject(TestPackets.echoRequest(A6, B6));
        assertEquals((byte) 129, reply6[40]);
        assertTrue(TestPackets.checksumsValid(reply6));
        assertEquals(null, inject(TestPackets.echoRequest(A4, ip("203.0.113.1"))));
        assertEquals(1, onLoop(stack::stats).drops(DropReason.ICMP));
        // The TUN's IPv6 subnet is 2001:db8:ff::/126: ::3 is in it, ::5 (low bits) and ff:: -> fe:: (high half) not.
        assertNotNull(inject(TestPackets.echoRequest(A6, ip("2001:db8:ff::3"))));
        assertEquals(null, inject(TestPackets.echoRequest(A6, ip("2001:db8:ff::5"))));
        assertEquals(null, inject(TestPackets.echoRequest(A6, ip("2001:db8:fe::1"))));
        assertEquals(3, onLoop(stack::stats).drops(DropReason.ICMP));
    }

    @Test
    void anEchoRequestWithABadChecksumOrToTheSubnetsBroadcastGetsNoReply() throws Exception {
        byte[] bad = TestPackets.echoRequest(A4, B4);
        bad[bad.length - 1] ^= 0x55;
        assertEquals(null, inject(bad), "RFC 1122 3.2.1.3: discarded");
        byte[] bad6 = TestPackets.echoRequest(A6, B6);
        bad6[bad6.length - 1] ^= 0x55;
        assertEquals(null, inject(bad6));
        assertEquals(null, inject(TestPackets.echoRequest(A4, ip("198.18.0.3"))), "the /30's broadcast address");
        assertEquals(null, inject(TestPackets.echoRequest(A4, ip("198.18.0.0"))), "its network address");
        assertEquals(4, onLoop(stack::stats).drops(DropReason.ICMP));
        assertNotNull(inject(TestPackets.echoRequest(A4, B4)), "a good one still gets its reply");
    }

    @Test
    void survivesRandomAndMutatedPacketsAndStillWorks() throws Exception {
        long before = onLoop(stack::stats).totalDrops();
        int packets = fuzz(stack, 0, new Random(42));
        TunStats after = onLoop(stack::stats);
        assertTrue(packets >= 10_000, "fuzzed " + packets + " packets");
        assertTrue(after.totalDrops() > before, "drops counted: " + after.drops());
        assertTrue(after.drops(DropReason.MALFORMED) > 0);
        onLoop(() -> {
            stack.expire(System.nanoTime() / 1_000_000 + 3_600_000);
            return null;
        });
        byte[] toListener = inject(TestPackets.tcp(A4, 41000, ip("203.0.113.77"), 8080, IpPacket.SYN, new byte[0]));
        assertNotNull(toListener, "a normal flow works after the fuzz");
        assertTrue(TestPackets.checksumsValid(toListener));
        System.out.println("fuzz: " + packets + " packets, drops " + after.drops());
    }

    @Test
    void survivesRandomOffloadHeadersAndFramesShorterThanTheirHeader() throws Exception {
        List<byte[]> frames = new ArrayList<>();
        SystemStack s = offloadedStack(frames);
        int packets = fuzz(s, VnetHeader.LENGTH, new Random(43));
        TunStats after = onLoop(s::stats);
        assertTrue(packets >= 10_000, "fuzzed " + packets + " frames");
        assertTrue(after.drops(DropReason.MALFORMED) > 0, "short frames are counted: " + after.drops());
        frames.clear();
        injectFrame(s, new byte[VnetHeader.LENGTH], TestPackets.tcp(A4, 41001, ip("203.0.113.78"), 8080, IpPacket.SYN, new byte[0]));
        assertEquals(1, frames.size(), "a normal flow works after the fuzz");
        byte[] out = packetOf(frames.get(0));
        assertTrue(TestPackets.checksumsValid(out));
    }

    /**
     * Feeds {@code s} random and mutated packets, each behind {@code header} random bytes (an offload header),
     * for at most 200,000 packets or 5 seconds; returns how many.
     */
    private int fuzz(SystemStack s, int header, Random r) throws Exception {
        byte[][] seeds = {
            TestPackets.tcp(A4, 40000, ip("203.0.113.5"), 80, IpPacket.SYN, new byte[0]),
            TestPackets.tcp(A4, P4, B4, 1024, IpPacket.ACK, new byte[30]),
            TestPackets.udp(A4, 5000, ip("198.51.100.7"), 9999, new byte[20]),
            TestPackets.tcp(A6, 40000, ip("2001:db8:2::1"), 443, IpPacket.SYN, new byte[0]),
            TestPackets.udp(A6, 5000, ip("2001:db8:3::9"), 53, new byte[12]),
            TestPackets.echoRequest(A4, B4),
        };
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        int packets = 0;
        while (packets < 200_000 && System.nanoTime() < deadline) {
            final int batch = 1000;
            onLoop(() -> {
                ByteBuffer in = s.inputBuffer();
                byte[] h = new byte[header];
                byte[] p = new byte[0];
                for (int i = 0; i < batch; i++) {
                    int kind = r.nextInt(4);
                    if (kind == 0) {
                        p = new byte[r.nextInt(120)];
                        r.nextBytes(p);
                        if (p.length > 0) {
                            p[0] = (byte) ((r.nextBoolean() ? 0x40 : 0x60) | (p[0] & 0x0F));
                        }
                    } else {
                        byte[] seed = seeds[r.nextInt(seeds.length)];
                        p = java.util.Arrays.copyOf(seed, kind == 3 ? r.nextInt(seed.length + 40) : seed.length);
                        int flips = 1 + r.nextInt(4);
                        for (int f = 0; f < flips && p.length > 0; f++) {
                            p[r.nextInt(p.length)] ^= (byte) (1 << r.nextInt(8));
                        }
                        if (kind == 2 && p.length > 0) {
                            // keep the IPv4 header valid so the mutation reaches the transport layer
                            if ((p[0] >> 4) == 4 && p.length >= 20 && (p[0] & 0xF) == 5) {
                                ByteBuffer.wrap(p).putShort(10, (short) 0);
                                ByteBuffer.wrap(p).putShort(10, (short) TestPackets.naiveChecksum(p, 0, 20, 0));
                            }
                        }
                    }
                    r.nextBytes(h);
                    in.clear();
                    in.put(h).put(p);
                    in.clear();
                    // Now and then a frame that ends inside its own header.
                    s.process(header > 0 && r.nextInt(50) == 0 ? r.nextInt(header) : header + p.length);
                }
                written.clear();
                return null;
            });
            packets += batch;
        }
        onLoop(() -> {
            s.expire(System.nanoTime() / 1_000_000 + 3_600_000);
            return null;
        });
        return packets;
    }

    /** Records what the engine asks of the tunnel; datagram sessions record what they are asked to send. */
    private final class RecordingTunnel implements Tunnel {
        final List<Metadata> datagramFlows = new ArrayList<>();
        final List<DatagramSession.Receiver> receivers = new ArrayList<>();
        final List<DatagramSession> sessions = new ArrayList<>();
        final List<String> sent = new ArrayList<>();
        final List<Destination> sentTo = new ArrayList<>();
        int closedSessions;

        @Override
        public void routeStream(Channel inbound, Metadata flow, StreamReadiness readiness) {
            throw new UnsupportedOperationException();
        }

        @Override
        public Future<dev.turnout.host.tunnel.RoutedRequest> routeRequest(Channel inbound, Metadata flow) {
            throw new UnsupportedOperationException("the TUN inbound routes streams, not requests");
        }

        @Override
        public Future<DatagramSession> routeDatagram(Metadata flow, EventLoop l, DatagramSession.Receiver toApplication) {
            if (failUdp) {
                return l.newFailedFuture(new java.io.IOException("refused"));
            }
            datagramFlows.add(flow);
            receivers.add(toApplication);
            DatagramSession session = new DatagramSession() {
                boolean open = true;

                @Override
                public void send(Destination destination, ByteBuf payload) {
                    if (sent.size() < 100) {
                        sent.add(payload.toString(StandardCharsets.US_ASCII));
                        sentTo.add(destination);
                    }
                    payload.release();
                }

                @Override
                public boolean isOpen() {
                    return open;
                }

                @Override
                public void close() {
                    open = false;
                    closedSessions++;
                }
            };
            sessions.add(session);
            return l.newSucceededFuture(session);
        }
    }

}
