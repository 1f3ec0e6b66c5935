package dev.turnout.host.tun;

import java.util.Map;

/**
 * Counters of a TUN inbound since start. Read without locking from another thread, so a snapshot may be a
 * packet or two out of step between fields.
 *
 * @param packetsIn packets read from the TUN (not those of flows the kernel rewrites itself, {@code KernelNat},
 *     after their SYN)
 * @param bytesIn their bytes
 * @param packetsOut packets written to the TUN, counted as the kernel delivers them
 * @param bytesOut their bytes
 * @param writesOut writes to the TUN: fewer than {@code packetsOut} where UDP replies went as one packet for the
 *     kernel to cut
 * @param tcpAccepted connections the listener accepted and handed to the tunnel
 * @param tcpFlows NAT entries now
 * @param udpFlows UDP sessions now
 * @param dnsHijacked DNS queries answered by the hijack hook
 * @param drops packets dropped, by reason (every reason present)
 */
public record TunStats(long packetsIn, long bytesIn, long packetsOut, long bytesOut, long writesOut, long tcpAccepted,
                       int tcpFlows, int udpFlows, long dnsHijacked, Map<DropReason, Long> drops) {

    public long drops(DropReason reason) {
        return drops.getOrDefault(reason, 0L);
    }

    /** The sum of two engines' counters (the lanes of a multi-queue TUN). */
    public TunStats plus(TunStats o) {
        Map<DropReason, Long> d = new java.util.EnumMap<>(DropReason.class);
        d.putAll(drops);
        o.drops.forEach((r, v) -> d.merge(r, v, Long::sum));
        return new TunStats(packetsIn + o.packetsIn, bytesIn + o.bytesIn, packetsOut + o.packetsOut,
                bytesOut + o.bytesOut, writesOut + o.writesOut, tcpAccepted + o.tcpAccepted, tcpFlows + o.tcpFlows,
                udpFlows + o.udpFlows, dnsHijacked + o.dnsHijacked, d);
    }

    public long totalDrops() {
        return drops.values().stream().mapToLong(Long::longValue).sum();
    }
}
