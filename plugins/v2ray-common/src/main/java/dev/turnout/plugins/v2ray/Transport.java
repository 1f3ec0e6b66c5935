package dev.turnout.plugins.v2ray;

import dev.turnout.api.GrpcOptions;
import dev.turnout.api.H2Options;
import dev.turnout.api.OptionException;
import dev.turnout.api.OutboundOptions;
import dev.turnout.api.TlsOptions;
import dev.turnout.api.UnsupportedOptionException;
import dev.turnout.api.WebSocketOptions;
import dev.turnout.plugins.v2ray.http.HttpDisguise;
import java.util.List;
import java.util.Locale;

/**
 * How a V2Ray-family outbound reaches its server: {@code network: tcp}, {@code http} (tcp in an HTTP/1.1
 * disguise), {@code ws} or {@code grpc}, each with or without {@code tls: true}, or {@code h2} (always over TLS, as
 * in mihomo). Clash's other networks are refused by name rather than silently sent as tcp.
 *
 * @param tls the TLS layer's options, or {@code null} without TLS
 * @param webSocket the WebSocket layer's options, or {@code null}
 * @param grpc the gRPC call's options, or {@code null}
 * @param grpcAuthority the gRPC request's {@code :authority}, or {@code null} without gRPC
 * @param h2 the HTTP/2 request's options, or {@code null}
 * @param http the HTTP/1.1 disguise's options, or {@code null}
 */
public record Transport(TlsOptions tls, WebSocketOptions webSocket, GrpcOptions grpc, String grpcAuthority,
                        H2Options h2, HttpDisguise http) {

    public Transport(TlsOptions tls, WebSocketOptions webSocket) {
        this(tls, webSocket, null, null, null, null);
    }

    public static Transport from(OutboundOptions options, String serverName) throws OptionException {
        String network = options.string("network", "tcp").trim().toLowerCase(Locale.ROOT);
        switch (network) {
            case "tcp", "", "http", "ws", "grpc", "h2" -> { }
            case "quic", "kcp", "httpupgrade", "splithttp", "xhttp" -> throw new UnsupportedOptionException(
                    "network", "'network: " + network + "' is not implemented by the " + options.type()
                    + " plugin (tcp, http, ws, grpc and h2 are)");
            default -> throw new OptionException("network", "'network' must be tcp, http, ws, grpc or h2, got "
                    + network);
        }
        // As mihomo's RealityOptions.Parse: REALITY only with a public-key; an empty block (converters and templates
        // write 'reality-opts: {}') is plain TLS.
        Object publicKey = options.map("reality-opts").get("public-key");
        if (publicKey != null && !String.valueOf(publicKey).isEmpty()) {
            throw new UnsupportedOptionException("reality-opts", "'reality-opts' (REALITY) is not implemented by the "
                    + options.type() + " plugin");
        }
        boolean h2 = network.equals("h2");
        // 'tls' is read for h2 too (mihomo wants tls: true there), so it is not named as a key nothing read.
        boolean tlsAsked = options.bool("tls", false);
        TlsOptions tls = h2 || tlsAsked ? TlsOptions.from(options, serverName) : null;
        if (h2) {
            return new Transport(http2Only(tls), null, null, null, H2Options.from(options), null);
        }
        if (network.equals("http")) {
            return new Transport(tls, null, null, null, null,
                    HttpDisguise.from(options, options.requireString("server").trim()));
        }
        if (network.equals("ws")) {
            WebSocketOptions ws = WebSocketOptions.from(options);
            return new Transport(tls == null ? null : underWebSocket(tls, options, ws), ws);
        }
        if (!network.equals("grpc")) {
            return new Transport(tls, null);
        }
        // As mihomo: HTTP/2 is what TLS must agree on, whatever 'alpn' says; the authority is 'servername', else
        // the server's host:port.
        String servername = options.string("servername", "");
        String authority = servername.isEmpty() ? hostPort(options) : servername;
        return new Transport(tls == null ? null : http2Only(tls), null, GrpcOptions.from(options), authority, null,
                null);
    }

    /**
     * As mihomo's vmess and vless: TLS under a WebSocket offers {@code http/1.1} alone, whatever {@code alpn} says (the
     * upgrade is HTTP/1.1: a server that chose h2, as v2ray, nginx and CDNs do when offered it, dropped it), and
     * without a {@code servername} its name is the {@code Host} header the WebSocket sends: a CDN node's
     * {@code server} is an address, its site named only there, and the handshake failed or reached the CDN unnamed.
     */
    private static TlsOptions underWebSocket(TlsOptions tls, OutboundOptions options, WebSocketOptions ws)
            throws OptionException {
        String name = tls.serverName();
        if (options.string("servername", "").isEmpty() && options.string("sni", "").isEmpty()) {
            for (java.util.Map.Entry<String, String> h : ws.headers().entrySet()) {
                if (h.getKey().equalsIgnoreCase("host") && !h.getValue().isBlank()) {
                    name = h.getValue().trim();
                }
            }
        }
        return new TlsOptions(name, tls.skipCertVerify(), List.of("http/1.1"), tls.fingerprint());
    }

    private static TlsOptions http2Only(TlsOptions tls) {
        return new TlsOptions(tls.serverName(), tls.skipCertVerify(), List.of("h2"), tls.fingerprint());
    }

    /** The server as written, joined with its port. */
    private static String hostPort(OutboundOptions options) throws OptionException {
        return joinHostPort(options.requireString("server").trim(), options.server().port());
    }

    /** {@code host:port} as Go's {@code net.JoinHostPort} writes it: an IPv6 address in brackets (once). */
    public static String joinHostPort(String host, int port) {
        return (host.indexOf(':') >= 0 && !host.startsWith("[") ? "[" + host + "]" : host) + ":" + port;
    }

    /** For messages: {@code tcp}, {@code http}, {@code ws+tls}, {@code grpc+tls}, {@code h2+tls} ... */
    public String describe() {
        return (grpc != null ? "grpc" : h2 != null ? "h2" : webSocket != null ? "ws" : http != null ? "http" : "tcp")
                + (tls == null ? "" : "+tls");
    }
}
