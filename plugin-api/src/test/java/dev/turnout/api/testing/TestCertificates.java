package dev.turnout.api.testing;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A throwaway certificate authority and one server certificate it signed, made with the {@code openssl}
 * command (as a real server's operator would), for TLS tests against real servers: trojan, stunnel, v2ray,
 * or a Netty test server. Files are PEM; the key is unencrypted PKCS#8.
 *
 * @param caCertificate the CA's certificate, for {@code SSL_CERT_FILE} or a trust store
 * @param certificate the server's certificate (leaf only)
 * @param privateKey the server's key
 * @param sha256 SHA-256 of the server certificate's DER, what Clash's {@code fingerprint} pins
 */
public record TestCertificates(Path caCertificate, Path certificate, Path privateKey, byte[] sha256) {

    /** The server certificate's fingerprint as 64 lower-case hex digits. */
    public String fingerprintHex() {
        return HexFormat.of().formatHex(sha256);
    }

    /**
     * Issues a CA and a server certificate valid for {@code names} (DNS names or IP literals, the first is also
     * the subject's CN) into {@code dir}. Skips (fails under CI) when {@code openssl} is missing.
     */
    public static TestCertificates issue(Path dir, String... names) throws IOException, InterruptedException {
        Required.that(onPath("openssl"), () -> "openssl is not installed (apt-get install openssl)");
        Files.createDirectories(dir);
        Path caKey = dir.resolve("ca.key");
        Path ca = dir.resolve("ca.pem");
        Path key = dir.resolve("server.key");
        Path csr = dir.resolve("server.csr");
        Path cert = dir.resolve("server.pem");
        Path ext = dir.resolve("server.ext");
        List<String> san = new ArrayList<>();
        for (String n : names) {
            san.add((n.matches("[0-9.]+") || n.contains(":") ? "IP:" : "DNS:") + n);
        }
        Files.writeString(ext, "basicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\n"
                + "extendedKeyUsage=serverAuth\nsubjectAltName=" + String.join(",", san) + "\n");
        openssl(dir, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", caKey.toString(), "-out",
                ca.toString(), "-days", "3", "-subj", "/CN=Turnout Test CA", "-addext",
                "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign");
        openssl(dir, "req", "-newkey", "rsa:2048", "-nodes", "-keyout", key.toString(), "-out", csr.toString(),
                "-subj", "/CN=" + names[0]);
        openssl(dir, "x509", "-req", "-in", csr.toString(), "-CA", ca.toString(), "-CAkey", caKey.toString(),
                "-CAcreateserial", "-out", cert.toString(), "-days", "3", "-extfile", ext.toString());
        return new TestCertificates(ca, cert, key, sha256Of(cert));
    }

    private static byte[] sha256Of(Path pem) throws IOException {
        try (InputStream in = Files.newInputStream(pem)) {
            X509Certificate c = (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
            return MessageDigest.getInstance("SHA-256").digest(c.getEncoded());
        } catch (java.security.GeneralSecurityException e) {
            throw new IOException("cannot read the certificate openssl wrote: " + e.getMessage(), e);
        }
    }

    private static void openssl(Path dir, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add("openssl");
        command.addAll(List.of(args));
        Path out = dir.resolve("openssl.out");
        Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(out.toFile()).start();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException("openssl " + args[0] + " did not finish in 60 s");
        }
        if (p.exitValue() != 0) {
            throw new IOException("openssl " + String.join(" ", args) + " failed: "
                    + Files.readString(out, StandardCharsets.UTF_8));
        }
    }

    private static boolean onPath(String program) {
        String path = System.getenv().getOrDefault("PATH", "/usr/bin:/bin");
        for (String d : path.split(":")) {
            if (Files.isExecutable(Path.of(d, program))) {
                return true;
            }
        }
        return false;
    }
}
