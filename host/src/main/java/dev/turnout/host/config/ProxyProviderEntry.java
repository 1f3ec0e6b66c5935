package dev.turnout.host.config;

import dev.turnout.rules.Origin;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * One {@code proxy-providers:} entry, as mihomo reads it: where the list of nodes comes from, how it is kept
 * fresh and checked, and which of its nodes join, renamed and amended by {@code override}.
 *
 * @param type {@code http}, {@code file} or {@code inline}
 * @param url for http, else {@code null}
 * @param path the cached download (http) or the file (file), resolved against the home folder; {@code null} for
 *     inline. For http without a {@code path}: {@code ./proxies/<md5 of the url>}, as mihomo keeps it
 * @param intervalSeconds how often an http provider is downloaded again, 0 for never
 * @param proxy the outbound the download goes through ({@code DIRECT} when not set)
 * @param headers request headers, each with one or more values ({@code User-Agent: [...]})
 * @param sizeLimit the largest download kept, in bytes; 0 for Turnout's own bound
 * @param filter only nodes whose name a pattern matches join; {@code null} for all
 * @param excludeFilter nodes whose name it matches are left out
 * @param excludeTypes nodes of these types ({@code Shadowsocks|Vmess}, mihomo's names or ours) are left out
 * @param override what every node gets: a name prefix and suffix and option values
 * @param payload the nodes of an inline provider, each where it was written; {@code null} for the others
 */
public record ProxyProviderEntry(String name, String type, String url, Path path, int intervalSeconds, String proxy,
                                 Map<String, List<String>> headers, long sizeLimit, HealthCheck healthCheck,
                                 NameFilter filter, NameFilter excludeFilter, List<String> excludeTypes,
                                 NodeOverride override, List<ProxyEntry> payload, Origin origin) {

    /**
     * A provider's {@code health-check}: its nodes are checked every {@code intervalSeconds} against {@code url}.
     *
     * @param lazy a scheduled check is skipped while no flow used a group holding the provider's nodes
     */
    public record HealthCheck(boolean enable, String url, int intervalSeconds, int timeoutMillis, boolean lazy,
                              StatusRanges expectedStatus) {

        public static final HealthCheck OFF = new HealthCheck(false, null, 0, 0, true, StatusRanges.ANY);
    }

    /**
     * A provider's {@code override}: {@code proxy-name} replacements on each node's name, in order, then
     * {@code additional-prefix} and {@code additional-suffix} around it (mihomo's order), and option values set
     * on every node (udp, skip-cert-verify, dialer-proxy, interface-name, routing-mark, ip-version, down, up),
     * each read by the node's plugin as if written in the node; {@code origins} says where each option is written,
     * for what is said of its value.
     */
    public record NodeOverride(String prefix, String suffix, Map<String, Object> options,
                               List<NameReplacement> proxyName, Map<String, dev.turnout.rules.Origin> origins) {

        public static final NodeOverride NONE = new NodeOverride("", "", Map.of(), List.of(), Map.of());

        /** A node's name as it joins: replaced, then prefixed and suffixed. */
        public String rename(String name) {
            String out = name;
            for (NameReplacement r : proxyName) {
                out = r.apply(out);
            }
            return prefix + out + suffix;
        }
    }

    public boolean http() {
        return "http".equals(type);
    }
}
