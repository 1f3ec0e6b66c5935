package dev.turnout.host.outbound;

import dev.turnout.api.Dialer;
import dev.turnout.api.OutboundContext;
import dev.turnout.api.Resolver;
import dev.turnout.api.TlsOptions;
import dev.turnout.api.WebSocketOptions;
import dev.turnout.host.dial.layer.TlsLayer;
import dev.turnout.host.dial.layer.WebSocketLayer;
import io.netty.channel.Channel;
import io.netty.util.concurrent.Future;

/**
 * What the host hands a plugin building an outbound. Public so that plugin modules' tests can build their
 * outbounds exactly as the host does, TLS and WebSocket included.
 */
public record PluginContext(Dialer dialer, Resolver resolver, TlsLayer tlsLayer, WebSocketLayer webSocketLayer)
        implements OutboundContext {

    /** A context with the host's TLS (JDK trust store plus {@code SSL_CERT_FILE}) and WebSocket layers. */
    public static PluginContext of(Dialer dialer, Resolver resolver) {
        return new PluginContext(dialer, resolver, TlsLayer.fromEnvironment(), new WebSocketLayer());
    }

    @Override
    public Future<Channel> tls(Channel channel, TlsOptions options) {
        return tlsLayer.start(channel, options);
    }

    @Override
    public Future<Channel> webSocket(Channel channel, WebSocketOptions options, String host) {
        return webSocketLayer.start(channel, options, host);
    }
}
