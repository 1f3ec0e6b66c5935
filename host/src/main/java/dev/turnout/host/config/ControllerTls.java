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
 * @param files       the files' modification times and sizes when the config was read: a certificate renewed in
 *                    place makes the next reload's config differ, so that it is read again
 */
public record ControllerTls(String listen, String certificate, String privateKey, Origin origin, String files) {

    /** The modification times and sizes of those of {@code values} that are files ("-" for one not there). */
    public static String stamp(String... values) {
        StringBuilder out = new StringBuilder();
        for (String v : values) {
            if (inline(v)) {
                continue;
            }
            try {
                java.nio.file.Path p = java.nio.file.Path.of(v);
                out.append(java.nio.file.Files.getLastModifiedTime(p).toMillis()).append(':')
                        .append(java.nio.file.Files.size(p)).append(' ');
            } catch (java.io.IOException | RuntimeException e) {
                out.append("- ");
            }
        }
        return out.toString().trim();
    }

    /** Whether {@code value} is PEM text rather than a path. */
    public static boolean inline(String value) {
        return value.contains("-----BEGIN");
    }
}
