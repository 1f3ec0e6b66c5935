package dev.turnout.plugins.direct;

import dev.turnout.api.OptionException;
import dev.turnout.api.Outbound;
import dev.turnout.api.OutboundContext;
import dev.turnout.api.OutboundOptions;
import dev.turnout.api.OutboundType;
import org.pf4j.Extension;

/**
 * Type {@code direct}: connections leave through the host's own dialer. Clash's built-in {@code DIRECT} is
 * an outbound of this type.
 */
@Extension
public final class DirectType implements OutboundType {

    @Override
    public String type() {
        return "direct";
    }

    @Override
    public Outbound create(OutboundOptions options, OutboundContext context) throws OptionException {
        // No options of its own; keys shared by every entry (dialer-proxy, udp ...) are the host's business.
        return new DirectOutbound(options.name(), context.dialer());
    }
}
