package dev.turnout.plugins.trojan;

import dev.turnout.api.Destination;
import dev.turnout.api.GrpcOptions;
import dev.turnout.api.OptionException;
import dev.turnout.api.OutboundOptions;
import dev.turnout.api.TlsOptions;
import dev.turnout.api.UnsupportedOptionException;
import dev.turnout.api.WebSocketOptions;
import java.util.function.BiConsumer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A {@code trojan} entry's options, checked.
 *
 * @param server where the Trojan server is, as a name or an address literal
 * @param key what the server checks: the lower-case hex of SHA-224 of the password, 56 ASCII bytes. It is
 *     the credential itself, so it is never shown ({@link #toString()})
 * @param udp whether UDP flows may be sent through the server (Trojan's UDP ASSOCIATE)
 * @param tls the TLS to the server; always on, as in Trojan
 * @param webSocket the WebSocket under the protocol ({@code network: ws}), or {@code null}
 * @param grpc the gRPC call under the protocol ({@code network: grpc}), or {@code null}
 */
record TrojanOptions(Destination server, byte[] key, boolean udp, TlsOptions tls, WebSocketOptions webSocket,
                     GrpcOptions grpc) {


    /**
     * mihomo's ALPN when the entry gives none: what browsers offer over TCP, and HTTP/1.1 under a WebSocket.
     * gRPC needs HTTP/2 whatever the entry says.
     */
    static final List<String> TCP_ALPN = List.of("h2", "http/1.1");
    static final List<String> WEBSOCKET_ALPN = List.of("http/1.1");
    static final List<String> GRPC_ALPN = List.of("h2");

    /** {@code warnings}: where what does not stop the entry is said (the host's {@code OutboundContext.warn}). */
    static TrojanOptions from(OutboundOptions options, BiConsumer<String, String> warnings) throws OptionException {
        String server = options.requireString("server").trim();
        Destination destination = options.server();
        byte[] key = key(options.requireString("password"));
        String network = network(options);
        boolean ws = network.equals("ws");
        boolean grpc = network.equals("grpc");
        refuseUnsupported(options, warnings);
        String literal = server.startsWith("[") && server.endsWith("]") ? server.substring(1, server.length() - 1) : server;
        TlsOptions tls = TlsOptions.from(options, literal);
        if (grpc || !options.has("alpn")) {
            tls = new TlsOptions(tls.serverName(), tls.skipCertVerify(),
                    grpc ? GRPC_ALPN : ws ? WEBSOCKET_ALPN : TCP_ALPN, tls.fingerprint());
        }
        if (!ws && options.has("ws-opts")) {
            warnings.accept("ws-opts", "'ws-opts' is ignored without 'network: ws'");
        }
        if (!grpc && options.has("grpc-opts")) {
            warnings.accept("grpc-opts", "'grpc-opts' is ignored without 'network: grpc'");
        }
        return new TrojanOptions(destination, key, options.bool("udp", false), tls,
                ws ? WebSocketOptions.from(options) : null, grpc ? GrpcOptions.from(options) : null);
    }

    /** The name the WebSocket request's {@code Host} names: the TLS server name, as mihomo sends it. */
    String webSocketHost() {
        return tls.serverName();
    }

    private static String network(OutboundOptions options) throws OptionException {
        String network = options.string("network", "tcp").trim().toLowerCase(Locale.ROOT);
        return switch (network) {
            case "", "tcp", "origin" -> "tcp";
            case "ws", "grpc" -> network;
            default -> throw new OptionException("network", "'network' must be tcp, ws or grpc for the trojan type,"
                    + " got " + network);
        };
    }

    /** Keys that change what goes on the wire: accepting and ignoring them would connect differently than asked. */
    private static void refuseUnsupported(OutboundOptions options, BiConsumer<String, String> warnings)
            throws OptionException {
        if (!options.bool("tls", true)) {
            // mihomo's trojan has no 'tls' key and speaks TLS whatever it says (free-node aggregators write it false).
            warnings.accept("tls", "'tls: false' is ignored: the trojan type always uses TLS, as in mihomo");
        }
        for (String key : List.of("reality-opts", "ech-opts", "ss-opts", "smux")) {
            Map<String, Object> block = options.map(key);
            if (Boolean.TRUE.equals(block.get("enabled")) || "true".equals(block.get("enabled"))
                    || key.equals("reality-opts") && !block.isEmpty()) {
                throw new UnsupportedOptionException(key, "'" + key + "' is not implemented by the trojan type");
            }
        }
        for (String key : List.of("certificate", "private-key")) {
            if (options.has(key)) {
                throw new UnsupportedOptionException(key, "'" + key + "' (a client certificate) is not implemented by the trojan"
                        + " type");
            }
        }
        if (options.has("client-fingerprint")) {
            warnings.accept("client-fingerprint", "'client-fingerprint' is ignored: Turnout sends the JDK's own TLS"
                    + " ClientHello");
        }
    }

    private static byte[] key(String password) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-224").digest(password.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest).getBytes(StandardCharsets.US_ASCII);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java 17 runtime has SHA-224", e);
        }
    }

    @Override
    public String toString() {
        return "trojan " + server + (webSocket == null ? "" : " over ws " + webSocket.path()) + (udp ? " with udp" : "");
    }
}
