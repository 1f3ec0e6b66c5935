package dev.turnout.host.dial.layer;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.HexFormat;
import javax.net.ssl.X509TrustManager;

/**
 * Accepts exactly the server certificate whose SHA-256 is pinned, whoever issued it: Clash's
 * {@code fingerprint} option, which users set for self-signed servers.
 */
record PinnedCertificate(byte[] sha256) implements X509TrustManager {

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        throw new CertificateException("Turnout does not accept client certificates");
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        if (chain == null || chain.length == 0) {
            throw new CertificateException("the server sent no certificate");
        }
        byte[] actual = digest(chain[0].getEncoded());
        if (!MessageDigest.isEqual(actual, sha256)) {
            throw new CertificateException("the server's certificate has SHA-256 " + HexFormat.of().formatHex(actual)
                    + ", not the pinned fingerprint " + HexFormat.of().formatHex(sha256));
        }
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
        return new X509Certificate[0];
    }

    private static byte[] digest(byte[] der) throws CertificateException {
        try {
            return MessageDigest.getInstance("SHA-256").digest(der);
        } catch (NoSuchAlgorithmException e) {
            throw new CertificateException(e);
        }
    }
}
