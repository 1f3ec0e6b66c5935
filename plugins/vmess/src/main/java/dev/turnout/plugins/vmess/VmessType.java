package dev.turnout.plugins.vmess;

import dev.turnout.api.OptionException;
import dev.turnout.api.Outbound;
import dev.turnout.api.OutboundContext;
import dev.turnout.api.OutboundOptions;
import dev.turnout.api.OutboundType;
import org.pf4j.Extension;

/**
 * Type {@code vmess}: V2Ray's VMess with the AEAD header (also for an {@code alterId} above 0, which servers take
 * the same way), over tcp, ws or grpc, with or without TLS, or h2; UDP as VMess UDP streams. Options are Clash's: {@code server}, {@code port}, {@code uuid},
 * {@code alterId}, {@code cipher}, {@code udp}, {@code network}, {@code ws-opts}, {@code grpc-opts},
 * {@code h2-opts}, {@code tls}, {@code servername}, {@code skip-cert-verify}, {@code alpn}, {@code fingerprint},
 * {@code global-padding}; plus {@code timeout} for connecting.
 */
@Extension
public final class VmessType implements OutboundType {

    @Override
    public String type() {
        return "vmess";
    }

    @Override
    public Outbound create(OutboundOptions options, OutboundContext context) throws OptionException {
        return new VmessOutbound(options.name(), VmessOptions.from(options, context::warn), context);
    }
}
