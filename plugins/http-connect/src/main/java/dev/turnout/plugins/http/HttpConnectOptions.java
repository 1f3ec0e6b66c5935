package dev.turnout.plugins.http;

import dev.turnout.api.Destination;
import dev.turnout.api.OptionException;
import dev.turnout.api.OutboundOptions;
import dev.turnout.api.TlsOptions;
import java.util.function.BiConsumer;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * An {@code http} entry's options, checked.
 *
 * @param server where the proxy is, as a name or an address literal
 * @param authorization the {@code Proxy-Authorization} value, or {@code null} without credentials
 * @param timeoutMillis how long connecting to the proxy and its CONNECT answer may take together
 * @param tls with {@code tls: true} (an HTTPS proxy), TLS to the proxy before CONNECT; {@code null} without
 */
record HttpConnectOptions(Destination server, String authorization, long timeoutMillis, TlsOptions tls) {

    static final long DEFAULT_TIMEOUT_MILLIS = 10_000;


    /** {@code warnings}: where what does not stop the entry is said (the host's {@code OutboundContext.warn}). */
    static HttpConnectOptions from(OutboundOptions options, BiConsumer<String, String> warnings) throws OptionException {
        Destination destination = options.server();
        if (options.has("headers")) {
            // The plugin API offers no map accessor yet; say so rather than drop the headers silently.
            warnings.accept("headers", "'headers' is not supported yet and is ignored");
        }
        TlsOptions tls = options.bool("tls", false) ? TlsOptions.from(options, destination.hostOrAddress()) : null;
        return new HttpConnectOptions(destination, authorization(options, warnings),
                options.millis("timeout", DEFAULT_TIMEOUT_MILLIS), tls);
    }

    private static String authorization(OutboundOptions options, BiConsumer<String, String> warnings)
            throws OptionException {
        String username = options.string("username", null);
        String password = options.string("password", null);
        if (username == null || username.isEmpty()) {
            // As mihomo, which sends Proxy-Authorization only with a username.
            if (password != null && !password.isEmpty()) {
                warnings.accept("password", "'password' is not used without a 'username': no Proxy-Authorization is"
                        + " sent, as mihomo sends none");
            }
            return null;
        }
        if (username.indexOf(':') >= 0) {
            throw new OptionException("username", "'username' cannot contain ':' in HTTP basic authentication");
        }
        String pair = username + ":" + (password == null ? "" : password);
        return "Basic " + Base64.getEncoder().encodeToString(pair.getBytes(StandardCharsets.UTF_8));
    }
}
