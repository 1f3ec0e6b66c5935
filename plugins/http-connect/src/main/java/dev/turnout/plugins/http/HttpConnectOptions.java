package dev.turnout.plugins.http;

import dev.turnout.api.Destination;
import dev.turnout.api.OptionException;
import dev.turnout.api.OutboundOptions;
import dev.turnout.api.TlsOptions;
import io.netty.util.NetUtil;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

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

    private static final Logger LOG = LoggerFactory.getLogger(HttpConnectOptions.class);

    static HttpConnectOptions from(OutboundOptions options) throws OptionException {
        String server = options.requireString("server").trim();
        int port = options.requirePort("port");
        if (options.has("headers")) {
            // The plugin API offers no map accessor yet; say so rather than drop the headers silently.
            LOG.warn("{}: 'headers' is not supported yet and is ignored", options);
        }
        Destination destination = destination(server, port);
        TlsOptions tls = options.bool("tls", false) ? TlsOptions.from(options, destination.hostOrAddress()) : null;
        return new HttpConnectOptions(destination, authorization(options),
                options.millis("timeout", DEFAULT_TIMEOUT_MILLIS), tls);
    }

    private static String authorization(OutboundOptions options) throws OptionException {
        String username = options.string("username", null);
        String password = options.string("password", null);
        if (username == null && password == null) {
            return null;
        }
        if (username == null || username.isEmpty()) {
            throw new OptionException("username", "'username' is required when 'password' is set");
        }
        if (username.indexOf(':') >= 0) {
            throw new OptionException("username", "'username' cannot contain ':' in HTTP basic authentication");
        }
        String pair = username + ":" + (password == null ? "" : password);
        return "Basic " + Base64.getEncoder().encodeToString(pair.getBytes(StandardCharsets.UTF_8));
    }

    private static Destination destination(String server, int port) throws OptionException {
        String literal = server.startsWith("[") && server.endsWith("]") ? server.substring(1, server.length() - 1) : server;
        byte[] bytes = NetUtil.createByteArrayFromIpAddressString(literal);
        if (bytes != null) {
            try {
                return Destination.ofAddress(InetAddress.getByAddress(bytes), port);
            } catch (UnknownHostException e) {
                throw new IllegalStateException("a parsed literal has a valid length", e);
            }
        }
        if (server.isEmpty() || server.chars().anyMatch(c -> c <= ' ' || c == '/' || c == '[' || c == ']')) {
            throw new OptionException("server", "'server' is neither a host name nor an IP address: " + server);
        }
        return Destination.ofHost(server, port);
    }
}
