package dev.turnout.plugins.socks5;

import dev.turnout.api.Destination;
import dev.turnout.api.OptionException;
import dev.turnout.api.OutboundOptions;
import dev.turnout.api.TlsOptions;
import java.nio.charset.StandardCharsets;
import java.util.function.BiConsumer;

/**
 * A {@code socks5} entry's options, checked.
 *
 * @param server where the SOCKS5 server is, as a name or an address literal
 * @param credentials username and password, or {@code null} for no authentication
 * @param udp whether UDP flows may be sent through the server (UDP ASSOCIATE)
 * @param timeoutMillis how long connecting to the server and its handshake may take together
 * @param tls with {@code tls: true}, TLS to the server before the SOCKS5 handshake (sni/servername,
 *     skip-cert-verify, alpn, fingerprint); {@code null} without
 */
record Socks5Options(Destination server, Credentials credentials, boolean udp, long timeoutMillis, TlsOptions tls) {

    static final long DEFAULT_TIMEOUT_MILLIS = 10_000;

    /** RFC 1929 credentials; each at most 255 bytes in UTF-8. */
    record Credentials(byte[] username, byte[] password) {
    }

    /** {@code warnings}: where what does not stop the entry is said (the host's {@code OutboundContext.warn}). */
    static Socks5Options from(OutboundOptions options, BiConsumer<String, String> warnings) throws OptionException {
        Destination destination = options.server();
        TlsOptions tls = options.bool("tls", false) ? TlsOptions.from(options, destination.hostOrAddress()) : null;
        return new Socks5Options(destination, credentials(options, warnings), options.bool("udp", false),
                options.millis("timeout", DEFAULT_TIMEOUT_MILLIS), tls);
    }

    private static Credentials credentials(OutboundOptions options, BiConsumer<String, String> warnings)
            throws OptionException {
        String username = options.string("username", null);
        String password = options.string("password", null);
        if (username == null || username.isEmpty()) {
            // As mihomo, which offers RFC 1929 only with a username: the server is asked for no authentication.
            if (password != null && !password.isEmpty()) {
                warnings.accept("password", "'password' is not used without a 'username': no credentials are sent,"
                        + " as mihomo sends none");
            }
            return null;
        }
        // As mihomo, which sends a username alone with an empty password (RFC 1929's PLEN 0).
        return new Credentials(field(username, "username"), field(password == null ? "" : password, "password"));
    }

    private static byte[] field(String value, String key) throws OptionException {
        byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
        if (bytes.length > 255) {
            throw new OptionException(key, "'" + key + "' is longer than SOCKS5 allows (255 bytes)");
        }
        return bytes;
    }
}
