package dev.turnout.host.plugin;

import dev.turnout.api.Outbound;
import dev.turnout.api.OutboundContext;
import dev.turnout.api.OutboundOptions;
import dev.turnout.api.OutboundType;
import org.pf4j.Plugin;

/** Plugin and outbound type classes for {@link PluginHostTest}, copied into jars (see {@code PluginHostTest.plugin}). */
public final class TestPlugins {

    private TestPlugins() {
    }

    /** A plugin that does nothing. */
    public static class Plain extends Plugin {
    }

    /** A plugin whose constructor throws, as a plugin's bug would. */
    public static class ThrowingPlugin extends Plugin {
        public ThrowingPlugin() {
            throw new IllegalStateException("plugin constructor fails on purpose");
        }
    }

    /** A type that builds nothing; the subclasses only name it. */
    public abstract static class Named implements OutboundType {
        @Override
        public Outbound create(OutboundOptions options, OutboundContext context) {
            return null;
        }
    }

    public static class GoodType extends Named {
        @Override
        public String type() {
            return "test-good";
        }
    }

    public static class ThrowingType extends Named {
        public ThrowingType() {
            throw new IllegalStateException("extension constructor fails on purpose");
        }

        @Override
        public String type() {
            return "test-throwing";
        }
    }

    /** Claims the host's own {@code type: dns}. */
    public static class DnsType extends Named {
        @Override
        public String type() {
            return "dns";
        }
    }

    /** Claims a group type, which the host builds itself. */
    public static class RelayType extends Named {
        @Override
        public String type() {
            return "relay";
        }
    }
}
