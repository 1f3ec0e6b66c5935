package dev.turnout.host.dial;

import io.netty.channel.Channel;

/**
 * Applies the platform's "leave through this interface" option to a socket Turnout opens for itself, so it
 * never loops back into the TUN. Throws when the option cannot be set: the connection must then fail rather
 * than go out unbound.
 */
@FunctionalInterface
public interface SocketBinder {

    void bind(Channel channel) throws Exception;

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
        return channel -> {
            bind(channel);
            next.bind(channel);
        };
    }
}
