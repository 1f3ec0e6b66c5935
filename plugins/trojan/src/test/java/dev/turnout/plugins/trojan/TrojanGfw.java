package dev.turnout.plugins.trojan;

import dev.turnout.api.testing.DaemonProcess;
import dev.turnout.api.testing.TestCertificates;
import dev.turnout.api.testing.LocalTcpServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * How to run a real trojan-gfw server ({@code trojan}, Debian package trojan) on 127.0.0.1: a generated
 * config in a temp folder, run as a {@link DaemonProcess}. Its log ({@code log_level: 1}) names each
 * request ({@code requested connection to HOST:PORT}) and each unauthenticated one.
 */
final class TrojanGfw {

    static final Path BINARY = Path.of("/usr/bin/trojan");

    private TrojanGfw() {
    }

    static boolean installed() {
        return Files.isExecutable(BINARY);
    }

    /**
     * Starts trojan-gfw and returns once it listens.
     *
     * @param fallbackPort where it sends connections that do not authenticate ({@code remote_addr}), on 127.0.0.1
     */
    static DaemonProcess start(Path dir, TestCertificates cert, String password, int fallbackPort)
            throws IOException, InterruptedException {
        int port = LocalTcpServer.closedPort();
        Path log = dir.resolve("trojan.log");
        Path conf = dir.resolve("trojan.json");
        Files.writeString(conf, """
                {
                  "run_type": "server",
                  "local_addr": "127.0.0.1",
                  "local_port": %d,
                  "remote_addr": "127.0.0.1",
                  "remote_port": %d,
                  "password": ["%s"],
                  "log_level": 1,
                  "ssl": {"cert": "%s", "key": "%s", "alpn": ["http/1.1"]},
                  "tcp": {"no_delay": true}
                }
                """.formatted(port, fallbackPort, password, cert.certificate(), cert.privateKey()));
        return DaemonProcess.start("trojan", List.of(BINARY.toString(), "-l", log.toString(), "-c", conf.toString()),
                dir, log, port);
    }
}
