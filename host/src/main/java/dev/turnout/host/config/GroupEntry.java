package dev.turnout.host.config;

import dev.turnout.rules.Origin;
import java.util.List;

/**
 * One {@code proxy-groups:} entry.
 *
 * @param type {@code select}, {@code url-test}, {@code fallback}, {@code load-balance} or {@code relay}
 * @param members outbound or group names, in the order written (after {@link dev.turnout.host.outbound}
 *     resolves include-all and the filters: the group's final members)
 * @param url health-check URL, or {@code null}
 * @param intervalSeconds health-check interval, 0 when none
 * @param toleranceMillis url-test's tolerance
 * @param options mihomo's further keys
 */
public record GroupEntry(String name, String type, List<String> members, String url, int intervalSeconds,
                         int toleranceMillis, Origin origin, GroupOptions options) {

    public GroupEntry(String name, String type, List<String> members, String url, int intervalSeconds,
                      int toleranceMillis, Origin origin) {
        this(name, type, members, url, intervalSeconds, toleranceMillis, origin, GroupOptions.DEFAULT);
    }

    public GroupEntry withMembers(List<String> resolved) {
        return new GroupEntry(name, type, List.copyOf(resolved), url, intervalSeconds, toleranceMillis, origin, options);
    }
}
