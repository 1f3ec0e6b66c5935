package dev.turnout.plugins.shadowsocks;

import dev.turnout.api.testing.DaemonProcess;
import dev.turnout.api.testing.LocalTcpServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * How to run a real v2ray (Debian's v2ray 4.34) as a Shadowsocks server over a WebSocket on 127.0.0.1: a
 * shadowsocks inbound with the WebSocket transport at a path, no Mux.Cool (what a v2ray or Xray node offers where
 * mihomo's configs say {@code mux: false}), and a freedom outbound. Its access log names each destination
 * ({@code accepted tcp:HOST:PORT}).
 */
final class V2rayShadowsocks {

    static final Path BINARY = Path.of("/usr/bin/v2ray");

    private V2rayShadowsocks() {
    }

    static boolean installed() {
        return Files.isExecutable(BINARY);
    }

    static DaemonProcess start(Path dir, String cipher, String path) throws IOException, InterruptedException {
        int port = LocalTcpServer.closedPort();
        Path access = dir.resolve("v2ray-ss-access.log");
        Path conf = dir.resolve("v2ray-ss.json");
        Files.writeString(conf, """
                {
                  "log": {"loglevel": "info", "access": "%s", "error": "%s"},
                  "inbounds": [{
                    "listen": "127.0.0.1", "port": %d, "protocol": "shadowsocks",
                    "settings": {"method": "%s", "password": "%s", "network": "tcp"},
                    "streamSettings": {"network": "ws", "wsSettings": {"path": "%s"}}
                  }],
                  "outbounds": [{"protocol": "freedom"}]
                }
                """.formatted(access, dir.resolve("v2ray-ss-error.log"), port, cipher, SsServer.PASSWORD, path));
        return DaemonProcess.start("v2ray-ss", List.of(BINARY.toString(), "-config", conf.toString()), dir, access,
                port);
    }
}
