package dev.turnout.plugins.reject;

import dev.turnout.api.Outbound;
import dev.turnout.api.OutboundContext;
import dev.turnout.api.OutboundOptions;
import dev.turnout.api.OutboundType;
import org.pf4j.Extension;

/**
 * Type {@code reject-drop}: mihomo's built-in {@code REJECT-DROP} is an outbound of this type. A stream hears
 * nothing for {@link #HOLD_MILLIS} and is then refused; a datagram goes nowhere.
 */
@Extension
public final class RejectDropType implements OutboundType {

    /**
     * How long a stream is held unanswered. mihomo holds 60 s; the host ends any dial a plugin has not finished in
     * 30 s as a fault, so this stays below that: long enough for an application to see a network that drops.
     */
    static final long HOLD_MILLIS = 25_000;

    @Override
    public String type() {
        return "reject-drop";
    }

    @Override
    public Outbound create(OutboundOptions options, OutboundContext context) {
        return new RejectOutbound(options.name(), type(), HOLD_MILLIS);
    }
}
