package dev.turnout.host.tun;

import io.netty.buffer.ByteBuf;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.Future;

/**
 * The hook through which the DNS module answers the applications' UDP DNS queries that match
 * {@code dns-hijack} (e.g. {@code any:53}), instead of sending them to the destination they named.
 *
 * <p>Asynchronous, because answering usually means asking an upstream: the engine must never wait on its
 * packet loop. TCP DNS to the same targets is answered by {@code TcpDnsHijack}, a tunnel in front of the router.
 */
@FunctionalInterface
public interface DnsHijack {

    /**
     * Answers one query.
     *
     * @param query the UDP payload (a DNS message); the hook owns it and must release it
     * @param loop the packet engine's loop, for the returned future
     * @return the response payload (the engine takes ownership and releases it), or a future of null to drop
     *     the query; returning null itself (not a future) means "not mine": the datagram is routed as usual
     */
    Future<ByteBuf> answer(ByteBuf query, EventLoop loop);
}
