package dev.turnout.plugins.shadowsocks;

import dev.turnout.api.OptionException;
import dev.turnout.api.OutboundOptions;
import dev.turnout.api.UnsupportedOptionException;

/** What an {@code ss} entry's {@code plugin} wraps the TCP stream in: simple-obfs or v2ray-plugin. */
sealed interface StreamPlugin permits ObfsOptions, V2rayPluginOptions {

    /** The entry's plugin, or {@code null} without {@code plugin}. */
    static StreamPlugin from(OutboundOptions options) throws OptionException {
        if (!options.has("plugin")) {
            return null;
        }
        String plugin = options.string("plugin", "").trim();
        return switch (plugin) {
            // mihomo compares plugin with the names it knows, so '' (as converters and templates write it) is none.
            case "" -> null;
            case "obfs", "obfs-local", "simple-obfs" -> ObfsOptions.from(options);
            case "v2ray-plugin" -> V2rayPluginOptions.from(options);
            case "shadow-tls", "restls", "kcptun", "gost-plugin" -> throw new UnsupportedOptionException("plugin",
                    "'plugin: " + plugin + "' is not implemented by the ss type (obfs and v2ray-plugin are)");
            default -> throw new OptionException("plugin", "'plugin: " + plugin + "' is not supported by the ss type"
                    + " (obfs and v2ray-plugin are; shadow-tls, restls, kcptun and gost-plugin are not implemented)");
        };
    }
}
