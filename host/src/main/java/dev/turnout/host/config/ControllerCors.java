package dev.turnout.host.config;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.List;
import java.util.Locale;

/**
 * {@code external-controller-cors} (mihomo's key): which other web origins may use the controller from a
 * browser, and whether to answer Chrome's private-network preflight.
 *
 * @param allowOrigins normalised origins ({@code scheme://host[:port]}, {@code *} or {@code null}); {@code null}
 *                     when the key is not set, so that the controller picks its default (see README)
 * @param allowPrivateNetwork send {@code Access-Control-Allow-Private-Network: true} to allowed origins that ask
 */
public record ControllerCors(List<String> allowOrigins, boolean allowPrivateNetwork) {

    /** Nothing configured. */
    public static final ControllerCors UNSET = new ControllerCors(null, false);

    /**
     * The form browsers send in {@code Origin}: lower-case scheme and host, the port only when it is not the
     * scheme's default; {@code null} when {@code text} is not an origin (a path, a query, no host).
     */
    public static String normalize(String text) {
        String t = text.trim();
        if (t.equals("*") || t.equals("null")) {
            return t;
        }
        URI u;
        try {
            u = new URI(t);
        } catch (URISyntaxException e) {
            return null;
        }
        String path = u.getRawPath();
        if (u.getScheme() == null || u.getHost() == null || u.getRawUserInfo() != null || u.getRawQuery() != null
                || u.getRawFragment() != null || (path != null && !path.isEmpty() && !path.equals("/"))) {
            return null;
        }
        String scheme = u.getScheme().toLowerCase(Locale.ROOT);
        int port = u.getPort();
        boolean defaultPort = port == -1 || (scheme.equals("http") && port == 80) || (scheme.equals("https") && port == 443);
        return scheme + "://" + u.getHost().toLowerCase(Locale.ROOT) + (defaultPort ? "" : ":" + port);
    }
}
