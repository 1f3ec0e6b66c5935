package dev.turnout.plugins.http;

import dev.turnout.api.OptionException;
import dev.turnout.api.Outbound;
import dev.turnout.api.OutboundContext;
import dev.turnout.api.OutboundOptions;
import dev.turnout.api.OutboundType;
import org.pf4j.Extension;

/**
 * Type {@code http}: an HTTP proxy reached with {@code CONNECT} (RFC 9110 section 9.3.6), with optional
 * basic authentication. Options are those of Clash: {@code server}, {@code port}, {@code username},
 * {@code password}; plus {@code timeout} for connect and handshake. Streams only: HTTP proxies carry no
 * UDP.
 */
@Extension
public final class HttpConnectType implements OutboundType {

    @Override
    public String type() {
        return "http";
    }

    @Override
    public Outbound create(OutboundOptions options, OutboundContext context) throws OptionException {
        return new HttpConnectOutbound(options.name(), HttpConnectOptions.from(options, context::warn), context);
    }
}
