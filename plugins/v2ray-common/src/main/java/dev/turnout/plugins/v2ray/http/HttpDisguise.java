package dev.turnout.plugins.v2ray.http;

import dev.turnout.api.OptionException;
import dev.turnout.api.OutboundOptions;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * {@code network: http} from Clash's {@code http-opts}: V2Ray's tcp "http" header, an HTTP/1.1 request line and
 * headers before the first bytes a connection sends and a response head before the first it receives, the flow
 * raw after them. Plain data; {@link RequestHead} writes the one and {@link ResponseHead} strips the other.
 *
 * @param method the request's method
 * @param paths the paths one is chosen from at random per connection
 * @param headers header names in canonical form (as Go writes them) to the values one is chosen from per
 *     connection, kept in name order (Go writes them so); {@code Host} among them overrides the server's name
 * @param serverHost the server as written, the {@code Host} when the headers name none
 */
public record HttpDisguise(String method, List<String> paths, Map<String, List<String>> headers, String serverHost) {

    public HttpDisguise {
        paths = List.copyOf(paths);
        headers = Collections.unmodifiableSortedMap(new TreeMap<>(headers));
        if (paths.isEmpty()) {
            throw new IllegalArgumentException("an http disguise needs a path");
        }
    }

    /** Reads {@code http-opts: {method, path: [..], headers: {Name: [..]}}}: GET and {@code /} when not given. */
    public static HttpDisguise from(OutboundOptions options, String serverHost) throws OptionException {
        Map<String, Object> opts = options.map("http-opts");
        Object method = opts.getOrDefault("method", "GET");
        if (!(method instanceof String m) || !(m.isEmpty() || m.chars().allMatch(HttpDisguise::isTokenChar))) {
            throw new OptionException("http-opts", "'http-opts.method' must be an HTTP method such as GET, got " + method);
        }
        List<String> paths = strings(opts.get("path"), "path");
        for (String p : paths) {
            if (!p.startsWith("/") || p.chars().anyMatch(c -> c <= ' ')) {
                throw new OptionException("http-opts", "'http-opts.path' must be paths starting with '/' and"
                        + " without spaces, got " + p);
            }
        }
        Map<String, List<String>> headers = new LinkedHashMap<>();
        Object given = opts.get("headers");
        if (given != null && !(given instanceof Map<?, ?>)) {
            throw new OptionException("http-opts", "'http-opts.headers' must be a map of names to lists of values");
        }
        if (given instanceof Map<?, ?> map) {
            for (Map.Entry<?, ?> e : map.entrySet()) {
                String name = String.valueOf(e.getKey());
                if (name.isEmpty() || !name.chars().allMatch(HttpDisguise::isTokenChar)) {
                    throw new OptionException("http-opts", "'http-opts.headers' has a name that is not an HTTP"
                            + " header name: '" + name + "'");
                }
                List<String> values = strings(e.getValue(), "headers." + name);
                for (String v : values) {
                    if (v.chars().anyMatch(c -> c == '\r' || c == '\n')) {
                        throw new OptionException("http-opts", "'http-opts.headers." + name
                                + "' has a value with a line break");
                    }
                }
                if (!values.isEmpty()) {
                    headers.put(canonical(name), values);
                }
            }
        }
        return new HttpDisguise(((String) method).isEmpty() ? "GET" : (String) method,
                paths.isEmpty() ? List.of("/") : paths, headers, serverHost);
    }

    private static List<String> strings(Object value, String what) throws OptionException {
        if (value == null) {
            return List.of();
        }
        if (value instanceof String || value instanceof Number) {
            return List.of(value.toString());
        }
        if (value instanceof List<?> list) {
            List<String> out = new ArrayList<>();
            for (Object item : list) {
                if (!(item instanceof String || item instanceof Number)) {
                    throw new OptionException("http-opts", "'http-opts." + what + "' must be a list of strings");
                }
                out.add(item.toString());
            }
            return out;
        }
        throw new OptionException("http-opts", "'http-opts." + what + "' must be a list of strings");
    }

    /** RFC 9110's token characters. */
    private static boolean isTokenChar(int c) {
        return c > ' ' && c < 127 && "\"(),/:;<=>?@[\\]{}".indexOf(c) < 0;
    }

    /** Go's canonical header name: the first letter and each after a hyphen upper case, the rest lower case. */
    static String canonical(String name) {
        StringBuilder out = new StringBuilder(name.length());
        boolean upper = true;
        for (char c : name.toCharArray()) {
            out.append(upper ? Character.toUpperCase(c) : Character.toLowerCase(c));
            upper = c == '-';
        }
        return out.toString();
    }
}
