package dev.turnout.api;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A WebSocket transport under an outbound's protocol ({@code network: ws}), from Clash's {@code ws-opts}.
 * Plain data; the host performs the upgrade ({@link OutboundContext#webSocket}).
 *
 * @param path the request path, starting with {@code /}
 * @param headers extra request headers; a {@code Host} header here overrides the server's name
 */
public record WebSocketOptions(String path, Map<String, String> headers) {

    public WebSocketOptions {
        if (path == null || !path.startsWith("/")) {
            throw new IllegalArgumentException("a WebSocket path starts with '/'");
        }
        headers = Map.copyOf(headers);
    }

    /** Reads {@code ws-opts: {path, headers}} from an entry; a missing block means path {@code /}. */
    public static WebSocketOptions from(OutboundOptions options) throws OptionException {
        Map<String, Object> ws = options.map("ws-opts");
        for (String key : new String[] {"v2ray-http-upgrade", "v2ray-http-upgrade-fast-open"}) {
            Object v = ws.get(key);
            if (v != null && !Boolean.FALSE.equals(v) && !"false".equals(String.valueOf(v).trim())) {
                // Its server wants raw bytes after the upgrade, not WebSocket frames: refused, never spoken wrongly.
                throw new UnsupportedOptionException("ws-opts", "'ws-opts." + key + "' (V2Ray's HTTPUpgrade "
                        + "transport) is not implemented");
            }
        }
        Object path = ws.getOrDefault("path", "/");
        if (!(path instanceof String written)) {
            throw new OptionException("ws-opts", "'ws-opts.path' must be a path, got " + path);
        }
        // As mihomo's websocket dialer: a path written without its '/' ('ws', '?ed=2048', as lists write them) has one.
        String p = written.startsWith("/") ? written : "/" + written;
        Map<String, String> headers = new LinkedHashMap<>();
        Object raw = ws.get("headers");
        if (raw instanceof Map<?, ?> m) {
            for (Map.Entry<?, ?> e : m.entrySet()) {
                if (e.getValue() == null) {
                    continue;
                }
                headers.put(String.valueOf(e.getKey()), String.valueOf(e.getValue()));
            }
        } else if (raw != null) {
            throw new OptionException("ws-opts", "'ws-opts.headers' must be a map of header names to values");
        }
        return new WebSocketOptions(p, headers);
    }
}
