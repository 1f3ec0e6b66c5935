package dev.turnout.host.outbound;

import dev.turnout.host.dial.SocketBinder;
import dev.turnout.host.dial.Transport;
import dev.turnout.host.platform.Platform;
import io.netty.channel.unix.RawUnixChannelOption;
import io.netty.channel.unix.UnixChannel;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * A proxy's own {@code interface-name} and {@code routing-mark} (or the config's top-level ones, for every
 * socket Turnout opens for itself): its connections to its server leave
 * through that interface (the platform's binder, as the TUN's own sockets use) and carry that fwmark
 * ({@code SO_MARK}, Linux with the native transport; root or CAP_NET_ADMIN). Either failing fails the
 * connection rather than letting it out unmarked.
 */
public record ProxySockets(String interfaceName, int routingMark) {

    /** Linux's SOL_SOCKET / SO_MARK (asm-generic/socket.h); Netty's epoll options have no SO_MARK. */
    private static final RawUnixChannelOption SO_MARK = new RawUnixChannelOption("SO_MARK", 1, 36, Integer.BYTES);

    public boolean any() {
        return interfaceName != null || routingMark != 0;
    }

    /** Why {@code routing-mark} cannot be applied here, or {@code null} when it can. */
    public static String markUnsupported() {
        return Transport.isEpoll() ? null : "SO_MARK needs Linux and Netty's native epoll transport";
    }

    public SocketBinder binder() {
        String ifName = interfaceName;
        int mark = routingMark;
        SocketBinder leaving = ifName == null ? SocketBinder.NONE
                : SocketBinder.skippingLocalDestinations(channel -> Platform.current().bindToInterface(channel, ifName));
        return leaving.andThen(mark == 0 ? SocketBinder.NONE : channel -> mark(channel, mark));
    }

    private static void mark(io.netty.channel.Channel channel, int mark) throws IOException {
        if (!(channel instanceof UnixChannel)) {
            throw new IOException("SO_MARK needs a native epoll channel, not " + channel.getClass().getSimpleName());
        }
        ByteBuffer value = ByteBuffer.allocateDirect(Integer.BYTES).order(ByteOrder.nativeOrder());
        value.putInt(0, mark);
        boolean set;
        try {
            set = channel.config().setOption(SO_MARK, value);
        } catch (RuntimeException e) {
            throw new IOException("SO_MARK " + mark + " failed: " + e.getMessage(), e);
        }
        if (!set) {
            throw new IOException("SO_MARK not supported by " + channel.getClass().getSimpleName());
        }
    }
}
