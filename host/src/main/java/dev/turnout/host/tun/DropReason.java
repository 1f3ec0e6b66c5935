package dev.turnout.host.tun;

/** Why the packet engine dropped a packet; each has a counter in {@link TunStats}. */
public enum DropReason {
    /** Too short, bad header lengths, bad IPv4 header checksum, version neither 4 nor 6. */
    MALFORMED,
    /**
     * Fragments not put back together ({@link FragmentReassembly}): of anything but UDP, overlapping, too large
     * whole, or whose datagram's other fragments did not come in time or made way for newer datagrams.
     */
    FRAGMENT,
    /** Protocols other than TCP, UDP and ICMP echo, and IPv6 routing/other extension headers. */
    UNSUPPORTED,
    /** ICMP other than echo requests to the TUN's own subnet (those are answered). */
    ICMP,
    /** A TCP segment (not a SYN) for a connection the NAT does not know. */
    TCP_NO_FLOW,
    /** A new TCP connection while the NAT table is full. */
    TCP_TABLE_FULL,
    /** A new UDP flow while the UDP session table is full. */
    UDP_TABLE_FULL,
    /** A datagram while its session was still being opened and its small queue was full. */
    UDP_QUEUE_FULL,
    /** A datagram of a flow whose routing or outbound failed (REJECT, no UDP support, dial error). */
    UDP_FLOW_FAILED,
    /** A reply too large for the TUN's MTU. */
    TOO_BIG,
    /** The TUN refused a write (queue full or error). */
    WRITE_FAILED,
    /** IPv6 while the TUN has none, answered with a reset or an ICMPv6 unreachable ({@link Ipv6Refusal}). */
    IPV6_REFUSED,
    /**
     * A packet read on one TUN queue for a flow another queue's lane owns, while that lane already had
     * {@link FlowOwners#MAX_PENDING} such packets waiting (TCP sends it again).
     */
    HANDOFF_FULL
}
