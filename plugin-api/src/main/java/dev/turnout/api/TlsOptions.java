package dev.turnout.api;

import java.util.HexFormat;
import java.util.List;
import java.util.Locale;

/**
 * How an outbound wants TLS to its server, in Clash's option names. Plain data; the host builds the
 * {@code SslHandler} from it ({@link OutboundContext#tls}).
 *
 * @param serverName the name sent as SNI and checked against the server's certificate
 * @param skipCertVerify accept any certificate ({@code skip-cert-verify: true}); a pinned fingerprint still applies
 * @param alpn protocols offered in ALPN, in order; empty for none
 * @param fingerprint the SHA-256 of the server's certificate (DER) as 32 bytes, or {@code null} for no pin
 */
public record TlsOptions(String serverName, boolean skipCertVerify, List<String> alpn, byte[] fingerprint) {

    public TlsOptions {
        if (serverName == null || serverName.isEmpty()) {
            throw new IllegalArgumentException("TLS needs a server name");
        }
        alpn = List.copyOf(alpn);
        if (fingerprint != null && fingerprint.length != 32) {
            throw new IllegalArgumentException("a certificate fingerprint is 32 bytes of SHA-256");
        }
        fingerprint = fingerprint == null ? null : fingerprint.clone();
    }

    @Override
    public byte[] fingerprint() {
        return fingerprint == null ? null : fingerprint.clone();
    }

    /**
     * Reads {@code sni} (or {@code servername}, as vmess and vless call it), {@code skip-cert-verify},
     * {@code alpn} and {@code fingerprint} (hex, colons allowed) from an entry.
     *
     * @param defaultServerName used when the entry names none: usually its {@code server}
     */
    public static TlsOptions from(OutboundOptions options, String defaultServerName) throws OptionException {
        String sni = options.string("sni", null);
        if (sni == null || sni.isEmpty()) {
            sni = options.string("servername", null);
        }
        if (sni == null || sni.isEmpty()) {
            sni = defaultServerName;
        }
        return new TlsOptions(sni, options.bool("skip-cert-verify", false), options.stringList("alpn"),
                fingerprint(options));
    }

    private static byte[] fingerprint(OutboundOptions options) throws OptionException {
        String text = options.string("fingerprint", null);
        if (text == null || text.isBlank()) {
            return null;
        }
        String hex = text.replace(":", "").replace(" ", "").toLowerCase(Locale.ROOT);
        try {
            byte[] bytes = HexFormat.of().parseHex(hex);
            if (bytes.length == 32) {
                return bytes;
            }
        } catch (IllegalArgumentException e) {
            // reported below with the expected form
        }
        throw new OptionException("fingerprint", "'fingerprint' must be a certificate's SHA-256 in hex (64 digits,"
                + " colons allowed); uTLS client fingerprints go under 'client-fingerprint'");
    }
}
