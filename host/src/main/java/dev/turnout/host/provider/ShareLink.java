package dev.turnout.host.provider;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * One share link of a subscription ({@code ss://}, {@code trojan://} ...) read into the Clash keys a plugin
 * reads, as mihomo's {@code ConvertsV2Ray} does: name, type, server, port and the type's own options.
 *
 * <p>Read: {@code ss://} (SIP002 with base64 or percent-encoded userinfo, and the older form with everything
 * base64-encoded; {@code plugin=} obfs-local/simple-obfs and v2ray-plugin), {@code socks://}/{@code socks5://}
 * (userinfo plain or base64), {@code http://}/{@code https://}, {@code trojan://}, {@code vmess://} (v2rayN's
 * base64 JSON), {@code vless://}. Any other scheme is {@link Unreadable}.
 */
public final class ShareLink {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** A link Turnout does not read: its scheme is unknown or it is malformed; {@code why} says which. */
    public static final class Unreadable extends Exception {
        private final String scheme;

        Unreadable(String scheme, String why) {
            super(why);
            this.scheme = scheme;
        }

        /** The link's scheme ({@code ssr}, {@code hysteria2} ...), for counting what was skipped. */
        public String scheme() {
            return scheme;
        }
    }

    /** A node from a link: the keys a {@code proxies:} entry would have, {@code name} and {@code type} included. */
    public record Node(String name, String type, Map<String, Object> options) {
    }

    private ShareLink() {
    }

    /** Whether {@code line} looks like a share link at all (a scheme followed by {@code ://}). */
    static boolean looksLikeLink(String line) {
        int i = line.indexOf("://");
        if (i <= 0) {
            return false;
        }
        for (int k = 0; k < i; k++) {
            char c = line.charAt(k);
            if (!(Character.isLetterOrDigit(c) || c == '+' || c == '-' || c == '.')) {
                return false;
            }
        }
        return true;
    }

    public static Node parse(String written) throws Unreadable {
        String scheme = written.substring(0, Math.max(0, written.indexOf("://"))).toLowerCase(Locale.ROOT);
        String link = escapeIllegal(written);
        try {
            return switch (scheme) {
                case "ss" -> ss(link);
                case "socks", "socks5", "socks5h" -> socks(link);
                case "http", "https" -> http(link, scheme.equals("https"));
                case "trojan" -> trojan(link);
                case "vmess" -> vmess(written); // base64, which may hold whitespace
                case "vless" -> vless(link);
                default -> throw new Unreadable(scheme, "no share-link reader for " + scheme + "://");
            };
        } catch (URISyntaxException e) {
            // Its reason only: the message quotes the whole link, credentials and all.
            throw new Unreadable(scheme, "malformed " + scheme + ":// link: " + e.getReason());
        } catch (IllegalArgumentException | NullPointerException | IndexOutOfBoundsException e) {
            // A subscription is anyone's text: a line no reader expected skips that node, it never stops a start.
            throw new Unreadable(scheme, "malformed " + scheme + ":// link: " + e.getMessage());
        }
    }

    /**
     * The link with the characters RFC 3986 leaves out of URIs percent-encoded (a space or '|' in a name or a path,
     * as subscriptions write them): Go's url.Parse, which mihomo reads links with, takes them as they are, and every
     * part read here is decoded again. A '%' that starts no escape is itself encoded, as Go leaves it in a query.
     */
    static String escapeIllegal(String link) {
        StringBuilder b = null;
        for (int i = 0; i < link.length(); i++) {
            char c = link.charAt(i);
            boolean illegal = c <= ' ' || c == 0x7f || "\"<>\\^`{|}".indexOf(c) >= 0
                    || c == '%' && !(i + 2 < link.length() && hex(link.charAt(i + 1)) && hex(link.charAt(i + 2)));
            if (illegal && b == null) {
                b = new StringBuilder(link.length() + 16).append(link, 0, i);
            }
            if (illegal) {
                b.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
                        .append(Character.toUpperCase(Character.forDigit(c & 0xf, 16)));
            } else if (b != null) {
                b.append(c);
            }
        }
        return b == null ? link : b.toString();
    }

    private static boolean hex(char c) {
        return Character.digit(c, 16) >= 0 && c < 0x80;
    }

    // ---- ss

    private static Node ss(String link) throws URISyntaxException, Unreadable {
        String rest = link.substring("ss://".length());
        String fragment = null;
        int hash = rest.indexOf('#');
        if (hash >= 0) {
            fragment = decode(rest.substring(hash + 1));
            rest = rest.substring(0, hash);
        }
        if (!rest.contains("@")) {
            // The older form: ss://BASE64(method:password@host:port)
            int q = rest.indexOf('?');
            String query = q >= 0 ? rest.substring(q) : "";
            String body = q >= 0 ? rest.substring(0, q) : rest;
            if (body.endsWith("/")) {
                body = body.substring(0, body.length() - 1);
            }
            rest = base64(body) + query;
        }
        int at = rest.lastIndexOf('@');
        if (at < 0) {
            throw new Unreadable("ss", "ss:// link has no method:password@host:port");
        }
        String userinfo = rest.substring(0, at);
        URI uri = new URI("ss://x@" + rest.substring(at + 1));
        String method;
        String password;
        if (userinfo.contains(":")) {
            // SIP002 allows plain percent-encoded userinfo (AEAD-2022 keys are sent this way)
            String plain = decode(userinfo);
            method = plain.substring(0, plain.indexOf(':'));
            password = plain.substring(plain.indexOf(':') + 1);
        } else {
            String plain = base64(decode(userinfo));
            int colon = plain.indexOf(':');
            if (colon < 0) {
                throw new Unreadable("ss", "ss:// userinfo is not method:password");
            }
            method = plain.substring(0, colon);
            password = plain.substring(colon + 1);
        }
        Map<String, Object> o = endpoint(uri, "ss");
        o.put("cipher", method.toLowerCase(Locale.ROOT));
        o.put("password", password);
        o.put("udp", true);
        Map<String, String> query = query(uri.getRawQuery());
        String plugin = query.get("plugin");
        if (plugin != null && !plugin.isEmpty()) {
            String[] parts = plugin.split(";");
            Map<String, Object> opts = new LinkedHashMap<>();
            Map<String, String> args = new LinkedHashMap<>();
            for (int i = 1; i < parts.length; i++) {
                int eq = parts[i].indexOf('=');
                args.put(eq < 0 ? parts[i] : parts[i].substring(0, eq), eq < 0 ? "true" : parts[i].substring(eq + 1));
            }
            switch (parts[0]) {
                case "obfs-local", "simple-obfs" -> {
                    o.put("plugin", "obfs");
                    opts.put("mode", args.getOrDefault("obfs", "http"));
                    if (args.containsKey("obfs-host")) {
                        opts.put("host", args.get("obfs-host"));
                    }
                }
                case "v2ray-plugin" -> {
                    o.put("plugin", "v2ray-plugin");
                    opts.put("mode", args.getOrDefault("mode", "websocket"));
                    opts.put("tls", args.containsKey("tls"));
                    if (args.containsKey("host")) {
                        opts.put("host", args.get("host"));
                    }
                    if (args.containsKey("path")) {
                        opts.put("path", args.get("path"));
                    }
                    if (args.containsKey("mux")) {
                        // v2ray-plugin's client option is a concurrency: 0 turns the Mux.Cool session off.
                        opts.put("mux", !args.get("mux").equals("0") && !args.get("mux").equals("false"));
                    }
                }
                default -> {
                    o.put("plugin", parts[0]);
                    opts.putAll(args);
                }
            }
            o.put("plugin-opts", opts);
        }
        return node(fragment, uri, "ss", o);
    }

    // ---- socks, http

    private static Node socks(String link) throws URISyntaxException {
        URI uri = new URI(link);
        Map<String, Object> o = endpoint(uri, "socks5");
        credentials(uri, o, true);
        o.put("udp", true);
        Map<String, String> q = query(uri.getRawQuery());
        if (truthy(q.get("tls"))) {
            o.put("tls", true);
        }
        return node(fragment(uri), uri, "socks5", o);
    }

    private static Node http(String link, boolean tls) throws URISyntaxException {
        URI uri = new URI(link);
        Map<String, Object> o = endpoint(uri, "http");
        credentials(uri, o, false);
        if (tls) {
            o.put("tls", true);
        }
        Map<String, String> q = query(uri.getRawQuery());
        if (q.containsKey("sni")) {
            o.put("sni", q.get("sni"));
        }
        if (truthy(q.get("allowInsecure")) || truthy(q.get("skip-cert-verify"))) {
            o.put("skip-cert-verify", true);
        }
        return node(fragment(uri), uri, "http", o);
    }

    /** {@code user:pass} in the userinfo, percent-encoded or (v2rayN's socks) base64-encoded. */
    private static void credentials(URI uri, Map<String, Object> o, boolean mayBeBase64) {
        String raw = uri.getRawUserInfo();
        if (raw == null || raw.isEmpty()) {
            return;
        }
        String plain = decode(raw);
        if (!plain.contains(":") && mayBeBase64) {
            try {
                plain = base64(plain);
            } catch (IllegalArgumentException e) {
                // not base64: a user name alone
            }
        }
        int colon = plain.indexOf(':');
        o.put("username", colon < 0 ? plain : plain.substring(0, colon));
        if (colon >= 0) {
            o.put("password", plain.substring(colon + 1));
        }
    }

    // ---- trojan, vless

    private static Node trojan(String link) throws URISyntaxException {
        URI uri = new URI(link);
        Map<String, Object> o = endpoint(uri, "trojan");
        o.put("password", decode(uri.getRawUserInfo()));
        o.put("udp", true);
        Map<String, String> q = query(uri.getRawQuery());
        String sni = q.getOrDefault("sni", q.get("peer"));
        if (sni != null && !sni.isEmpty()) {
            o.put("sni", sni);
        }
        // Of the link schemes, mihomo's converter reads allowInsecure on trojan:// alone (strconv.ParseBool).
        if (goTrue(q.get("allowInsecure"))) {
            o.put("skip-cert-verify", true);
        }
        tlsExtras(q, o);
        transport(q, o);
        return node(fragment(uri), uri, "trojan", o);
    }

    private static Node vless(String link) throws URISyntaxException {
        URI uri = new URI(link);
        Map<String, Object> o = endpoint(uri, "vless");
        o.put("uuid", decode(uri.getRawUserInfo()));
        o.put("udp", true);
        Map<String, String> q = query(uri.getRawQuery());
        String security = q.getOrDefault("security", "none").toLowerCase(Locale.ROOT);
        if (security.equals("tls") || security.equals("reality")) {
            o.put("tls", true);
        }
        if (q.containsKey("sni") && !q.get("sni").isEmpty()) {
            o.put("servername", q.get("sni"));
        }
        if (q.containsKey("flow") && !q.get("flow").isEmpty()) {
            o.put("flow", q.get("flow"));
        }
        String encryption = q.getOrDefault("encryption", "");
        if (!encryption.isEmpty() && !encryption.equals("none")) {
            o.put("encryption", encryption); // so the plugin leaves the node out, as it would the same entry in YAML
        }
        if (security.equals("reality")) {
            Map<String, Object> reality = new LinkedHashMap<>();
            reality.put("public-key", q.getOrDefault("pbk", ""));
            if (q.containsKey("sid")) {
                reality.put("short-id", q.get("sid"));
            }
            o.put("reality-opts", reality);
        }
        tlsExtras(q, o);
        transport(q, o);
        return node(fragment(uri), uri, "vless", o);
    }

    /**
     * alpn and fp (uTLS fingerprint) as trojan:// and vless:// links carry them. Never allowInsecure or insecure:
     * mihomo's converter does not read them on vless:// links, so such a node's certificate is checked there, and a
     * subscription (or whoever alters one on its way) must not switch the check off here alone.
     */
    private static void tlsExtras(Map<String, String> q, Map<String, Object> o) {
        if (q.containsKey("alpn") && !q.get("alpn").isEmpty()) {
            o.put("alpn", List.of(q.get("alpn").split(",")));
        }
        if (q.containsKey("fp") && !q.get("fp").isEmpty()) {
            o.put("client-fingerprint", q.get("fp"));
        }
    }

    /**
     * {@code type=ws|grpc|h2|tcp} with host, path and serviceName, in mihomo's network and *-opts keys;
     * {@code headerType=http} is tcp in V2Ray's HTTP/1.1 disguise, with {@code method} as well.
     */
    private static void transport(Map<String, String> q, Map<String, Object> o) {
        if ("http".equalsIgnoreCase(q.get("headerType"))) {
            httpDisguise(q.get("host"), q.get("path"), q.get("method"), o);
            return;
        }
        String network = q.getOrDefault("type", "tcp").toLowerCase(Locale.ROOT);
        network(network, q.get("host"), q.getOrDefault("path", q.get("serviceName")), o);
    }

    /**
     * {@code network: http} as mihomo's converter writes it: the path (default {@code /}) and the host as the
     * {@code Host} header, each a list of one. Read as plain tcp, such a node never reaches its server.
     */
    private static void httpDisguise(String host, String path, String method, Map<String, Object> o) {
        o.put("network", "http");
        Map<String, Object> http = new LinkedHashMap<>();
        http.put("path", List.of(path == null || path.isEmpty() ? "/" : path));
        if (method != null && !method.isEmpty()) {
            http.put("method", method);
        }
        if (host != null && !host.isEmpty()) {
            http.put("headers", Map.of("Host", List.of(host)));
        }
        o.put("http-opts", http);
    }

    private static void network(String network, String host, String path, Map<String, Object> o) {
        switch (network) {
            case "ws", "httpupgrade" -> {
                o.put("network", "ws");
                Map<String, Object> ws = new LinkedHashMap<>();
                ws.put("path", path == null || path.isEmpty() ? "/" : path);
                if (host != null && !host.isEmpty()) {
                    ws.put("headers", Map.of("Host", host));
                }
                if (network.equals("httpupgrade")) {
                    ws.put("v2ray-http-upgrade", true);
                }
                o.put("ws-opts", ws);
            }
            case "grpc" -> {
                o.put("network", "grpc");
                o.put("grpc-opts", Map.of("grpc-service-name", path == null ? "" : path));
            }
            case "h2", "http" -> {
                o.put("network", "h2");
                Map<String, Object> h2 = new LinkedHashMap<>();
                h2.put("path", path == null || path.isEmpty() ? "/" : path);
                if (host != null && !host.isEmpty()) {
                    h2.put("host", List.of(host.split(",")));
                }
                o.put("h2-opts", h2);
            }
            case "tcp", "" -> {
                // mihomo's default network, no key
            }
            default -> {
                // kcp, xhttp ...: named, so the plugin leaves the node out saying so rather than speak plain tcp
                o.put("network", network);
            }
        }
    }

    // ---- vmess

    /** v2rayN's form: {@code vmess://BASE64({"v":"2","ps":NAME,"add":HOST,"port":P,"id":UUID,...})}. */
    private static Node vmess(String link) throws Unreadable {
        String body = link.substring("vmess://".length()).trim();
        JsonNode j;
        try {
            j = JSON.readTree(base64(body));
        } catch (IllegalArgumentException | java.io.IOException e) {
            throw new Unreadable("vmess", "vmess:// link is not v2rayN's base64 JSON");
        }
        if (j == null || !j.isObject() || !j.hasNonNull("add") || !j.hasNonNull("id")) {
            throw new Unreadable("vmess", "vmess:// JSON lacks 'add' or 'id'");
        }
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("server", j.get("add").asText());
        int port = j.path("port").asInt(0);
        if (port < 1 || port > 65535) {
            throw new Unreadable("vmess", "vmess:// JSON has no valid 'port'");
        }
        o.put("port", port);
        o.put("uuid", j.get("id").asText());
        o.put("alterId", j.path("aid").asInt(0));
        String cipher = j.path("scy").asText("");
        o.put("cipher", cipher.isEmpty() ? "auto" : cipher);
        o.put("udp", true);
        if ("tls".equalsIgnoreCase(j.path("tls").asText(""))) {
            o.put("tls", true);
        }
        String sni = j.path("sni").asText("");
        if (!sni.isEmpty()) {
            o.put("servername", sni);
        }
        String alpn = j.path("alpn").asText("");
        if (!alpn.isEmpty()) {
            o.put("alpn", List.of(alpn.split(",")));
        }
        String fp = j.path("fp").asText("");
        if (!fp.isEmpty()) {
            o.put("client-fingerprint", fp);
        }
        // No skip-cert-verify from the JSON ("allowInsecure", "skip-cert-verify"): mihomo's converter sets it false
        // for every v2rayN link, so the certificate is checked whatever the subscription says.
        String net = j.path("net").asText("tcp").toLowerCase(Locale.ROOT);
        if ((net.equals("tcp") || net.isEmpty()) && "http".equalsIgnoreCase(j.path("type").asText(""))) {
            // v2rayN's header type on tcp: the HTTP/1.1 disguise.
            httpDisguise(j.path("host").asText(""), j.path("path").asText(""), null, o);
        } else {
            network(net, j.path("host").asText(""), j.path("path").asText(""), o);
        }
        String name = j.path("ps").asText("");
        if (name.isEmpty()) {
            name = o.get("server") + ":" + port;
        }
        return new Node(name, "vmess", o);
    }

    // ---- helpers

    private static Map<String, Object> endpoint(URI uri, String scheme) {
        if (uri.getHost() == null || uri.getPort() < 1) {
            throw new IllegalArgumentException(scheme + ":// link needs host:port");
        }
        Map<String, Object> o = new LinkedHashMap<>();
        String host = uri.getHost();
        o.put("server", host.startsWith("[") ? host.substring(1, host.length() - 1) : host);
        o.put("port", uri.getPort());
        return o;
    }

    private static Node node(String name, URI uri, String type, Map<String, Object> options) {
        String n = name == null || name.isBlank() ? options.get("server") + ":" + uri.getPort() : name;
        return new Node(n, type, options);
    }

    private static String fragment(URI uri) {
        return uri.getRawFragment() == null ? null : decode(uri.getRawFragment());
    }

    private static Map<String, String> query(String raw) {
        Map<String, String> out = new LinkedHashMap<>();
        if (raw == null || raw.isEmpty()) {
            return out;
        }
        for (String pair : raw.split("&")) {
            int eq = pair.indexOf('=');
            String k = decode(eq < 0 ? pair : pair.substring(0, eq));
            out.putIfAbsent(k, eq < 0 ? "" : decode(pair.substring(eq + 1)));
        }
        return out;
    }

    /** Go's strconv.ParseBool true: what mihomo's converter takes for a link's allowInsecure. */
    private static boolean goTrue(String v) {
        return v != null && List.of("1", "t", "T", "TRUE", "true", "True").contains(v);
    }

    private static boolean truthy(String v) {
        return v != null && (v.equals("1") || v.equalsIgnoreCase("true"));
    }

    private static String decode(String s) {
        return URLDecoder.decode(s.replace("+", "%2B"), StandardCharsets.UTF_8);
    }

    /** Base64 as subscriptions write it: standard or URL-safe alphabet, padded or not, whitespace ignored. */
    static String base64(String text) {
        StringBuilder b = new StringBuilder(text.length());
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '-') {
                b.append('+');
            } else if (c == '_') {
                b.append('/');
            } else if (c != '=' && !Character.isWhitespace(c)) {
                b.append(c);
            }
        }
        return strictUtf8(Base64.getDecoder().decode(b.toString()));
    }

    private static String strictUtf8(byte[] bytes) {
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(java.nio.charset.CodingErrorAction.REPORT)
                    .onUnmappableCharacter(java.nio.charset.CodingErrorAction.REPORT)
                    .decode(java.nio.ByteBuffer.wrap(bytes)).toString();
        } catch (java.nio.charset.CharacterCodingException e) {
            throw new IllegalArgumentException("base64 that does not decode to UTF-8 text");
        }
    }
}
