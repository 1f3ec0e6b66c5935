package dev.turnout.plugins.shadowsocks;

import dev.turnout.api.OptionException;
import dev.turnout.api.OutboundOptions;
import java.util.Locale;
import java.util.Map;

/**
 * simple-obfs, as an {@code ss} entry's {@code plugin: obfs} with {@code plugin-opts: {mode: http|tls, host: ...}}:
 * the Shadowsocks stream dressed as a WebSocket upgrade or a TLS session, so that a censor's classifier sees those.
 * It hides nothing from anyone who looks closer, and UDP is sent plain, as simple-obfs and mihomo do.
 *
 * @param tls  TLS mode (else HTTP)
 * @param host the name sent: the HTTP {@code Host} or the TLS server name; mihomo's default is {@code bing.com}
 */
record ObfsOptions(boolean tls, String host) implements StreamPlugin {

    static final String DEFAULT_HOST = "bing.com";

    /** The entry's {@code plugin-opts} for obfs. */
    static ObfsOptions from(OutboundOptions options) throws OptionException {
        Map<String, Object> opts = options.has("plugin-opts") ? options.map("plugin-opts") : Map.of();
        Object mode = opts.get("mode");
        String m = mode == null ? "" : mode.toString().trim().toLowerCase(Locale.ROOT);
        if (!m.equals("http") && !m.equals("tls")) {
            throw new OptionException("plugin-opts", "obfs needs 'mode: http' or 'mode: tls' in plugin-opts, got "
                    + (mode == null ? "none" : "'" + mode + "'"));
        }
        Object host = opts.get("host");
        String h = host == null || host.toString().isBlank() ? DEFAULT_HOST : host.toString().trim();
        if (h.length() > 255 || h.chars().anyMatch(c -> c <= ' ' || c >= 0x7f)) {
            throw new OptionException("plugin-opts", "obfs 'host' must be a host name, got '" + h + "'");
        }
        return new ObfsOptions(m.equals("tls"), h);
    }

    @Override
    public String toString() {
        return "obfs " + (tls ? "tls" : "http") + " " + host;
    }
}
