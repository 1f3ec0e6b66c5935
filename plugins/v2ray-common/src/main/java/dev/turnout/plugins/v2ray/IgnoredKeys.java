package dev.turnout.plugins.v2ray;

import dev.turnout.api.OptionException;
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

    /**
     * XUDP and packetaddr (mihomo's {@code packet-encoding}, {@code xudp}, {@code packet-addr}) carry a flow's
     * datagrams to every destination in one stream. Not implemented; UDP goes as plain VMess or VLESS UDP, one
     * stream per destination (so a peer sees another port for each), which V2Ray's servers take (VmessIT) and
     * Xray's document. Said once per entry, and only when the entry carries UDP at all: without {@code udp: true}
     * the key changes nothing.
     */
    public static void warnPacketEncoding(OutboundOptions options, String protocol) throws OptionException {
        String asked = options.string("packet-encoding", "");
        if (asked.isEmpty() && options.bool("xudp", false)) {
            asked = "xudp";
        } else if (asked.isEmpty() && options.bool("packet-addr", false)) {
            asked = "packetaddr";
        }
        if (!asked.isEmpty() && options.bool("udp", false)) {
            log.warn("{}: packet encoding '{}' is not implemented by the {} plugin: UDP goes as plain {} UDP instead, "
                    + "one stream per destination", options, asked, options.type(), protocol);
        }
    }

    public static void warn(OutboundOptions options) {
        for (String key : KEYS) {
            if (options.has(key)) {
                log.warn("{}: '{}' is not supported by the {} plugin and has no effect", options, key, options.type());
            }
        }
    }
}
