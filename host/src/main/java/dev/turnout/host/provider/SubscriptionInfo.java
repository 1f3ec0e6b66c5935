package dev.turnout.host.provider;

import java.util.Locale;

/**
 * The {@code subscription-userinfo} header a subscription server sends ({@code upload=1; download=2;
 * total=3; expire=1700000000}): traffic used and allowed, in bytes, and when it ends (Unix seconds, 0 when
 * never). Dashboards show it.
 */
public record SubscriptionInfo(long upload, long download, long total, long expire) {

    /** The header read leniently, as mihomo does: unknown or malformed fields count as 0; null for no header. */
    public static SubscriptionInfo parse(String header) {
        if (header == null || header.isBlank()) {
            return null;
        }
        long upload = 0;
        long download = 0;
        long total = 0;
        long expire = 0;
        for (String part : header.split(";")) {
            int eq = part.indexOf('=');
            if (eq < 0) {
                continue;
            }
            String key = part.substring(0, eq).trim().toLowerCase(Locale.ROOT);
            long value;
            try {
                // some servers send 1.5e10 or 123.0
                value = (long) Double.parseDouble(part.substring(eq + 1).trim());
            } catch (NumberFormatException e) {
                continue;
            }
            switch (key) {
                case "upload" -> upload = value;
                case "download" -> download = value;
                case "total" -> total = value;
                case "expire" -> expire = value;
                default -> {
                    // ignored
                }
            }
        }
        return new SubscriptionInfo(upload, download, total, expire);
    }
}
