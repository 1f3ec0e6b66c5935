package dev.turnout.host.dns;

import io.netty.handler.codec.dns.DefaultDnsOptEcsRecord;
import io.netty.handler.codec.dns.DnsOptEcsRecord;
import io.netty.util.NetUtil;
import java.net.Inet4Address;
import java.net.InetAddress;

/**
 * The client subnet a nameserver is told about (mihomo's {@code #ecs=1.1.1.0/24}): RFC 7871's EDNS Client Subnet,
 * which lets a server that answers by place (a CDN's) answer for that subnet rather than for where the query comes
 * from.
 *
 * @param address            the subnet's first address: the written one with the bits past the prefix cleared, as
 *                           RFC 7871 (section 6) wants it sent
 * @param sourcePrefixLength how many leading bits of {@code address} are told
 */
public record ClientSubnet(InetAddress address, int sourcePrefixLength) {

    public ClientSubnet {
        int bits = address instanceof Inet4Address ? 32 : 128;
        if (sourcePrefixLength < 0 || sourcePrefixLength > bits) {
            throw new IllegalArgumentException("prefix /" + sourcePrefixLength + " is longer than an "
                    + (bits == 32 ? "IPv4" : "IPv6") + " address (" + bits + " bits)");
        }
        address = new Cidr(address, sourcePrefixLength).network();
    }

    /**
     * Reads mihomo's value: a prefix ({@code 198.51.100.0/24}, {@code 2001:db8::/56}), or, as mihomo takes it, a
     * lone address for itself alone ({@code /32}, {@code /128}).
     *
     * @throws IllegalArgumentException saying what is wrong, without the server (the caller names it)
     */
    public static ClientSubnet parse(String text) {
        String s = text == null ? "" : text.trim();
        int slash = s.indexOf('/');
        String addressPart = slash < 0 ? s : s.substring(0, slash);
        InetAddress address = IpLiteral.parse(addressPart);
        if (address == null || addressPart.startsWith("[")) {
            throw new IllegalArgumentException("ecs '" + s + "' is not an address prefix such as 198.51.100.0/24 "
                    + "or 2001:db8::/56");
        }
        if (slash < 0) {
            return new ClientSubnet(address, address instanceof Inet4Address ? 32 : 128);
        }
        String length = s.substring(slash + 1);
        if (length.isEmpty() || length.length() > 3 || !length.chars().allMatch(c -> c >= '0' && c <= '9')) {
            throw new IllegalArgumentException("ecs '" + s + "': '" + length + "' is not a prefix length");
        }
        try {
            return new ClientSubnet(address, Integer.parseInt(length));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("ecs '" + s + "': " + e.getMessage(), e);
        }
    }

    /** Whether it is an IPv4 subnet (RFC 7871's family 1; IPv6 is family 2). */
    public boolean isIpv4() {
        return address instanceof Inet4Address;
    }

    /**
     * The OPT record that carries it, in place of a query's plain one: it advertises {@code udpPayloadSize} as
     * that one would. Netty writes only the prefix's bytes of the address, and a scope of 0, as a query's must be.
     */
    DnsOptEcsRecord optRecord(int udpPayloadSize) {
        return new DefaultDnsOptEcsRecord(udpPayloadSize, sourcePrefixLength, address.getAddress());
    }

    /** As mihomo writes it: {@code 198.51.100.0/24}, {@code 2001:db8::/56}. */
    @Override
    public String toString() {
        return NetUtil.toAddressString(address) + "/" + sourcePrefixLength;
    }
}
