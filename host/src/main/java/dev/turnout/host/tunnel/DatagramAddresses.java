package dev.turnout.host.tunnel;

import dev.turnout.api.Destination;
import dev.turnout.api.Metadata;
import java.net.InetSocketAddress;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * The addresses of one datagram session, seen from both sides: where a datagram the application wrote goes (a
 * fake address becomes its name, for every destination of the session, not only the one it was routed for), and
 * which address a reply shows the application (the fake address it wrote to when the reply comes from that name,
 * the sender itself otherwise).
 *
 * <p>An application socket is one session whatever it sends to (the TUN's full-cone NAT), so a reply may come from
 * a destination it wrote to by address, from a name's address, or from a peer it never wrote to (which it then
 * hears from the peer's own address). A name's address is what the outbound resolved, not known here: a reply
 * from the port of a name the socket wrote to, and from no address it wrote to, is that name's; the session's
 * first destination comes first when several names share the port.
 *
 * <p>Used on the session's event loop only.
 */
final class DatagramAddresses {

    /** The most destinations a session remembers apart from its first; datagrams to further fake ones are dropped. */
    static final int MAX_DESTINATIONS = 64;

    private final FakeIps fakes;
    private final Metadata flow;
    private final Destination written;
    private final Destination routed;
    private final InetSocketAddress writtenAddress;
    /** Fake destinations after the first, each with its name (pinned for {@code flow} with that destination). */
    private final Map<Destination, Destination> names = new LinkedHashMap<>();
    /** Destinations after the first that were written by their real address. */
    private final Set<Destination> byAddress = new HashSet<>();
    private InetSocketAddress lastSender;
    private InetSocketAddress lastShown;

    /**
     * @param flow    the session's flow as the application wrote it (its destination is {@code written})
     * @param routed  where the outbound was asked to send {@code written}'s datagrams (its name, when fake)
     */
    DatagramAddresses(FakeIps fakes, Metadata flow, Destination routed) {
        this.fakes = fakes;
        this.flow = flow;
        this.written = flow.destination();
        this.routed = routed;
        this.writtenAddress = written.hasAddress() ? socketAddress(written) : null;
    }

    /** Where a datagram the application wrote to {@code to} goes; {@code null}: nowhere (a fake address that names nothing). */
    Destination toOutbound(Destination to) {
        if (to.equals(written)) {
            return routed;
        }
        Destination named = names.get(to);
        if (named != null) {
            return named;
        }
        if (!to.hasAddress() || byAddress.contains(to)) {
            return to;
        }
        Metadata asked = flow.withDestination(to);
        Metadata restored = fakes.restore(asked);
        if (restored == null) {
            return null;
        }
        if (restored == asked) {
            if (byAddress.size() < MAX_DESTINATIONS) {
                byAddress.add(to);
                lastSender = null; // a sender shown as a name's before may now be one the application wrote to
            }
            return to;
        }
        if (names.size() >= MAX_DESTINATIONS) {
            fakes.release(asked);
            return null;
        }
        names.put(to, restored.destination());
        lastSender = null; // a sender shown as itself before may now be this name's
        return restored.destination();
    }

    /** The address a reply from {@code sender} shows the application. */
    InetSocketAddress toApplication(InetSocketAddress sender) {
        if (sender == null) {
            return null;
        }
        if (sender.equals(lastSender)) {
            return lastShown;
        }
        InetSocketAddress shown = shown(sender);
        lastSender = sender;
        lastShown = shown;
        return shown;
    }

    private InetSocketAddress shown(InetSocketAddress sender) {
        if (sender.isUnresolved()) {
            // An outbound that reports the destination as it was asked (a name): the name's fake address.
            if (sameName(routed, sender) && writtenAddress != null) {
                return writtenAddress;
            }
            for (Map.Entry<Destination, Destination> e : names.entrySet()) {
                if (sameName(e.getValue(), sender)) {
                    return socketAddress(e.getKey());
                }
            }
            return sender;
        }
        Destination from = Destination.ofAddress(sender.getAddress(), sender.getPort());
        if (writtenAddress != null && writtenAddress.equals(sender) || byAddress.contains(from)) {
            return sender;
        }
        if (!routed.hasAddress() && routed.port() == sender.getPort() && writtenAddress != null) {
            return writtenAddress;
        }
        for (Map.Entry<Destination, Destination> e : names.entrySet()) {
            if (e.getValue().port() == sender.getPort()) {
                return socketAddress(e.getKey());
            }
        }
        return sender;
    }

    private static InetSocketAddress socketAddress(Destination byAddress) {
        return new InetSocketAddress(byAddress.address(), byAddress.port());
    }

    private static boolean sameName(Destination d, InetSocketAddress sender) {
        return d.hasHost() && !d.hasAddress() && d.port() == sender.getPort()
                && d.host().equalsIgnoreCase(sender.getHostString());
    }

    /** Lets go of the names pinned for destinations after the first. */
    void release() {
        for (Destination fake : names.keySet()) {
            fakes.release(flow.withDestination(fake));
        }
        names.clear();
    }
}
