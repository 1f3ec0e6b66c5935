package dev.turnout.host.tun;

import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * Puts UDP datagrams that reach the TUN in fragments back together, as the kernel's own stack (and mihomo's gVisor
 * one) does. The kernel fragments an application's datagram into the TUN when it is larger than the TUN's MTU (a
 * user's {@code mtu: 1500}), and, for IPv6, when it has learned a smaller path MTU for the destination: a "packet
 * too big" sent to Turnout's own socket is filed under the TUN's {@code ::/1} route (the lookup that files it is
 * not bound to the socket's interface), so the application's next datagrams come fragmented. Dropped, they were
 * lost for the ten minutes the kernel keeps that value.
 *
 * <p>Bounded, since fragments are the classic way to make a receiver hold memory: at most {@link #MAX_DATAGRAMS}
 * datagrams at a time per lane (the oldest goes for a new one), each at most {@link #MAX_PACKET} bytes whole, each
 * given {@link #TIMEOUT_MILLIS} from its first fragment. Overlapping fragments drop their datagram (RFC 5722, and
 * Linux for IPv4 too since 4.19); an exact duplicate is ignored. Fragments of anything but UDP stay dropped: TCP
 * finds its own path MTU and does not fragment.
 *
 * <p>Per lane, touched by its loop only. Allocates per datagram, never per packet of an unfragmented flow.
 */
final class FragmentReassembly {

    static final int MAX_DATAGRAMS = 64;
    static final long TIMEOUT_MILLIS = 30_000;
    /** The largest packet put back together: the engine's input buffer. */
    static final int MAX_PACKET = 65536;

    private static final int FRAGMENT_HEADER = 44;

    private final Pending[] pending = new Pending[MAX_DATAGRAMS];
    private long fragmentsDropped;
    private long reassembled;

    /** One datagram whose fragments are coming in. */
    private static final class Pending {
        final int version;
        final long sHi;
        final long sLo;
        final long dHi;
        final long dLo;
        final int id;
        final int protocol;
        final long started;
        /** The first fragment's headers (before the fragment header, for IPv6), once it came. */
        byte[] header;
        /** Where the next-header byte pointing at the fragment header sits in {@link #header} (IPv6). */
        int nextHeaderAt;
        byte[] data = new byte[0];
        /** Which 8-byte units of the data came. */
        final long[] units = new long[MAX_PACKET / 8 / 64 + 1];
        int received;
        /** The data's whole length, once the last fragment came; -1 before. */
        int total = -1;
        int fragments;

        Pending(int version, long sHi, long sLo, long dHi, long dLo, int id, int protocol, long started) {
            this.version = version;
            this.sHi = sHi;
            this.sLo = sLo;
            this.dHi = dHi;
            this.dLo = dLo;
            this.id = id;
            this.protocol = protocol;
            this.started = started;
        }

        boolean is(int version, long sHi, long sLo, long dHi, long dLo, int id, int protocol) {
            return this.version == version && this.id == id && this.sLo == sLo && this.dLo == dLo && this.sHi == sHi
                    && this.dHi == dHi && this.protocol == protocol;
        }
    }

    /**
     * Takes the fragment {@code buf[0, length)}, already checked by {@link IpPacket#parse} (which said
     * {@link DropReason#FRAGMENT}).
     *
     * @param fragmentHeaderAt where an IPv6 packet's fragment header starts (ignored for IPv4)
     * @return the length of the whole packet, now written at {@code buf}'s start without fragmentation (the caller
     *     processes it as if read so), 0 when the fragment is kept until the others come, -1 when it was dropped
     */
    int offer(ByteBuffer buf, int length, int fragmentHeaderAt, long now) {
        expire(now);
        int version = (buf.get(0) & 0xFF) >>> 4;
        int protocol;
        int id;
        int offset;
        boolean more;
        int headerLength;
        int dataAt;
        int dataEnd;
        long sHi;
        long sLo;
        long dHi;
        long dLo;
        if (version == 4) {
            headerLength = (buf.get(0) & 0x0F) * 4;
            protocol = buf.get(9) & 0xFF;
            id = buf.getShort(4) & 0xFFFF;
            int field = buf.getShort(6) & 0xFFFF;
            offset = (field & 0x1FFF) * 8;
            more = (field & 0x2000) != 0;
            dataAt = headerLength;
            dataEnd = buf.getShort(2) & 0xFFFF;
            sHi = 0;
            sLo = buf.getInt(12) & 0xFFFFFFFFL;
            dHi = 0;
            dLo = buf.getInt(16) & 0xFFFFFFFFL;
        } else {
            headerLength = fragmentHeaderAt;
            protocol = buf.get(fragmentHeaderAt) & 0xFF;
            int field = buf.getShort(fragmentHeaderAt + 2) & 0xFFFF;
            offset = field & 0xFFF8;
            more = (field & 1) != 0;
            id = buf.getInt(fragmentHeaderAt + 4);
            dataAt = fragmentHeaderAt + 8;
            dataEnd = 40 + (buf.getShort(4) & 0xFFFF);
            sHi = buf.getLong(8);
            sLo = buf.getLong(16);
            dHi = buf.getLong(24);
            dLo = buf.getLong(32);
        }
        int size = dataEnd - dataAt;
        if (protocol != IpPacket.UDP || size < 0 || (more && (size == 0 || size % 8 != 0))
                || headerLength + offset + size > (version == 4 ? 0xFFFF : MAX_PACKET)) {
            return drop(-1);
        }
        int slot = find(version, sHi, sLo, dHi, dLo, id, protocol);
        Pending p;
        if (slot >= 0) {
            p = pending[slot];
        } else {
            slot = freeSlot();
            p = new Pending(version, sHi, sLo, dHi, dLo, id, protocol, now);
            pending[slot] = p;
        }
        p.fragments++;
        int end = offset + size;
        if (p.total >= 0 && (end > p.total || (!more && end != p.total))) {
            return drop(slot);
        }
        if (!more) {
            if (end < highestUnit(p) * 8) {
                return drop(slot); // data already came past what this fragment says is the end
            }
            p.total = end;
        }
        switch (mark(p, offset, end)) {
            case 1 -> {
                p.fragments--;
                fragmentsDropped++;
                return -1; // an exact duplicate: the first copy stands
            }
            case 2 -> {
                return drop(slot);
            }
            default -> {
            }
        }
        if (p.data.length < end) {
            p.data = Arrays.copyOf(p.data, Math.min(MAX_PACKET, Math.max(end, p.data.length * 2)));
        }
        buf.get(dataAt, p.data, offset, size);
        p.received += size;
        if (offset == 0) {
            p.header = new byte[headerLength];
            buf.get(0, p.header, 0, headerLength);
            p.nextHeaderAt = version == 4 ? 9 : nextHeaderField(p.header);
            if (p.nextHeaderAt < 0) {
                return drop(slot);
            }
        }
        if (p.header == null || p.total < 0 || p.received != p.total) {
            return 0;
        }
        pending[slot] = null;
        reassembled++;
        return write(p, buf);
    }

    /** Fragments dropped: overlapping, of datagrams too large or not UDP, or whose others never came in time. */
    long fragmentsDropped() {
        return fragmentsDropped;
    }

    /** Datagrams put back together. */
    long reassembled() {
        return reassembled;
    }

    /** Datagrams waiting for fragments. */
    int waiting() {
        int n = 0;
        for (Pending p : pending) {
            if (p != null) {
                n++;
            }
        }
        return n;
    }

    private int write(Pending p, ByteBuffer buf) {
        int h = p.header.length;
        buf.put(0, p.header, 0, h);
        buf.put(h, p.data, 0, p.total);
        if (p.version == 4) {
            buf.putShort(2, (short) (h + p.total));
            buf.putShort(6, (short) 0);
            buf.putShort(10, (short) 0);
            buf.putShort(10, (short) ~Checksum.fold(Checksum.sum(buf, 0, h, 0)));
        } else {
            buf.put(p.nextHeaderAt, (byte) p.protocol);
            buf.putShort(4, (short) (h - 40 + p.total));
        }
        return h + p.total;
    }

    /**
     * Marks units {@code [offset, end)} as come: 0 when all were new, 1 when all had come already (a duplicate),
     * 2 when some had (an overlap).
     */
    private static int mark(Pending p, int offset, int end) {
        int from = offset / 8;
        int to = (end + 7) / 8;
        int seen = 0;
        for (int u = from; u < to; u++) {
            if ((p.units[u >>> 6] & (1L << u)) != 0) {
                seen++;
            }
        }
        if (seen == 0) {
            for (int u = from; u < to; u++) {
                p.units[u >>> 6] |= 1L << u;
            }
            return 0;
        }
        return seen == to - from ? 1 : 2;
    }

    /** One past the highest 8-byte unit that came, 0 when none did. */
    private static int highestUnit(Pending p) {
        for (int w = p.units.length - 1; w >= 0; w--) {
            if (p.units[w] != 0) {
                return w * 64 + 64 - Long.numberOfLeadingZeros(p.units[w]);
            }
        }
        return 0;
    }

    /**
     * Where the byte naming the fragment header as next sits in an IPv6 packet's unfragmentable part: the base
     * header's, or the last extension header's; -1 when the headers do not lead to it.
     */
    private static int nextHeaderField(byte[] header) {
        int at = 6;
        int off = 40;
        while (off < header.length) {
            if (off + 2 > header.length) {
                return -1;
            }
            at = off;
            off += ((header[off + 1] & 0xFF) + 1) * 8;
        }
        return off == header.length && (header[at] & 0xFF) == FRAGMENT_HEADER ? at : -1;
    }

    private int find(int version, long sHi, long sLo, long dHi, long dLo, int id, int protocol) {
        for (int i = 0; i < pending.length; i++) {
            Pending p = pending[i];
            if (p != null && p.is(version, sHi, sLo, dHi, dLo, id, protocol)) {
                return i;
            }
        }
        return -1;
    }

    /** A free slot, or the oldest datagram's (its fragments dropped). */
    private int freeSlot() {
        int oldest = 0;
        for (int i = 0; i < pending.length; i++) {
            if (pending[i] == null) {
                return i;
            }
            if (pending[i].started < pending[oldest].started) {
                oldest = i;
            }
        }
        fragmentsDropped += pending[oldest].fragments;
        pending[oldest] = null;
        return oldest;
    }

    private void expire(long now) {
        for (int i = 0; i < pending.length; i++) {
            if (pending[i] != null && now - pending[i].started > TIMEOUT_MILLIS) {
                fragmentsDropped += pending[i].fragments;
                pending[i] = null;
            }
        }
    }

    /** Drops the fragment being offered, with the datagram in {@code slot} (-1: none) and its fragments. */
    private int drop(int slot) {
        if (slot < 0) {
            fragmentsDropped++;
        } else {
            fragmentsDropped += pending[slot].fragments;
            pending[slot] = null;
        }
        return -1;
    }
}
