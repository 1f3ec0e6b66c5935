package dev.turnout.plugins.v2ray;

import dev.turnout.api.OutboundOptions;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keys that subscriptions often carry for vmess and vless but that these plugins do not act on. Refusing them
 * would make whole subscriptions unusable for a detail; taking them silently would hide that they do nothing.
 * So each is named in a warning.
 */
public final class IgnoredKeys {

    private static final Logger log = LoggerFactory.getLogger(IgnoredKeys.class);
    private static final List<String> KEYS = List.of("client-fingerprint", "tfo", "mptcp", "smux", "ip-version");

    private IgnoredKeys() {
    }

    public static void warn(OutboundOptions options) {
        for (String key : KEYS) {
            if (options.has(key)) {
                log.warn("{}: '{}' is not supported by the {} plugin and has no effect", options, key, options.type());
            }
        }
    }
}
