package dev.turnout.host.outbound;

import dev.turnout.host.config.StatusRanges;

/**
 * How an automatic group checks its members.
 *
 * @param url the URL fetched through each member
 * @param intervalSeconds how often, 0 for only when asked
 * @param toleranceMillis how much faster another member must be before url-test switches to it
 * @param timeoutMillis how long one check may take before the member counts as down
 * @param expectedStatus what a check must answer to count as up (mihomo's expected-status)
 * @param lazy a scheduled check is skipped when no flow used the group since the last one
 */
public record GroupSettings(String url, int intervalSeconds, int toleranceMillis, int timeoutMillis,
                            StatusRanges expectedStatus, boolean lazy) {

    public GroupSettings(String url, int intervalSeconds, int toleranceMillis, int timeoutMillis) {
        this(url, intervalSeconds, toleranceMillis, timeoutMillis, StatusRanges.ANY, false);
    }

    public static final String DEFAULT_URL = "http://www.gstatic.com/generate_204";
    public static final int DEFAULT_TIMEOUT_MILLIS = 5000;

    static final GroupSettings NONE = new GroupSettings(DEFAULT_URL, 0, 150, DEFAULT_TIMEOUT_MILLIS);
}
