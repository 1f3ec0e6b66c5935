package dev.turnout.host.provider;

import dev.turnout.api.Outbound;
import dev.turnout.host.config.Config;
import dev.turnout.host.config.ConfigException;
import dev.turnout.host.config.ProxyProviderEntry;
import dev.turnout.host.dial.Transport;
import dev.turnout.host.dial.layer.TlsLayer;
import dev.turnout.host.outbound.OutboundFactory;
import dev.turnout.host.outbound.Outbounds;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import java.io.IOException;
import java.util.concurrent.TimeUnit;

/**
 * Downloads providers through the outbound each names in {@code proxy:} (DIRECT when none): the running
 * config's outbounds for a refresh on request, or, while a config is being compiled, its own outbounds built
 * once without provider nodes (a provider cannot be fetched through its own nodes). Its event loop and those
 * outbounds live until {@link #close}.
 */
public final class ProviderFetch implements ProxyProviders.Downloader, AutoCloseable {

    private final OutboundFactory factory;
    private final Config config;
    private final SubscriptionClient client = new SubscriptionClient(TlsLayer.fromEnvironment());
    private Outbounds outbounds;
    private final boolean ownsOutbounds;
    private EventLoopGroup loop;

    private ProviderFetch(OutboundFactory factory, Config config, Outbounds outbounds) {
        this.factory = factory;
        this.config = config;
        this.outbounds = outbounds;
        this.ownsOutbounds = outbounds == null;
    }

    /** Fetches through the outbounds of {@code config}, built by {@code factory} at the first download. */
    public static ProviderFetch compiling(OutboundFactory factory, Config config) {
        return new ProviderFetch(factory, config, null);
    }

    /** Fetches through outbounds that are running; they stay open after {@link #close}. */
    public static ProviderFetch over(Outbounds running) {
        return new ProviderFetch(null, null, running);
    }

    /** Safe from several threads at once: only setting up is serialised, the downloads run side by side. */
    @Override
    public SubscriptionClient.Response download(ProxyProviderEntry p, long maxBytes)
            throws IOException, InterruptedException {
        String via = p.proxy() == null ? "DIRECT" : p.proxy();
        Outbound out;
        EventLoop on;
        synchronized (this) {
            if (outbounds == null) {
                try {
                    outbounds = factory.build(config);
                } catch (ConfigException e) {
                    throw new IOException("the outbounds to download through cannot be built: " + e.getMessage(), e);
                }
            }
            out = outbounds.get(via);
            if (loop == null) {
                loop = Transport.newGroup(1, "turnout-provider-fetch");
            }
            on = loop.next();
        }
        if (out == null) {
            throw new IOException("'proxy' names '" + via + "', which is not an outbound or group of the config");
        }
        return client.get(p.url(), p.headers(), maxBytes, out, on);
    }

    @Override
    public synchronized void close() {
        if (ownsOutbounds && outbounds != null) {
            outbounds.close();
        }
        if (loop != null) {
            loop.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        }
    }
}
