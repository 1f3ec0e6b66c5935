package dev.turnout.host.outbound;

import dev.turnout.api.Dialer;
import dev.turnout.api.GrpcCalls;
import dev.turnout.api.GrpcOptions;
import dev.turnout.api.H2Options;
import dev.turnout.api.OutboundContext;
import dev.turnout.api.Resolver;
import dev.turnout.api.TlsOptions;
import dev.turnout.api.WebSocketOptions;
import dev.turnout.host.dial.layer.GrpcLayer;
import dev.turnout.host.dial.layer.H2Layer;
import dev.turnout.host.dial.layer.TlsLayer;
import dev.turnout.host.dial.layer.WebSocketLayer;
import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.Future;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;
import java.util.function.BiConsumer;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the host hands a plugin building an outbound. Public so that plugin modules' tests can build their
 * outbounds exactly as the host does, TLS, WebSocket, gRPC and h2 included.
 */
public record PluginContext(Dialer dialer, Resolver resolver, TlsLayer tlsLayer, WebSocketLayer webSocketLayer,
                            Optional<EntryFiles> files, BiConsumer<String, String> warnings) implements OutboundContext {

    private static final Logger LOG = LoggerFactory.getLogger(PluginContext.class);

    /**
     * A context with no home folder (relative paths cannot be read) whose warnings are logged, as in the plugins'
     * own tests.
     */
    public PluginContext(Dialer dialer, Resolver resolver, TlsLayer tlsLayer, WebSocketLayer webSocketLayer) {
        this(dialer, resolver, tlsLayer, webSocketLayer, Optional.empty(),
                (key, message) -> LOG.warn("{}", key == null ? message : "'" + key + "': " + message));
    }

    @Override
    public void warn(String key, String message) {
        warnings.accept(key, message);
    }

    /** A context with the host's TLS (JDK trust store plus {@code SSL_CERT_FILE}) and WebSocket layers. */
    public static PluginContext of(Dialer dialer, Resolver resolver) {
        return new PluginContext(dialer, resolver, TlsLayer.fromEnvironment(), new WebSocketLayer());
    }

    /** They hold nothing between calls, so one of each serves every context. */
    private static final GrpcLayer GRPC = new GrpcLayer();
    private static final H2Layer H2 = new H2Layer();

    @Override
    public Optional<Path> homeFolder() {
        return files.map(EntryFiles::home);
    }

    @Override
    public byte[] readFile(String path) throws IOException {
        return files.isPresent() ? files.get().read(path) : OutboundContext.super.readFile(path);
    }

    @Override
    public Future<Channel> tls(Channel channel, TlsOptions options) {
        return tlsLayer.start(channel, options);
    }

    @Override
    public Future<Channel> webSocket(Channel channel, WebSocketOptions options, String host) {
        return webSocketLayer.start(channel, options, host);
    }

    @Override
    public Future<Channel> grpc(Channel channel, GrpcOptions options, String authority) {
        return GRPC.start(channel, options, authority);
    }

    @Override
    public GrpcCalls grpcCalls(GrpcOptions options, String authority, Function<EventLoop, Future<Channel>> connect) {
        return GRPC.calls(options, authority, connect);
    }

    @Override
    public Future<Channel> h2(Channel channel, H2Options options) {
        return H2.start(channel, options);
    }
}
