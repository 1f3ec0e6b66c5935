package dev.turnout.plugins.v2ray;

import dev.turnout.api.GrpcOptions;
import dev.turnout.api.OptionException;
import dev.turnout.api.OutboundOptions;
import dev.turnout.api.TlsOptions;
import dev.turnout.api.WebSocketOptions;
import java.util.List;
import java.util.Locale;

/**
 * How a V2Ray-family outbound reaches its server: {@code network: tcp}, {@code ws} or {@code grpc}, each with or
 * without {@code tls: true}. Clash's other networks are refused by name rather than silently sent as tcp.
 *
 * @param tls the TLS layer's options, or {@code null} without TLS
 * @param webSocket the WebSocket layer's options, or {@code null}
 * @param grpc the gRPC call's options, or {@code null}
 * @param grpcAuthority the gRPC request's {@code :authority}, or {@code null} without gRPC
 */
public record Transport(TlsOptions tls, WebSocketOptions webSocket, GrpcOptions grpc, String grpcAuthority) {

    public Transport(TlsOptions tls, WebSocketOptions webSocket) {
        this(tls, webSocket, null, null);
    }

    public static Transport from(OutboundOptions options, String serverName) throws OptionException {
        String network = options.string("network", "tcp").trim().toLowerCase(Locale.ROOT);
        switch (network) {
            case "tcp", "", "ws", "grpc" -> { }
            case "http", "h2", "quic", "kcp", "httpupgrade", "splithttp", "xhttp" -> throw new OptionException(
                    "network", "'network: " + network + "' is not supported by the " + options.type()
                    + " plugin (tcp, ws and grpc are, each with or without tls)");
            default -> throw new OptionException("network", "'network' must be tcp, ws or grpc, got " + network);
        }
        if (options.has("reality-opts")) {
            throw new OptionException("reality-opts", "'reality-opts' (REALITY) is not supported by the "
                    + options.type() + " plugin");
        }
        TlsOptions tls = options.bool("tls", false) ? TlsOptions.from(options, serverName) : null;
        if (!network.equals("grpc")) {
            return new Transport(tls, network.equals("ws") ? WebSocketOptions.from(options) : null);
        }
        // As mihomo: HTTP/2 is what TLS must agree on, whatever 'alpn' says; the authority is 'servername', else
        // the server's host:port.
        if (tls != null) {
            tls = new TlsOptions(tls.serverName(), tls.skipCertVerify(), List.of("h2"), tls.fingerprint());
        }
        String servername = options.string("servername", "");
        String authority = servername.isEmpty() ? hostPort(options) : servername;
        return new Transport(tls, null, GrpcOptions.from(options), authority);
    }

    /** The server as written, joined with its port as Go's {@code net.JoinHostPort} does. */
    private static String hostPort(OutboundOptions options) throws OptionException {
        String host = options.requireString("server").trim();
        int port = options.server().port();
        return (host.indexOf(':') >= 0 && !host.startsWith("[") ? "[" + host + "]" : host) + ":" + port;
    }

    /** For messages: {@code tcp}, {@code ws+tls}, {@code grpc+tls} ... */
    public String describe() {
        return (grpc != null ? "grpc" : webSocket != null ? "ws" : "tcp") + (tls == null ? "" : "+tls");
    }
}
