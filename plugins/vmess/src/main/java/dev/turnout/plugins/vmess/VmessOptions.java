package dev.turnout.plugins.vmess;

import dev.turnout.api.Destination;
import dev.turnout.api.OptionException;
import dev.turnout.api.OutboundOptions;
import dev.turnout.plugins.v2ray.IgnoredKeys;
import dev.turnout.plugins.v2ray.Transport;
import dev.turnout.plugins.v2ray.Uuids;

/**
 * A {@code vmess} entry's options, checked.
 *
 * @param server where the VMess server is
 * @param cmdKey the key the request header is sealed with, derived from the uuid (the uuid itself is not kept)
 * @param security how body chunks are sealed
 * @param globalPadding random padding after each chunk (v2ray's client default for AEAD ciphers)
 * @param transport tcp, ws or grpc, with or without TLS, or h2
 * @param udp whether UDP flows may be sent
 * @param timeoutMillis how long reaching the server (and its TLS and WebSocket handshakes) may take
 */
record VmessOptions(Destination server, byte[] cmdKey, VmessSecurity security, boolean globalPadding,
                    Transport transport, boolean udp, long timeoutMillis) {

    static final long DEFAULT_TIMEOUT_MILLIS = 10_000;

    static VmessOptions from(OutboundOptions options) throws OptionException {
        IgnoredKeys.warn(options);
        String server = options.requireString("server").trim();
        Destination destination = options.server();
        byte[] uuid = Uuids.require(options);
        int alterId = options.integer("alterId", options.integer("alter-id", 0));
        if (alterId != 0) {
            throw new OptionException(options.has("alterId") ? "alterId" : "alter-id", "'alterId: " + alterId
                    + "' (the legacy MD5 header) is not supported; use alterId: 0 (the AEAD header, which current"
                    + " servers require)");
        }
        VmessSecurity security = VmessSecurity.from(options.string("cipher", "auto"), System.getProperty("os.arch", ""));
        if (options.bool("authenticated-length", false)) {
            throw new OptionException("authenticated-length", "'authenticated-length' is not supported by the vmess"
                    + " plugin");
        }
        String packetEncoding = options.string("packet-encoding", "");
        if (!packetEncoding.isEmpty() || options.bool("xudp", false) || options.bool("packet-addr", false)) {
            throw new OptionException(packetEncoding.isEmpty() ? (options.has("xudp") ? "xudp" : "packet-addr")
                    : "packet-encoding", "packet encodings (xudp, packetaddr) are not supported by the vmess plugin;"
                    + " UDP goes as plain VMess UDP, one stream per destination");
        }
        boolean padding = options.bool("global-padding", security != VmessSecurity.NONE);
        if (padding && security == VmessSecurity.NONE) {
            throw new OptionException("global-padding", "'global-padding' needs an AEAD cipher (not none)");
        }
        return new VmessOptions(destination, VmessKdf.cmdKey(uuid), security, padding,
                Transport.from(options, server), options.bool("udp", false),
                options.millis("timeout", DEFAULT_TIMEOUT_MILLIS));
    }
}
