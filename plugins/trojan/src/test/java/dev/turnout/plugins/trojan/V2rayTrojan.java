package dev.turnout.plugins.trojan;

import dev.turnout.api.testing.DaemonProcess;
import dev.turnout.api.testing.TestCertificates;
import dev.turnout.api.testing.LocalTcpServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * How to run a real v2ray (Debian's v2ray 4.34) as a Trojan server on 127.0.0.1: a trojan inbound with TLS,
 * over plain TCP or over a WebSocket at a path (or in clear, behind a gRPC server), and a freedom outbound. Its access log names each
 * destination ({@code accepted tcp:HOST:PORT}).
 */
final class V2rayTrojan {

    static final Path BINARY = Path.of("/usr/bin/v2ray");

    private V2rayTrojan() {
    }

    static boolean installed() {
        return Files.isExecutable(BINARY);
    }

    /**
     * Starts v2ray and returns once it listens.
     *
     * @param webSocketPath the WebSocket path, or {@code null} for Trojan over TLS on TCP
     */
    static DaemonProcess start(Path dir, TestCertificates cert, String password, String webSocketPath)
            throws IOException, InterruptedException {
        String transport = webSocketPath == null ? "\"network\": \"tcp\""
                : "\"network\": \"ws\", \"wsSettings\": {\"path\": \"" + webSocketPath + "\"}";
        return start(dir, webSocketPath == null ? "v2ray-tcp" : "v2ray-ws", password, transport + ", \"security\": \"tls\","
                + " \"tlsSettings\": {\"certificates\": [{\"certificateFile\": \"" + cert.certificate()
                + "\", \"keyFile\": \"" + cert.privateKey() + "\"}]}");
    }

    /**
     * Starts v2ray with Trojan in clear on TCP: what a gRPC server carries each call to (Xray's trojan-grpc has
     * its TLS at the gRPC layer, not under Trojan).
     */
    static DaemonProcess startInClear(Path dir, String password) throws IOException, InterruptedException {
        return start(dir, "v2ray-clear", password, "\"network\": \"tcp\", \"security\": \"none\"");
    }

    private static DaemonProcess start(Path dir, String name, String password, String streamSettings)
            throws IOException, InterruptedException {
        int port = LocalTcpServer.closedPort();
        Path access = dir.resolve(name + "-access.log");
        Path conf = dir.resolve(name + ".json");
        Files.writeString(conf, """
                {
                  "log": {"loglevel": "info", "access": "%s", "error": "%s"},
                  "inbounds": [{
                    "listen": "127.0.0.1", "port": %d, "protocol": "trojan",
                    "settings": {"clients": [{"password": "%s"}]},
                    "streamSettings": {%s}
                  }],
                  "outbounds": [{"protocol": "freedom"}]
                }
                """.formatted(access, dir.resolve(name + "-error.log"), port, password, streamSettings));
        return DaemonProcess.start(name, List.of(BINARY.toString(), "-config", conf.toString()), dir, access, port);
    }
}
