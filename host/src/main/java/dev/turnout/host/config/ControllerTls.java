package dev.turnout.host.config;

import dev.turnout.rules.Origin;

/**
 * mihomo's {@code external-controller-tls} with the top-level {@code tls:} section's certificate: the controller
 * served over HTTPS as well.
 *
 * @param listen      HOST:PORT, as {@code external-controller} is written
 * @param certificate the certificate chain: a PEM text written inline, or the absolute path of a PEM file
 * @param privateKey  its key, the same way (PKCS#8, as OpenSSL 3 writes keys)
 * @param origin      where {@code external-controller-tls} is written
 */
public record ControllerTls(String listen, String certificate, String privateKey, Origin origin) {

    /** Whether {@code value} is PEM text rather than a path. */
    public static boolean inline(String value) {
        return value.contains("-----BEGIN");
    }
}
