package dev.turnout.api.testing;

import dev.turnout.api.Dialer;
import dev.turnout.api.OutboundContext;
import dev.turnout.api.Resolver;
import dev.turnout.api.TlsOptions;
import dev.turnout.api.WebSocketOptions;
import io.netty.channel.Channel;
import io.netty.util.concurrent.Future;
import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * What the host would hand an outbound, made of test parts: the given dialer and the JDK's resolver. It has
 * no TLS or WebSocket layer: a plugin whose tests need them builds its outbounds with the host's
 * {@code dev.turnout.host.outbound.PluginContext} (a test-scoped dependency on turnout-host).
 */
public record TestContext(Dialer dialer) implements OutboundContext {

    @Override
    public Resolver resolver() {
        return (host, loop) -> {
            try {
                return loop.newSucceededFuture(InetAddress.getByName(host));
            } catch (UnknownHostException e) {
                return loop.newFailedFuture(e);
            }
        };
    }

    @Override
    public Future<Channel> tls(Channel channel, TlsOptions options) {
        throw new UnsupportedOperationException("TestContext has no TLS layer; use the host's PluginContext");
    }

    @Override
    public Future<Channel> webSocket(Channel channel, WebSocketOptions options, String host) {
        throw new UnsupportedOperationException("TestContext has no WebSocket layer; use the host's PluginContext");
    }
}
