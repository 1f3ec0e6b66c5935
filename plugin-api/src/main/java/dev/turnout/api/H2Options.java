package dev.turnout.api;

import java.util.List;
import java.util.Map;

/**
 * An HTTP/2 transport under an outbound's protocol ({@code network: h2}), from Clash's {@code h2-opts}: V2Ray's
 * "http" transport, one PUT request over TLS whose bodies carry the flow. Plain data; the host sends the request
 * ({@link OutboundContext#h2}).
 *
 * @param hosts the names the request's {@code :authority} is chosen from, one at random per connection
 * @param path the request's path, starting with {@code /}
 */
public record H2Options(List<String> hosts, String path) {

    /** mihomo's host when the entry names none. */
    public static final String DEFAULT_HOST = "www.example.com";

    public H2Options {
        hosts = List.copyOf(hosts);
        if (hosts.isEmpty()) {
            throw new IllegalArgumentException("an h2 transport needs a host");
        }
        if (path == null || !path.startsWith("/")) {
            throw new IllegalArgumentException("an h2 path starts with '/'");
        }
    }

    /** Reads {@code h2-opts: {host: [..], path}}; without them the host is www.example.com and the path /. */
    public static H2Options from(OutboundOptions options) throws OptionException {
        Map<String, Object> h2 = options.map("h2-opts");
        Object host = h2.get("host");
        List<String> hosts;
        if (host == null) {
            hosts = List.of(DEFAULT_HOST);
        } else if (host instanceof String s) {
            hosts = List.of(s);
        } else if (host instanceof List<?> list && list.stream().allMatch(h -> h instanceof String)) {
            hosts = list.stream().map(String.class::cast).toList();
        } else {
            throw new OptionException("h2-opts", "'h2-opts.host' must be a list of names, got " + host);
        }
        if (hosts.isEmpty()) {
            hosts = List.of(DEFAULT_HOST);
        }
        if (hosts.stream().anyMatch(h -> h.isBlank() || h.chars().anyMatch(c -> c <= ' ' || c == '/'))) {
            throw new OptionException("h2-opts", "'h2-opts.host' must be names without spaces or '/', got " + hosts);
        }
        Object path = h2.getOrDefault("path", "/");
        if (path instanceof String p && p.isEmpty()) {
            path = "/";
        }
        if (!(path instanceof String p) || !p.startsWith("/")) {
            throw new OptionException("h2-opts", "'h2-opts.path' must be a path starting with '/', got " + path);
        }
        return new H2Options(hosts, p);
    }
}
