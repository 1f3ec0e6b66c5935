package dev.turnout.plugins.vless;

import dev.turnout.api.OptionException;
import dev.turnout.api.Outbound;
import dev.turnout.api.OutboundContext;
import dev.turnout.api.OutboundOptions;
import dev.turnout.api.OutboundType;
import org.pf4j.Extension;

/**
 * Type {@code vless}: V2Ray's VLESS without flow control (no XTLS), over tcp, ws or grpc, with or without TLS, or
 * h2; UDP as VLESS UDP streams. Options are Clash's: {@code server}, {@code port}, {@code uuid}, {@code udp},
 * {@code network}, {@code ws-opts}, {@code grpc-opts}, {@code h2-opts}, {@code tls}, {@code servername},
 * {@code skip-cert-verify}, {@code alpn}, {@code fingerprint}; plus {@code timeout} for connecting. {@code flow}
 * is refused.
 */
@Extension
public final class VlessType implements OutboundType {

    @Override
    public String type() {
        return "vless";
    }

    @Override
    public Outbound create(OutboundOptions options, OutboundContext context) throws OptionException {
        return new VlessOutbound(options.name(), VlessOptions.from(options, context::warn), context);
    }
}
