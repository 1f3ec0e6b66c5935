package dev.turnout.plugins.v2ray;

import dev.turnout.api.OptionException;
import dev.turnout.api.OutboundOptions;
import dev.turnout.api.TlsOptions;
import dev.turnout.api.WebSocketOptions;
import java.util.Locale;

/**
 * How a V2Ray-family outbound reaches its server: {@code network: tcp} or {@code ws}, each with or without
 * {@code tls: true}. Clash's other networks are refused by name rather than silently sent as tcp.
 *
 * @param tls the TLS layer's options, or {@code null} without TLS
 * @param webSocket the WebSocket layer's options, or {@code null} for plain tcp
 */
public record Transport(TlsOptions tls, WebSocketOptions webSocket) {

    public static Transport from(OutboundOptions options, String serverName) throws OptionException {
        String network = options.string("network", "tcp").trim().toLowerCase(Locale.ROOT);
        WebSocketOptions ws = switch (network) {
            case "tcp", "" -> null;
            case "ws" -> WebSocketOptions.from(options);
            case "http", "h2", "grpc", "quic", "kcp", "httpupgrade", "splithttp", "xhttp" -> throw new OptionException(
                    "network", "'network: " + network + "' is not supported by the " + options.type()
                    + " plugin (tcp and ws are, each with or without tls)");
            default -> throw new OptionException("network", "'network' must be tcp or ws, got " + network);
        };
        if (options.has("reality-opts")) {
            throw new OptionException("reality-opts", "'reality-opts' (REALITY) is not supported by the "
                    + options.type() + " plugin");
        }
        TlsOptions tls = options.bool("tls", false) ? TlsOptions.from(options, serverName) : null;
        return new Transport(tls, ws);
    }

    /** For messages: {@code tcp}, {@code ws+tls} ... */
    public String describe() {
        return (webSocket == null ? "tcp" : "ws") + (tls == null ? "" : "+tls");
    }
}
