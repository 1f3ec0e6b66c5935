package dev.turnout.plugins.trojan;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A private CA and server certificates it signs, made with openssl in a temp folder: what a Trojan server
 * here presents. Keys are PKCS#8 PEM, which trojan-gfw, v2ray and Netty all read.
 *
 * @param dir where the files are
 * @param caCert the CA's certificate (PEM), what a client trusts ({@code SSL_CERT_FILE})
 */
record TestCa(Path dir, Path caCert) {

    /** A server certificate and its key. */
    record Server(Path cert, Path key) {

        /** The SHA-256 of the certificate's DER in hex: Clash's {@code fingerprint}. */
        String fingerprint() throws IOException {
            try (var in = Files.newInputStream(cert)) {
                byte[] der = CertificateFactory.getInstance("X.509").generateCertificate(in).getEncoded();
                return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(der));
            } catch (CertificateException | NoSuchAlgorithmException e) {
                throw new IOException(e);
            }
        }
    }

    static boolean opensslInstalled() {
        return Files.isExecutable(Path.of("/usr/bin/openssl"));
    }

    /** A new CA in {@code dir}. */
    static TestCa create(Path dir) throws IOException, InterruptedException {
        Path key = dir.resolve("ca.key");
        Path cert = dir.resolve("ca.pem");
        openssl(dir, "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", key.toString());
        openssl(dir, "req", "-x509", "-new", "-key", key.toString(), "-sha256", "-days", "2", "-subj", "/CN=Turnout test CA",
                "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign",
                "-out", cert.toString());
        return new TestCa(dir, cert);
    }

    /** A server certificate signed by this CA for {@code dnsName} and 127.0.0.1. */
    Server issue(String name, String dnsName) throws IOException, InterruptedException {
        Path key = dir.resolve(name + ".key");
        Path csr = dir.resolve(name + ".csr");
        Path cert = dir.resolve(name + ".pem");
        Path ext = dir.resolve(name + ".ext");
        Files.writeString(ext, "subjectAltName=DNS:" + dnsName + ",IP:127.0.0.1\nextendedKeyUsage=serverAuth\n");
        openssl(dir, "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", key.toString());
        openssl(dir, "req", "-new", "-key", key.toString(), "-subj", "/CN=" + dnsName, "-out", csr.toString());
        openssl(dir, "x509", "-req", "-in", csr.toString(), "-CA", caCert.toString(), "-CAkey", dir.resolve("ca.key").toString(),
                "-CAcreateserial", "-days", "2", "-sha256", "-extfile", ext.toString(), "-out", cert.toString());
        return new Server(cert, key);
    }

    private static void openssl(Path dir, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add("openssl");
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IOException("openssl " + String.join(" ", args) + " failed: " + out);
        }
    }
}
