package dev.turnout.host.dial;

import io.netty.channel.Channel;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.function.Supplier;

/**
 * Applies the platform's "leave through this interface" option to a socket Turnout opens for itself, so it
 * never loops back into the TUN. Throws when the option cannot be set: the connection must then fail rather
 * than go out unbound.
 */
@FunctionalInterface
public interface SocketBinder {

    void bind(Channel channel) throws Exception;

    /**
     * Binds a socket that will connect to {@code destination} ({@code null}: not known yet); as {@link #bind(Channel)}
     * unless the binder leaves some destinations alone ({@link #skippingLocalDestinations}).
     */
    default void bind(Channel channel, InetAddress destination) throws Exception {
        bind(channel);
    }

    /** For when there is no TUN: nothing to avoid. */
    SocketBinder NONE = channel -> {
    };

    /** This binder, then {@code next} on the same socket, so {@code next}'s choices win where both set one. */
    default SocketBinder andThen(SocketBinder next) {
        if (next == NONE) {
            return this;
        }
        if (this == NONE) {
            return next;
        }
        SocketBinder first = this;
        return new SocketBinder() {
            @Override
            public void bind(Channel channel) throws Exception {
                first.bind(channel);
                next.bind(channel);
            }

            @Override
            public void bind(Channel channel, InetAddress destination) throws Exception {
                first.bind(channel, destination);
                next.bind(channel, destination);
            }
        };
    }

    /**
     * {@code binding} (an interface to leave through) for sockets to global addresses only, as mihomo's dialer binds:
     * a loopback, link-local or multicast destination is reached without it. Bound to the physical interface, a
     * connection to 127.0.0.1 goes nowhere (measured: it times out), and a TUN's "no default route" refusal has no
     * reason to stop one that never leaves the machine.
     */
    static SocketBinder skippingLocalDestinations(SocketBinder binding) {
        return new SocketBinder() {
            @Override
            public void bind(Channel channel) throws Exception {
                binding.bind(channel);
            }

            @Override
            public void bind(Channel channel, InetAddress destination) throws Exception {
                if (destination == null || isGlobal(destination)) {
                    binding.bind(channel, destination);
                }
            }
        };
    }

    /** Whether {@code address} is reached through an interface out of the machine (Go's IsGlobalUnicast). */
    static boolean isGlobal(InetAddress address) {
        if (address.isLoopbackAddress() || address.isLinkLocalAddress() || address.isAnyLocalAddress()
                || address.isMulticastAddress()) {
            return false;
        }
        if (!(address instanceof Inet4Address)) {
            return true;
        }
        byte[] a = address.getAddress(); // a copy: read once, and only here (each connection Turnout makes asks)
        return (a[0] & a[1] & a[2] & a[3]) != (byte) 255; // 255.255.255.255, the limited broadcast
    }

    /** The binder {@code current} gives at each socket (the TUN switched on or off meanwhile), both ways of binding. */
    static SocketBinder current(Supplier<SocketBinder> current) {
        return new SocketBinder() {
            @Override
            public void bind(Channel channel) throws Exception {
                current.get().bind(channel);
            }

            @Override
            public void bind(Channel channel, InetAddress destination) throws Exception {
                current.get().bind(channel, destination);
            }
        };
    }
}
