package dev.turnout.host.platform.linux;

import com.sun.jna.LastErrorException;
import com.sun.jna.NativeLong;
import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * Asks the kernel who owns a socket, through {@code NETLINK_SOCK_DIAG}: one {@code SOCK_DIAG_BY_FAMILY} dump
 * request ({@code struct inet_diag_req_v2}) filtered by the socket's local port (and, for TCP, its remote port,
 * which the kernel filters on too), answered with {@code struct inet_diag_msg}s that carry the socket's uid and
 * inode. mihomo's component/process/process_linux.go asks the same way; unlike it, the answer is taken only from
 * a socket whose local address is the flow's (or the wildcard, for an unconnected UDP socket).
 */
final class SockDiag {

    static final int SOCK_DIAG_BY_FAMILY = 20;
    static final int NLM_F_REQUEST = 0x1;
    static final int NLM_F_DUMP = 0x300;
    static final int NLMSG_ERROR = 2;
    static final int NLMSG_DONE = 3;
    static final int AF_INET = 2;
    static final int AF_INET6 = 10;
    static final int IPPROTO_TCP = 6;
    static final int IPPROTO_UDP = 17;

    private static final int NLMSG_HDRLEN = 16;
    /** {@code sizeof(struct inet_diag_req_v2)}. */
    private static final int REQ_LEN = 56;
    /** {@code sizeof(struct inet_diag_msg)}: family..retrans (4), the socket id (48), expires..inode (20). */
    private static final int MSG_LEN = 72;

    /** What the kernel said about one socket. */
    record Found(long uid, long inode) {
    }

    private SockDiag() {
    }

    /** The owner of the socket bound to {@code local}, or null when the kernel knows none. */
    static Found query(boolean udp, InetSocketAddress local, int remotePort) throws IOException {
        InetAddress address = local.getAddress();
        byte[] raw = address.getAddress();
        Found found = ask(udp, raw.length == 4 ? AF_INET : AF_INET6, raw, local.getPort(), remotePort);
        if (found == null && address instanceof Inet4Address) {
            // A dual-stack application socket holds an IPv4 peer as ::ffff:a.b.c.d.
            byte[] mapped = new byte[16];
            mapped[10] = (byte) 0xff;
            mapped[11] = (byte) 0xff;
            System.arraycopy(raw, 0, mapped, 12, 4);
            found = ask(udp, AF_INET6, mapped, local.getPort(), remotePort);
        }
        return found;
    }

    private static Found ask(boolean udp, int family, byte[] source, int sourcePort, int remotePort)
            throws IOException {
        int fd;
        try {
            fd = LibC.socket(LibC.AF_NETLINK, LibC.SOCK_DGRAM | LibC.SOCK_CLOEXEC, LibC.NETLINK_SOCK_DIAG);
        } catch (LastErrorException e) {
            throw new IOException("cannot open a sock_diag netlink socket: errno " + e.getErrorCode(), e);
        }
        try {
            // A kernel that never answers must not hold the flow: give up after a second.
            byte[] timeout = ByteBuffer.allocate(16).order(ByteOrder.nativeOrder()).putLong(1).putLong(0).array();
            LibC.setsockopt(fd, LibC.SOL_SOCKET, LibC.SO_RCVTIMEO, timeout, timeout.length);
            byte[] request = request(udp, family, source, sourcePort, udp ? 0 : remotePort);
            LibC.send(fd, request, new NativeLong(request.length), 0);
            byte[] buf = new byte[32 * 1024];
            Found wildcard = null;
            for (int reads = 0; reads < 10_000; reads++) {
                int n = LibC.recv(fd, buf, new NativeLong(buf.length), 0).intValue();
                Reply reply = parse(ByteBuffer.wrap(buf, 0, n), source);
                if (reply.exact() != null) {
                    return reply.exact();
                }
                wildcard = wildcard == null ? reply.wildcard() : wildcard;
                if (reply.done()) {
                    break;
                }
            }
            return wildcard;
        } catch (LastErrorException e) {
            throw new IOException("sock_diag query failed: errno " + e.getErrorCode(), e);
        } finally {
            LibC.close(fd);
        }
    }

    /** A {@code SOCK_DIAG_BY_FAMILY} dump request for sockets of any state with this local (and remote) port. */
    static byte[] request(boolean udp, int family, byte[] source, int sourcePort, int remotePort) {
        ByteBuffer b = ByteBuffer.allocate(NLMSG_HDRLEN + REQ_LEN).order(ByteOrder.nativeOrder());
        b.putInt(NLMSG_HDRLEN + REQ_LEN).putShort((short) SOCK_DIAG_BY_FAMILY)
                .putShort((short) (NLM_F_REQUEST | NLM_F_DUMP)).putInt(1).putInt(0);
        b.put((byte) family).put((byte) (udp ? IPPROTO_UDP : IPPROTO_TCP)).put((byte) 0).put((byte) 0);
        b.putInt(0xFFFFFFFF); // every state
        b.order(ByteOrder.BIG_ENDIAN).putShort((short) sourcePort).putShort((short) remotePort);
        byte[] src = Arrays.copyOf(source, 16);
        b.put(src).put(new byte[16]);
        b.order(ByteOrder.nativeOrder()).putInt(0).putInt(0xFFFFFFFF).putInt(0xFFFFFFFF); // any interface, no cookie
        return b.array();
    }

    /**
     * One read's worth of answers: the first socket bound to {@code source}, the first bound to the wildcard
     * address (an unconnected UDP socket), and whether the dump ended.
     */
    record Reply(Found exact, Found wildcard, boolean done) {
    }

    static Reply parse(ByteBuffer in, byte[] source) throws IOException {
        ByteBuffer b = in.slice().order(ByteOrder.nativeOrder());
        Found exact = null;
        Found wildcard = null;
        boolean done = false;
        int at = 0;
        while (at + NLMSG_HDRLEN <= b.limit()) {
            int len = b.getInt(at);
            int type = b.getShort(at + 4) & 0xFFFF;
            if (len < NLMSG_HDRLEN || at + len > b.limit()) {
                throw new IOException("malformed sock_diag answer");
            }
            if (type == NLMSG_DONE) {
                done = true;
                break;
            }
            if (type == NLMSG_ERROR) {
                int errno = len >= NLMSG_HDRLEN + 4 ? -b.getInt(at + NLMSG_HDRLEN) : 0;
                throw new IOException("sock_diag answered errno " + errno);
            }
            if (type == SOCK_DIAG_BY_FAMILY && len >= NLMSG_HDRLEN + MSG_LEN) {
                int m = at + NLMSG_HDRLEN;
                byte[] src = new byte[source.length];
                b.get(m + 8, src);
                long uid = b.getInt(m + 64) & 0xFFFFFFFFL;
                long inode = b.getInt(m + 68) & 0xFFFFFFFFL;
                if (inode != 0) { // 0: a TIME_WAIT socket, which no process holds
                    if (Arrays.equals(src, source)) {
                        exact = exact == null ? new Found(uid, inode) : exact;
                    } else if (Arrays.equals(src, new byte[source.length])) {
                        wildcard = wildcard == null ? new Found(uid, inode) : wildcard;
                    }
                }
            }
            at += (len + 3) & ~3;
        }
        return new Reply(exact, wildcard, done);
    }
}
