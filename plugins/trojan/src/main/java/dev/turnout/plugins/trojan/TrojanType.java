package dev.turnout.plugins.trojan;

import dev.turnout.api.OptionException;
import dev.turnout.api.Outbound;
import dev.turnout.api.OutboundContext;
import dev.turnout.api.OutboundOptions;
import dev.turnout.api.OutboundType;
import org.pf4j.Extension;

/**
 * Type {@code trojan}: the Trojan protocol (trojan-gfw's) over TLS, optionally over a WebSocket
 * ({@code network: ws}) or a gRPC call ({@code network: grpc}), with UDP over the same stream when
 * {@code udp: true}. Options are Clash's:
 * {@code server}, {@code port}, {@code password}, {@code sni}, {@code skip-cert-verify}, {@code alpn},
 * {@code fingerprint}, {@code udp}, {@code network}, {@code ws-opts}, {@code grpc-opts}.
 */
@Extension
public final class TrojanType implements OutboundType {

    @Override
    public String type() {
        return "trojan";
    }

    @Override
    public Outbound create(OutboundOptions options, OutboundContext context) throws OptionException {
        return new TrojanOutbound(options.name(), TrojanOptions.from(options, context::warn), context);
    }
}
