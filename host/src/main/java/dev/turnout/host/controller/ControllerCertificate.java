package dev.turnout.host.controller;

import dev.turnout.host.config.ControllerTls;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** The server side of {@code external-controller-tls}: its certificate and key, read when it starts or moves. */
final class ControllerCertificate {

    private ControllerCertificate() {
    }

    /** @throws IllegalArgumentException naming what cannot be read, and where it is written */
    static SslContext sslContext(ControllerTls tls) {
        try (InputStream chain = open(tls.certificate(), "tls.certificate");
             InputStream key = open(tls.privateKey(), "tls.private-key")) {
            return SslContextBuilder.forServer(chain, key)
                    .applicationProtocolConfig(new ApplicationProtocolConfig(ApplicationProtocolConfig.Protocol.ALPN,
                            ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                            ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT,
                            ApplicationProtocolNames.HTTP_2, ApplicationProtocolNames.HTTP_1_1))
                    .build();
        } catch (IOException | RuntimeException e) {
            String why = e.getMessage() != null ? e.getMessage() : e.toString();
            Throwable cause = e.getCause();
            if (cause != null && cause.getMessage() != null && !why.contains(cause.getMessage())) {
                why += ": " + cause.getMessage();
            }
            throw new IllegalArgumentException("external-controller-tls: the certificate and key of "
                    + "'tls:' cannot be used (" + why + "); the key must be PKCS#8 (BEGIN PRIVATE KEY; openssl pkcs8 "
                    + "-topk8 -nocrypt converts others)", e);
        }
    }

    private static InputStream open(String value, String key) throws IOException {
        if (ControllerTls.inline(value)) {
            return new ByteArrayInputStream(value.getBytes(StandardCharsets.US_ASCII));
        }
        Path path = Path.of(value);
        if (!Files.isReadable(path)) {
            throw new IOException(key + " " + path + " cannot be read");
        }
        return Files.newInputStream(path);
    }
}
