package dev.turnout.host.platform.macos;

import io.netty.channel.unix.IntegerUnixChannelOption;

/**
 * macOS's way to pin a socket to an interface: {@code IP_BOUND_IF} / {@code IPV6_BOUND_IF} with the
 * interface's index ({@code <netinet/in.h>}, {@code <netinet6/in6.h>}). The option must match the socket's
 * family: an {@code AF_INET6} socket (Netty's native sockets are dual-stack IPv6 by default) takes
 * {@code IPV6_BOUND_IF}, an {@code AF_INET} one {@code IP_BOUND_IF}.
 */
final class BoundIf {

    static final int IPPROTO_IP = 0;
    static final int IP_BOUND_IF = 25;
    static final int IPPROTO_IPV6 = 41;
    static final int IPV6_BOUND_IF = 125;

    /** {@code AF_INET} / {@code AF_INET6} as macOS numbers them in a {@code sockaddr}. */
    static final int AF_INET = 2;
    static final int AF_INET6 = 30;

    static final IntegerUnixChannelOption IP_OPTION =
            new IntegerUnixChannelOption("IP_BOUND_IF", IPPROTO_IP, IP_BOUND_IF);
    static final IntegerUnixChannelOption IPV6_OPTION =
            new IntegerUnixChannelOption("IPV6_BOUND_IF", IPPROTO_IPV6, IPV6_BOUND_IF);

    private BoundIf() {
    }

    static IntegerUnixChannelOption option(boolean ipv6) {
        return ipv6 ? IPV6_OPTION : IP_OPTION;
    }

    static int level(boolean ipv6) {
        return ipv6 ? IPPROTO_IPV6 : IPPROTO_IP;
    }

    static int optionName(boolean ipv6) {
        return ipv6 ? IPV6_BOUND_IF : IP_BOUND_IF;
    }

    /**
     * Whether a BSD {@code sockaddr} from {@code getsockname} ({@code u8 sa_len, u8 sa_family, ...}) is IPv6.
     *
     * @throws IllegalArgumentException for a family that is neither (not an IP socket)
     */
    static boolean isIpv6(byte[] sockaddr, int length) {
        if (length < 2 || sockaddr.length < 2) {
            throw new IllegalArgumentException("sockaddr too short: " + length + " bytes");
        }
        int family = sockaddr[1] & 0xFF;
        if (family == AF_INET6) {
            return true;
        }
        if (family == AF_INET) {
            return false;
        }
        throw new IllegalArgumentException("not an IP socket (address family " + family + ")");
    }
}
