package dev.turnout.host.config;

import dev.turnout.api.OutboundOptions;
import dev.turnout.rules.Origin;
import java.util.Map;

/**
 * One {@code proxies:} entry.
 *
 * @param keyOrigins where each key was written, so a plugin's complaint about a key points at it
 */
public record ProxyEntry(OutboundOptions options, Origin origin, Map<String, Origin> keyOrigins) {

    public String name() {
        return options.name();
    }

    public String type() {
        return options.type();
    }

    public Origin originOf(String key) {
        return key == null ? origin : keyOrigins.getOrDefault(key, origin);
    }
}
