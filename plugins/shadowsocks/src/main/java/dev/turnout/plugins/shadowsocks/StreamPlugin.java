package dev.turnout.plugins.shadowsocks;

import dev.turnout.api.OptionException;
import dev.turnout.api.OutboundOptions;

/** What an {@code ss} entry's {@code plugin} wraps the TCP stream in: simple-obfs or v2ray-plugin. */
sealed interface StreamPlugin permits ObfsOptions, V2rayPluginOptions {

    /** The entry's plugin, or {@code null} without {@code plugin}. */
    static StreamPlugin from(OutboundOptions options) throws OptionException {
        if (!options.has("plugin")) {
            return null;
        }
        String plugin = options.string("plugin", "").trim();
        return switch (plugin) {
            case "obfs", "obfs-local", "simple-obfs" -> ObfsOptions.from(options);
            case "v2ray-plugin" -> V2rayPluginOptions.from(options);
            default -> throw new OptionException("plugin", "'plugin: " + plugin + "' is not supported by the ss type"
                    + " (obfs and v2ray-plugin are; shadow-tls, restls and kcptun are not implemented)");
        };
    }
}
