package dev.turnout.plugins.vmess;

import java.util.function.BiConsumer;
import dev.turnout.api.Destination;
import dev.turnout.api.OptionException;
import dev.turnout.api.OutboundOptions;
import dev.turnout.api.UnsupportedOptionException;
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


    /** {@code warnings}: where what does not stop the entry is said (the host's {@code OutboundContext.warn}). */
    static VmessOptions from(OutboundOptions options, BiConsumer<String, String> warnings) throws OptionException {
        IgnoredKeys.warn(options, warnings);
        String server = options.requireString("server").trim();
        Destination destination = options.server();
        byte[] uuid = Uuids.require(options);
        int alterId = options.integer("alterId", options.integer("alter-id", 0));
        if (alterId < 0) {
            throw new OptionException(options.has("alterId") ? "alterId" : "alter-id", "'alterId: " + alterId
                    + "' must be 0 or more");
        }
        if (alterId > 0) {
            // Subscriptions still carry the alterId their servers were set up with years ago. Those servers take the
            // AEAD header whatever their alterId (V2Ray since 4.24, every Xray), and since 2022 refuse the MD5 one
            // by default, so AEAD is what reaches them; refusing the node would lose the whole subscription.
            warnings.accept(options.has("alterId") ? "alterId" : "alter-id", "'alterId: " + alterId + "' asks for"
                    + " VMess's legacy MD5 header; Turnout sends the AEAD header, which servers accept whatever their"
                    + " alterId (V2Ray 4.24 and later, Xray) and most require since 2022");
        }
        VmessSecurity security = VmessSecurity.from(options.string("cipher", "auto"), System.getProperty("os.arch", ""));
        if (options.bool("authenticated-length", false)) {
            throw new UnsupportedOptionException("authenticated-length", "'authenticated-length' is not implemented by"
                    + " the vmess plugin");
        }
        IgnoredKeys.warnPacketEncoding(options, "VMess", warnings);
        boolean padding = options.bool("global-padding", security != VmessSecurity.NONE);
        if (padding && security == VmessSecurity.NONE) {
            throw new OptionException("global-padding", "'global-padding' needs an AEAD cipher (not none)");
        }
        return new VmessOptions(destination, VmessKdf.cmdKey(uuid), security, padding,
                Transport.from(options, server), options.bool("udp", false),
                options.millis("timeout", DEFAULT_TIMEOUT_MILLIS));
    }
}
