package dev.turnout.host.provider;

import java.net.URI;

/**
 * A subscription's URL as logs and {@code turnout check} write it: its scheme, host and port only. The path and the
 * query are the subscription's credential (a token, a Sub-Store secret): anyone holding them gets its nodes, and
 * logs are pasted into bug reports.
 */
public final class SubscriptionUrl {

    private SubscriptionUrl() {
    }

    public static String redacted(String url) {
        try {
            URI u = new URI(url);
            if (u.getScheme() == null || u.getHost() == null) {
                return "(a URL that does not read)";
            }
            String rest = (u.getRawPath() == null ? "" : u.getRawPath()) + (u.getRawQuery() == null ? "" : "?");
            return u.getScheme() + "://" + u.getHost() + (u.getPort() > 0 ? ":" + u.getPort() : "")
                    + (rest.isEmpty() || rest.equals("/") ? rest : "/…");
        } catch (java.net.URISyntaxException e) {
            return "(a URL that does not read)";
        }
    }
}
