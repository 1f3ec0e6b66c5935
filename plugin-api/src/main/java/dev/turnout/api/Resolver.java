package dev.turnout.api;

import io.netty.channel.EventLoop;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import java.net.InetAddress;
import java.util.List;

/** Resolves a domain name to an address, never through the TUN. */
public interface Resolver {

    /** The first usable address for {@code host}; fails with {@link java.net.UnknownHostException}. */
    Future<InetAddress> resolve(String host, EventLoop loop);

    /**
     * Every address of {@code host}, in the order to try them (never empty on success): a dialer tries the next when
     * one does not answer. Resolvers that know one address only give it alone.
     */
    default Future<List<InetAddress>> resolveAll(String host, EventLoop loop) {
        Promise<List<InetAddress>> all = loop.newPromise();
        resolve(host, loop).addListener(f -> {
            if (f.isSuccess()) {
                all.trySuccess(List.of((InetAddress) f.getNow()));
            } else {
                all.tryFailure(f.cause());
            }
        });
        return all;
    }
}
