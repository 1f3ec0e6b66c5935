package dev.turnout.host.dial.layer;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;

/**
 * The certificates Turnout trusts for upstream TLS: the JDK's store, plus the PEM file named by
 * {@code SSL_CERT_FILE}, which Go programs (Clash, mihomo) also read, so a private CA that works for them
 * works here.
 */
final class TrustAnchors {

    private TrustAnchors() {
    }

    /** A trust manager accepting a chain that either the JDK's store or the extra file vouches for. */
    static X509TrustManager system(String extraPemFile) throws GeneralSecurityException, IOException {
        X509TrustManager jdk = managerFor(null);
        if (extraPemFile == null || extraPemFile.isBlank()) {
            return jdk;
        }
        KeyStore extra = KeyStore.getInstance(KeyStore.getDefaultType());
        extra.load(null, null);
        int i = 0;
        for (Certificate c : readPem(Path.of(extraPemFile))) {
            extra.setCertificateEntry("ssl-cert-file-" + i++, c);
        }
        return new Either(jdk, managerFor(extra));
    }

    private static Collection<? extends Certificate> readPem(Path file) throws IOException, CertificateException {
        try (InputStream in = Files.newInputStream(file)) {
            return CertificateFactory.getInstance("X.509").generateCertificates(in);
        } catch (IOException e) {
            throw new IOException("SSL_CERT_FILE names " + file + ", which cannot be read: " + e.getMessage(), e);
        }
    }

    private static X509TrustManager managerFor(KeyStore store) throws GeneralSecurityException {
        TrustManagerFactory f = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        f.init(store);
        for (TrustManager m : f.getTrustManagers()) {
            if (m instanceof X509TrustManager x) {
                return x;
            }
        }
        throw new GeneralSecurityException("the JDK offers no X.509 trust manager");
    }

    /** Trusts what the first trusts, else what the second trusts; the first's refusal is the one reported. */
    private record Either(X509TrustManager first, X509TrustManager second) implements X509TrustManager {

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            throw new CertificateException("Turnout does not accept client certificates");
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            try {
                first.checkServerTrusted(chain, authType);
            } catch (CertificateException e) {
                try {
                    second.checkServerTrusted(chain, authType);
                } catch (CertificateException ignored) {
                    throw e;
                }
            }
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            List<X509Certificate> all = new ArrayList<>(List.of(first.getAcceptedIssuers()));
            all.addAll(List.of(second.getAcceptedIssuers()));
            return all.toArray(X509Certificate[]::new);
        }
    }
}
