package dev.turnout.host.platform.linux;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** The {@code struct sockaddr_in} or {@code sockaddr_in6} that {@code SO_ORIGINAL_DST} fills in. */
final class OriginalDestination {

    private static final int AF_INET = 2;
    private static final int AF_INET6 = 10;

    private OriginalDestination() {
    }

    /** The address and port in {@code raw} (family in host order, port and address in network order). */
    static InetSocketAddress decode(ByteBuffer raw) throws IOException {
        // Absolute reads: how far Netty moved the buffer's position and limit is its own business.
        ByteBuffer b = raw.duplicate().clear();
        int family = b.order(ByteOrder.nativeOrder()).getShort(0) & 0xffff;
        int port = b.order(ByteOrder.BIG_ENDIAN).getShort(2) & 0xffff;
        byte[] address;
        if (family == AF_INET && b.limit() >= 8) {
            address = new byte[4];
            b.get(4, address);
        } else if (family == AF_INET6 && b.limit() >= 24) {
            address = new byte[16];
            b.get(8, address);
        } else {
            throw new IOException("SO_ORIGINAL_DST gave address family " + family);
        }
        try {
            return new InetSocketAddress(InetAddress.getByAddress(address), port);
        } catch (UnknownHostException e) {
            throw new IOException(e);
        }
    }
}
