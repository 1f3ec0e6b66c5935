package dev.turnout.host.config;

import dev.turnout.rules.Origin;
import java.util.List;

/**
 * One {@code proxy-groups:} entry.
 *
 * @param type {@code select}, {@code url-test}, {@code fallback} or {@code load-balance}
 * @param members outbound or group names, in the order written
 * @param url health-check URL, or {@code null}
 * @param intervalSeconds health-check interval, 0 when none
 * @param toleranceMillis url-test's tolerance
 */
public record GroupEntry(String name, String type, List<String> members, String url, int intervalSeconds,
                         int toleranceMillis, Origin origin) {
}
