package dev.turnout.host.dial.layer;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.HexFormat;
import java.net.Socket;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * Accepts exactly the server certificate whose SHA-256 is pinned, whoever issued it and whatever name it
 * carries: Clash's {@code fingerprint} option, which users set for self-signed servers. An extended trust
 * manager, so that the JDK does not wrap it in one that also checks the name (it did, under Netty 4.2, which
 * asks engines for hostname verification by default).
 */
final class PinnedCertificate extends X509ExtendedTrustManager {

    private final byte[] sha256;

    PinnedCertificate(byte[] sha256) {
        this.sha256 = sha256.clone();
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
        checkClientTrusted(chain, authType);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
        checkClientTrusted(chain, authType);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
        checkServerTrusted(chain, authType);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
        checkServerTrusted(chain, authType);
    }

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
