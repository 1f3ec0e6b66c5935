package dev.turnout.plugins.reject;

import dev.turnout.api.OptionException;
import dev.turnout.api.Outbound;
import dev.turnout.api.OutboundContext;
import dev.turnout.api.OutboundOptions;
import dev.turnout.api.OutboundType;
import org.pf4j.Extension;

/** Type {@code reject}: refuses every flow at once. Clash's built-in {@code REJECT} is an outbound of this type. */
@Extension
public final class RejectType implements OutboundType {

    @Override
    public String type() {
        return "reject";
    }

    @Override
    public Outbound create(OutboundOptions options, OutboundContext context) throws OptionException {
        return new RejectOutbound(options.name(), type(), 0);
    }
}
