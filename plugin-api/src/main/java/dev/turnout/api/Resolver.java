package dev.turnout.api;

import io.netty.channel.EventLoop;
import io.netty.util.concurrent.Future;
import java.net.InetAddress;

/** Resolves a domain name to an address, never through the TUN. */
public interface Resolver {

    /** The first usable address for {@code host}; fails with {@link java.net.UnknownHostException}. */
    Future<InetAddress> resolve(String host, EventLoop loop);
}
