package dev.turnout.plugins.v2ray;

import dev.turnout.api.OptionException;
import dev.turnout.api.OutboundOptions;
import java.util.function.BiConsumer;
import java.util.List;

/**
 * Keys that subscriptions often carry for vmess and vless but that these plugins do not act on. Refusing them
 * would make whole subscriptions unusable for a detail; taking them silently would hide that they do nothing.
 * So each is named in a warning ({@code warnings}: the host's {@code OutboundContext.warn}, which folds the same
 * warning of a subscription's many nodes into one line).
 */
public final class IgnoredKeys {

    private static final List<String> KEYS = List.of("client-fingerprint", "tfo", "mptcp", "smux");

    private IgnoredKeys() {
    }

    /**
     * XUDP and packetaddr (mihomo's {@code packet-encoding}, {@code xudp}, {@code packet-addr}) carry a flow's
     * datagrams to every destination in one stream. Not implemented; UDP goes as plain VMess or VLESS UDP, one
     * stream per destination (so a peer sees another port for each), which V2Ray's servers take (VmessIT) and
     * Xray's document. Said once per entry, and only when the entry carries UDP at all: without {@code udp: true}
     * the key changes nothing.
     */
    public static void warnPacketEncoding(OutboundOptions options, String protocol, BiConsumer<String, String> warnings)
            throws OptionException {
        String asked = options.string("packet-encoding", "");
        String key = "packet-encoding";
        if (asked.isEmpty() && options.bool("xudp", false)) {
            asked = "xudp";
            key = "xudp";
        } else if (asked.isEmpty() && options.bool("packet-addr", false)) {
            asked = "packetaddr";
            key = "packet-addr";
        }
        if (!asked.isEmpty() && options.bool("udp", false)) {
            warnings.accept(key, "packet encoding '" + asked + "' is not implemented by the " + options.type()
                    + " plugin: UDP goes as plain " + protocol + " UDP instead, one stream per destination");
        }
    }

    public static void warn(OutboundOptions options, BiConsumer<String, String> warnings) {
        for (String key : KEYS) {
            if (options.has(key)) {
                warnings.accept(key, "'" + key + "' is not supported by the " + options.type() + " plugin and has no"
                        + " effect");
            }
        }
    }
}
