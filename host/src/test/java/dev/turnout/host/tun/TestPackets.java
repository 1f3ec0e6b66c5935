package dev.turnout.host.tun;

import io.netty.util.concurrent.EventExecutor;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

/** Builds and checks IP packets the slow, obvious way, for comparing against the engine. */
final class TestPackets {

    private TestPackets() {
    }

    /** Runs {@code task} on {@code loop} (the engine's thread) and waits for its result. */
    static <T> T onLoop(EventExecutor loop, Callable<T> task) throws Exception {
        // Generous: under PIT at nice 19 on a loaded machine one task once took more than 10 s.
        return loop.submit(task).get(60, TimeUnit.SECONDS);
    }

    /**
     * Feeds {@code packet} to {@code engine} on {@code loop} and returns the first packet the engine wrote to the
     * TUN (collected in {@code written}, which is cleared first), or null when it wrote none.
     */
    static byte[] inject(EventExecutor loop, SystemStack engine, List<byte[]> written, byte[] packet)
            throws Exception {
        return onLoop(loop, () -> {
            written.clear();
            feed(engine, packet);
            return written.isEmpty() ? null : written.get(0);
        });
    }

    /** The unsigned 16-bit big-endian number at {@code off}. */
    static int u16(byte[] p, int off) {
        return ByteBuffer.wrap(p).getShort(off) & 0xFFFF;
    }

    /** Writes {@code value} as an unsigned 16-bit big-endian number at {@code off}. */
    static void put16(byte[] p, int off, int value) {
        ByteBuffer.wrap(p).putShort(off, (short) value);
    }

    /** The address in the {@code len} bytes at {@code off}. */
    static InetAddress addr(byte[] p, int off, int len) throws UnknownHostException {
        return InetAddress.getByAddress(Arrays.copyOfRange(p, off, off + len));
    }

    /**
     * Puts {@code packet} at the start of {@code engine}'s input, as a read from the TUN would, and processes it.
     * Call on the engine's loop.
     */
    static void feed(SystemStack engine, byte[] packet) {
        ByteBuffer in = engine.inputBuffer();
        in.clear();
        in.put(packet);
        in.clear();
        engine.process(packet.length);
    }

    static InetAddress ip(String literal) {
        try {
            return InetAddress.getByName(literal);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(e);
        }
    }

    /** A TCP segment with a 20-byte header and {@code payload}; checksums filled in. */
    static byte[] tcp(InetAddress src, int sport, InetAddress dst, int dport, int flags, byte[] payload) {
        byte[] l4 = new byte[20 + payload.length];
        ByteBuffer t = ByteBuffer.wrap(l4);
        t.putShort(0, (short) sport).putShort(2, (short) dport).putInt(4, 1000).putInt(8, flags == 2 ? 0 : 5000);
        t.put(12, (byte) 0x50).put(13, (byte) flags).putShort(14, (short) 65535);
        System.arraycopy(payload, 0, l4, 20, payload.length);
        return ip(src, dst, IpPacket.TCP, l4, 16);
    }

    static byte[] udp(InetAddress src, int sport, InetAddress dst, int dport, byte[] payload) {
        byte[] l4 = new byte[8 + payload.length];
        ByteBuffer u = ByteBuffer.wrap(l4);
        u.putShort(0, (short) sport).putShort(2, (short) dport).putShort(4, (short) l4.length);
        System.arraycopy(payload, 0, l4, 8, payload.length);
        return ip(src, dst, IpPacket.UDP, l4, 6);
    }

    static byte[] echoRequest(InetAddress src, InetAddress dst) {
        boolean v4 = src instanceof Inet4Address;
        byte[] l4 = new byte[16];
        l4[0] = (byte) (v4 ? 8 : 128);
        l4[4] = 0x12;
        l4[5] = 0x34;
        l4[7] = 1;
        for (int i = 8; i < 16; i++) {
            l4[i] = (byte) i;
        }
        return ip(src, dst, v4 ? IpPacket.ICMP : IpPacket.ICMPV6, l4, 2);
    }

    /**
     * Cuts the whole packet {@code p} (no extension headers) into fragments carrying at most {@code size} bytes of
     * its payload each ({@code size} a multiple of 8), as the kernel does: IPv4 with MF and offsets and its header
     * checksum, IPv6 with a fragment header of identification {@code id}.
     */
    static List<byte[]> fragments(byte[] p, int size, int id) {
        boolean v4 = (p[0] >> 4) == 4;
        int hdr = v4 ? (p[0] & 0xF) * 4 : 40;
        List<byte[]> out = new ArrayList<>();
        for (int off = hdr; off < p.length; off += size) {
            int n = Math.min(size, p.length - off);
            boolean more = off + n < p.length;
            int offset = off - hdr;
            byte[] f = new byte[hdr + (v4 ? 0 : 8) + n];
            System.arraycopy(p, 0, f, 0, hdr);
            ByteBuffer b = ByteBuffer.wrap(f);
            if (v4) {
                System.arraycopy(p, off, f, hdr, n);
                b.putShort(2, (short) f.length).putShort(4, (short) id)
                        .putShort(6, (short) ((offset / 8) | (more ? 0x2000 : 0)));
                b.putShort(10, (short) 0);
                b.putShort(10, (short) naiveChecksum(f, 0, hdr, 0));
            } else {
                System.arraycopy(p, off, f, hdr + 8, n);
                b.putShort(4, (short) (f.length - 40)).put(6, (byte) 44);
                b.put(40, p[6]).putShort(42, (short) (offset | (more ? 1 : 0))).putInt(44, id);
            }
            out.add(f);
        }
        return out;
    }

    /** Wraps an L4 message in an IPv4 or IPv6 header and computes the checksums. */
    static byte[] ip(InetAddress src, InetAddress dst, int protocol, byte[] l4, int checksumOffset) {
        boolean v4 = src instanceof Inet4Address;
        int hdr = v4 ? 20 : 40;
        byte[] p = new byte[hdr + l4.length];
        ByteBuffer b = ByteBuffer.wrap(p);
        if (v4) {
            b.put(0, (byte) 0x45).putShort(2, (short) p.length).putShort(4, (short) 7).put(8, (byte) 64)
                    .put(9, (byte) protocol);
            b.position(12);
            b.put(src.getAddress()).put(dst.getAddress());
        } else {
            b.putInt(0, 0x60000000).putShort(4, (short) l4.length).put(6, (byte) protocol).put(7, (byte) 64);
            b.position(8);
            b.put(src.getAddress()).put(dst.getAddress());
        }
        System.arraycopy(l4, 0, p, hdr, l4.length);
        fixChecksums(p, checksumOffset);
        return p;
    }

    /** Recomputes the IPv4 header checksum and the transport checksum (at {@code l4 + checksumOffset}). */
    static void fixChecksums(byte[] p, int checksumOffset) {
        ByteBuffer b = ByteBuffer.wrap(p);
        boolean v4 = (p[0] >> 4) == 4;
        int hdr = v4 ? (p[0] & 0xF) * 4 : 40;
        if (v4) {
            b.putShort(10, (short) 0);
            b.putShort(10, (short) naiveChecksum(p, 0, hdr, 0));
        }
        b.putShort(hdr + checksumOffset, (short) 0);
        int sum = naiveChecksum(p, hdr, p.length - hdr, pseudo(p));
        if (protocol(p) == IpPacket.UDP && sum == 0) {
            sum = 0xFFFF;
        }
        b.putShort(hdr + checksumOffset, (short) sum);
    }

    static int protocol(byte[] p) {
        return (p[0] >> 4) == 4 ? p[9] & 0xFF : p[6] & 0xFF;
    }

    private static long pseudo(byte[] p) {
        boolean v4 = (p[0] >> 4) == 4;
        int proto = protocol(p);
        if (v4 && proto == IpPacket.ICMP) {
            return 0;
        }
        int hdr = v4 ? (p[0] & 0xF) * 4 : 40;
        int len = p.length - hdr;
        long s = 0;
        int aOff = v4 ? 12 : 8;
        int aLen = v4 ? 8 : 32;
        for (int i = 0; i < aLen; i += 2) {
            s += ((p[aOff + i] & 0xFF) << 8) | (p[aOff + i + 1] & 0xFF);
        }
        return s + proto + len;
    }

    /**
     * Turns {@code p}'s transport checksum into a partial one, as Linux leaves it with checksum offload
     * ({@code CHECKSUM_PARTIAL}): the folded pseudo-header sum, not complemented.
     */
    static void makeChecksumPartial(byte[] p, int checksumOffset) {
        int hdr = (p[0] >> 4) == 4 ? (p[0] & 0xF) * 4 : 40;
        int partial = ~naiveChecksum(new byte[0], 0, 0, pseudo(p)) & 0xFFFF;
        p[hdr + checksumOffset] = (byte) (partial >> 8);
        p[hdr + checksumOffset + 1] = (byte) partial;
    }

    /** Finishes a partial transport checksum as the device or the kernel would: the complemented sum from L4 on. */
    static void finishPartialChecksum(byte[] p, int checksumOffset) {
        int hdr = (p[0] >> 4) == 4 ? (p[0] & 0xF) * 4 : 40;
        int full = naiveChecksum(p, hdr, p.length - hdr, 0);
        p[hdr + checksumOffset] = (byte) (full >> 8);
        p[hdr + checksumOffset + 1] = (byte) full;
    }

    /** RFC 1071 the textbook way, byte by byte. */
    static int naiveChecksum(byte[] p, int off, int len, long initial) {
        long s = initial;
        for (int i = 0; i < len; i += 2) {
            int hi = p[off + i] & 0xFF;
            int lo = i + 1 < len ? p[off + i + 1] & 0xFF : 0;
            s += (hi << 8) | lo;
        }
        while ((s >> 16) != 0) {
            s = (s & 0xFFFF) + (s >> 16);
        }
        return (int) (~s & 0xFFFF);
    }

    /** Whether the IPv4 header checksum and the transport checksum of {@code p} verify. */
    static boolean checksumsValid(byte[] p) {
        boolean v4 = (p[0] >> 4) == 4;
        int hdr = v4 ? (p[0] & 0xF) * 4 : 40;
        if (v4 && naiveChecksum(p, 0, hdr, 0) != 0) {
            return false;
        }
        return naiveChecksum(p, hdr, p.length - hdr, pseudo(p)) == 0;
    }
}
