package dev.turnout.plugins.shadowsocks;

import dev.turnout.api.OptionException;
import dev.turnout.api.OutboundOptions;
import dev.turnout.api.TlsOptions;
import dev.turnout.api.UnsupportedOptionException;
import dev.turnout.api.WebSocketOptions;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * v2ray-plugin, as an {@code ss} entry's {@code plugin: v2ray-plugin} with {@code plugin-opts}: the Shadowsocks stream
 * inside a WebSocket, over TLS with {@code tls: true}. mihomo's defaults: host {@code bing.com}, path {@code /}, and
 * {@code mux: true}, which wraps the stream in one v2ray Mux.Cool session as v2ray-plugin's own client does.
 *
 * @param tls            whether the WebSocket goes over TLS
 * @param host           the WebSocket's {@code Host} and TLS's server name
 * @param webSocket      the request's path and extra headers
 * @param skipCertVerify accept any certificate
 * @param mux            one Mux.Cool session inside the WebSocket
 * @param fingerprint    the SHA-256 the server's certificate must have ({@code fingerprint}), or {@code null}
 */
record V2rayPluginOptions(boolean tls, String host, WebSocketOptions webSocket, boolean skipCertVerify, boolean mux,
                          byte[] fingerprint) implements StreamPlugin {

    static final String DEFAULT_HOST = "bing.com";

    static V2rayPluginOptions from(OutboundOptions options) throws OptionException {
        Map<String, Object> opts = options.has("plugin-opts") ? options.map("plugin-opts") : Map.of();
        Object mode = opts.getOrDefault("mode", "websocket");
        if (!"websocket".equals(String.valueOf(mode).trim().toLowerCase(Locale.ROOT))) {
            throw new OptionException("plugin-opts", "v2ray-plugin 'mode: " + mode + "' is not supported (websocket is)");
        }
        Object upgrade = opts.get("v2ray-http-upgrade");
        if (upgrade != null && !Boolean.FALSE.equals(upgrade) && !String.valueOf(upgrade).isBlank()) {
            throw new UnsupportedOptionException("plugin-opts", "v2ray-plugin 'v2ray-http-upgrade' is not implemented");
        }
        // The same certificate pin as a node's own 'fingerprint' (mihomo passes it to the plugin's TLS), read alike.
        byte[] fingerprint = null;
        Object pin = opts.get("fingerprint");
        if (pin != null && !String.valueOf(pin).isBlank()) {
            try {
                fingerprint = TlsOptions.from(new OutboundOptions(options.name(), options.type(),
                        Map.of("fingerprint", String.valueOf(pin))), DEFAULT_HOST).fingerprint();
            } catch (OptionException e) {
                throw new OptionException("plugin-opts", "v2ray-plugin " + e.getMessage());
            }
        }
        Object host = opts.get("host");
        String h = host == null || String.valueOf(host).isBlank() ? DEFAULT_HOST : String.valueOf(host).trim();
        Object path = opts.getOrDefault("path", "/");
        if (!(path instanceof String p) || !p.startsWith("/")) {
            throw new OptionException("plugin-opts", "v2ray-plugin 'path' must start with '/', got " + path);
        }
        Map<String, String> headers = new LinkedHashMap<>();
        if (opts.get("headers") instanceof Map<?, ?> m) {
            m.forEach((k, v) -> {
                if (v != null) {
                    headers.put(String.valueOf(k), String.valueOf(v));
                }
            });
        } else if (opts.get("headers") != null) {
            throw new OptionException("plugin-opts", "v2ray-plugin 'headers' must be a map of header names to values");
        }
        return new V2rayPluginOptions(flag(opts, "tls", false), h, new WebSocketOptions(p, headers),
                flag(opts, "skip-cert-verify", false), flag(opts, "mux", true), fingerprint);
    }

    private static boolean flag(Map<String, Object> opts, String key, boolean fallback) throws OptionException {
        Object v = opts.get(key);
        if (v == null) {
            return fallback;
        }
        if (v instanceof Boolean b) {
            return b;
        }
        String s = String.valueOf(v).trim().toLowerCase(Locale.ROOT);
        if (s.equals("true") || s.equals("false")) {
            return s.equals("true");
        }
        throw new OptionException("plugin-opts", "v2ray-plugin '" + key + "' must be true or false, got " + v);
    }

    /** TLS as mihomo sets it up for v2ray-plugin: the host (or a {@code Host} header) as server name, ALPN http/1.1. */
    TlsOptions tlsOptions() {
        String serverName = webSocket.headers().entrySet().stream().filter(e -> e.getKey().equalsIgnoreCase("Host"))
                .map(Map.Entry::getValue).findFirst().orElse(host);
        return new TlsOptions(serverName, skipCertVerify, List.of("http/1.1"), fingerprint);
    }

    @Override
    public String toString() {
        return "v2ray-plugin " + (tls ? "wss://" : "ws://") + host + webSocket.path() + (mux ? " mux" : "");
    }
}
