package dev.turnout.plugins.socks5;

import dev.turnout.api.OptionException;
import dev.turnout.api.Outbound;
import dev.turnout.api.OutboundContext;
import dev.turnout.api.OutboundOptions;
import dev.turnout.api.OutboundType;
import org.pf4j.Extension;

/**
 * Type {@code socks5}: a SOCKS5 client (RFC 1928) with optional username/password (RFC 1929) and, with
 * {@code udp: true}, UDP ASSOCIATE. Options are those of Clash: {@code server}, {@code port},
 * {@code username}, {@code password}, {@code udp}, {@code tls} (with {@code sni}, {@code skip-cert-verify},
 * {@code alpn}, {@code fingerprint}); plus {@code timeout} for connect and handshake.
 */
@Extension
public final class Socks5Type implements OutboundType {

    @Override
    public String type() {
        return "socks5";
    }

    @Override
    public Outbound create(OutboundOptions options, OutboundContext context) throws OptionException {
        return new Socks5Outbound(options.name(), Socks5Options.from(options, context::warn), context);
    }
}
