package dev.turnout.host.outbound;

/**
 * How an automatic group checks its members.
 *
 * @param url the URL fetched through each member
 * @param intervalSeconds how often, 0 for only when asked
 * @param toleranceMillis how much faster another member must be before url-test switches to it
 * @param timeoutMillis how long one check may take before the member counts as down
 */
public record GroupSettings(String url, int intervalSeconds, int toleranceMillis, int timeoutMillis) {

    public static final String DEFAULT_URL = "http://www.gstatic.com/generate_204";
    public static final int DEFAULT_TIMEOUT_MILLIS = 5000;

    static final GroupSettings NONE = new GroupSettings(DEFAULT_URL, 0, 150, DEFAULT_TIMEOUT_MILLIS);
}
