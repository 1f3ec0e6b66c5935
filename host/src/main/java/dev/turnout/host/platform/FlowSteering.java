package dev.turnout.host.platform;

import java.nio.ByteBuffer;

/**
 * Which lane (TUN queue and its loop) owns a packet the kernel sends into the TUN, when the TUN has several: the
 * rule the packet engine applies to every packet it reads ({@code FlowOwners}), stated once so that the device can
 * be asked to apply it too ({@link TunDevice#steer}) and send each packet straight to its owner's queue.
 *
 * <p>A packet from a lane's listener to the NAT peer ({@code A:P_i -> B:n}, TCP) belongs to lane {@code i}; any
 * other TCP packet of a family the TUN has an address for belongs to the lane {@link #flowLane} picks from its
 * addresses and ports, and a UDP packet to the lane {@link #datagramLane} picks from its source alone (an
 * application's socket is one NAT mapping whatever it sends to, so all its datagrams meet on one lane); the rest
 * (ICMP, fragments after the first, IPv6 with extension headers before TCP or UDP) belongs to no lane in particular
 * ({@link #ANY}): whichever lane reads it processes it.
 *
 * <p>Addresses are IPv4 as an unsigned int, IPv6 as two longs (the first and last 8 bytes, big-endian); IPv4
 * flows hash with a zero high half and the address as the low half.
 *
 * @param lanes how many lanes (at least 1)
 * @param a4 the TUN's IPv4 address A (when {@code has4})
 * @param b4 the NAT peer's IPv4 address B = A + 1
 * @param listenPorts4 each lane's IPv4 listener port, by lane (0: none)
 * @param listenPorts6 each lane's IPv6 listener port, by lane (0: none)
 */
public record FlowSteering(int lanes, boolean has4, int a4, int b4, int[] listenPorts4,
                           boolean has6, long a6Hi, long a6Lo, long b6Hi, long b6Lo, int[] listenPorts6) {

    /** What {@link #laneOf} gives for a packet no lane owns. */
    public static final int ANY = -1;

    public FlowSteering {
        if (lanes < 1 || listenPorts4.length != lanes || listenPorts6.length != lanes) {
            throw new IllegalArgumentException("lanes " + lanes + " with " + listenPorts4.length + " and "
                    + listenPorts6.length + " listener ports");
        }
        listenPorts4 = listenPorts4.clone();
        listenPorts6 = listenPorts6.clone();
    }

    @Override
    public int[] listenPorts4() {
        return listenPorts4.clone();
    }

    @Override
    public int[] listenPorts6() {
        return listenPorts6.clone();
    }

    /** The lane whose listener has IPv4 ({@code family} 4) or IPv6 port {@code port}, or {@link #ANY}. */
    public int listenerLane(int family, int port) {
        int[] ports = family == 4 ? listenPorts4 : listenPorts6;
        for (int i = 0; i < ports.length; i++) {
            if (ports[i] == port && port != 0) {
                return i;
            }
        }
        return ANY;
    }

    /**
     * The lane owning the flow {@code S:s -> D:d}. A few multiply-xorshift rounds (SplitMix64's constants):
     * cheap, and made only of 64-bit multiplications, shifts and xors, which the kernel's eBPF runs as they are here.
     */
    public int flowLane(long sHi, long sLo, int sPort, long dHi, long dLo, int dPort) {
        long h = sHi * M1 + sLo;
        h = (h ^ (h >>> 29)) * M2 + dHi;
        h = (h ^ (h >>> 31)) * M3 + dLo;
        h = (h ^ (h >>> 29)) * M1 + ((long) sPort << 16 | dPort);
        h ^= h >>> 32;
        h *= M2;
        h ^= h >>> 29;
        return (int) (((h >>> 32) * lanes) >>> 32);
    }

    /**
     * The lane owning the UDP datagrams sent from {@code S:s}, to wherever they go: {@link #flowLane} with the
     * destination zero.
     */
    public int datagramLane(long sHi, long sLo, int sPort) {
        return flowLane(sHi, sLo, sPort, 0, 0, 0);
    }

    /** The multipliers of {@link #flowLane}. */
    public static final long M1 = 0x9E3779B97F4A7C15L;
    public static final long M2 = 0xBF58476D1CE4E5B9L;
    public static final long M3 = 0x94D049BB133111EBL;

    /**
     * The owner of the IP packet {@code packet[0, limit)} (no device header), or {@link #ANY}: the rule above,
     * read from the packet's own headers as the device's steering reads them.
     */
    public int laneOf(ByteBuffer packet) {
        if (packet.limit() < 1) {
            return ANY;
        }
        int version = (packet.get(0) & 0xFF) >>> 4;
        if (version == 4 && has4 && packet.limit() >= 20) {
            int proto = packet.get(9) & 0xFF;
            int l4 = (packet.get(0) & 0x0F) * 4;
            if ((proto != 6 && proto != 17) || (packet.getShort(6) & 0x1FFF) != 0 || packet.limit() < l4 + 4) {
                return ANY;
            }
            int src = packet.getInt(12);
            int dst = packet.getInt(16);
            int sport = packet.getShort(l4) & 0xFFFF;
            int dport = packet.getShort(l4 + 2) & 0xFFFF;
            int owner = proto == 6 && src == a4 && dst == b4 ? listenerLane(4, sport) : ANY;
            if (owner != ANY) {
                return owner;
            }
            return proto == 17 ? datagramLane(0, src & 0xFFFFFFFFL, sport)
                    : flowLane(0, src & 0xFFFFFFFFL, sport, 0, dst & 0xFFFFFFFFL, dport);
        }
        if (version == 6 && has6 && packet.limit() >= 44) {
            int proto = packet.get(6) & 0xFF;
            if (proto != 6 && proto != 17) {
                return ANY;
            }
            long sHi = packet.getLong(8);
            long sLo = packet.getLong(16);
            long dHi = packet.getLong(24);
            long dLo = packet.getLong(32);
            int sport = packet.getShort(40) & 0xFFFF;
            int dport = packet.getShort(42) & 0xFFFF;
            boolean fromListener = proto == 6 && sHi == a6Hi && sLo == a6Lo && dHi == b6Hi && dLo == b6Lo;
            int owner = fromListener ? listenerLane(6, sport) : ANY;
            if (owner != ANY) {
                return owner;
            }
            return proto == 17 ? datagramLane(sHi, sLo, sport) : flowLane(sHi, sLo, sport, dHi, dLo, dport);
        }
        return ANY;
    }
}
