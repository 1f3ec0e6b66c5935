package dev.turnout.plugins.vless;

import java.util.function.BiConsumer;
import dev.turnout.api.Destination;
import dev.turnout.api.OptionException;
import dev.turnout.api.OutboundOptions;
import dev.turnout.api.UnsupportedOptionException;
import dev.turnout.plugins.v2ray.IgnoredKeys;
import dev.turnout.plugins.v2ray.Transport;
import dev.turnout.plugins.v2ray.Uuids;

/**
 * A {@code vless} entry's options, checked.
 *
 * @param server where the VLESS server is
 * @param uuid the user's id, sent in every request
 * @param transport tcp, ws or grpc, with or without TLS, or h2
 * @param udp whether UDP flows may be sent
 * @param timeoutMillis how long reaching the server (and its TLS and WebSocket handshakes) may take
 */
record VlessOptions(Destination server, byte[] uuid, Transport transport, boolean udp, long timeoutMillis) {

    static final long DEFAULT_TIMEOUT_MILLIS = 10_000;

    /** {@code warnings}: where what does not stop the entry is said (the host's {@code OutboundContext.warn}). */
    static VlessOptions from(OutboundOptions options, BiConsumer<String, String> warnings) throws OptionException {
        IgnoredKeys.warn(options, warnings);
        String server = options.requireString("server").trim();
        Destination destination = options.server();
        byte[] uuid = Uuids.require(options);
        String flow = options.string("flow", "");
        if (!flow.isEmpty()) {
            throw new UnsupportedOptionException("flow", "'flow: " + flow + "' (XTLS) is not implemented by the vless"
                    + " plugin");
        }
        String encryption = options.string("encryption", "none");
        if (!encryption.isEmpty() && !"none".equals(encryption)) {
            // Newer mihomo speaks Xray's VLESS encryption (mlkem768x25519plus...); left out as any feature not here.
            // Only the method is named: the rest of the value is padding and the server's key, long and of no help.
            int dot = encryption.indexOf('.');
            String method = dot < 0 ? encryption : encryption.substring(0, dot) + "...";
            throw new UnsupportedOptionException("encryption", "'encryption: " + method + "' (VLESS encryption) is not"
                    + " implemented by the vless plugin");
        }
        IgnoredKeys.warnPacketEncoding(options, "VLESS", warnings);
        return new VlessOptions(destination, uuid, Transport.from(options, server),
                options.bool("udp", false), options.millis("timeout", DEFAULT_TIMEOUT_MILLIS));
    }
}
