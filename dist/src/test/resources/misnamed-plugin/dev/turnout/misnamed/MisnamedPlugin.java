package dev.turnout.misnamed;

import dev.turnout.api.OptionException;
import dev.turnout.api.Outbound;
import dev.turnout.api.OutboundContext;
import dev.turnout.api.OutboundOptions;
import dev.turnout.api.OutboundType;
import org.pf4j.Extension;
import org.pf4j.Plugin;

/** A plugin whose outbound type's name no config could write: {@code type: My Proxy}. */
public class MisnamedPlugin extends Plugin {

    @Extension
    public static final class MisnamedType implements OutboundType {
        @Override
        public String type() {
            return "My Proxy";
        }

        @Override
        public Outbound create(OutboundOptions options, OutboundContext context) throws OptionException {
            throw new OptionException("type", "never built");
        }
    }
}
