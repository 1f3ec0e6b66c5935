package dev.turnout.plugins.socks5;

import dev.turnout.api.testing.DaemonProcess;
import dev.turnout.api.testing.LocalTcpServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * How to run a real dante-server ({@code danted}) on 127.0.0.1: a generated config in a temp folder, run as a
 * {@link DaemonProcess} (closing it stops danted with its children). Dante's log writes addresses as
 * {@code 127.0.0.1.PORT}, and some lines only after the fact: check it with {@link DaemonProcess#logShows}. It runs
 * with {@code debug: 1}, which logs each request as received ({@code ATYP: 3 address: localhost.PORT}): how a test
 * sees whether a name was sent as a name.
 */
final class Danted {

    static final Path BINARY = Path.of("/usr/sbin/danted");

    private Danted() {
    }

    static boolean installed() {
        return Files.isExecutable(BINARY);
    }

    /**
     * Starts danted and returns once it listens.
     *
     * @param socksMethod {@code none} or {@code username} (system users, checked against /etc/shadow)
     * @param blockedPort a destination port on 127.0.0.1 that a {@code socks block} rule refuses
     */
    static DaemonProcess start(Path dir, String socksMethod, int blockedPort) throws IOException, InterruptedException {
        int port = LocalTcpServer.closedPort();
        Path log = dir.resolve("danted.log");
        Path conf = dir.resolve("danted.conf");
        Files.writeString(conf, String.join("\n",
                "logoutput: " + log,
                "debug: 1",
                "internal: 127.0.0.1 port = " + port,
                "external: 127.0.0.1",
                "clientmethod: none",
                "socksmethod: " + socksMethod,
                "user.privileged: root",
                "user.unprivileged: nobody",
                "client pass {",
                "  from: 127.0.0.0/8 to: 0.0.0.0/0",
                "  log: error",
                "}",
                "socks block {",
                "  from: 127.0.0.0/8 to: 127.0.0.1/32 port = " + blockedPort,
                "  log: connect error",
                "}",
                // Only loopback destinations: tests must never reach beyond this machine.
                "socks pass {",
                "  from: 127.0.0.0/8 to: 127.0.0.0/8",
                "  command: connect udpassociate udpreply",
                "  log: connect disconnect error",
                "}",
                ""));
        return DaemonProcess.start("danted",
                List.of(BINARY.toString(), "-f", conf.toString(), "-p", dir.resolve("danted.pid").toString(), "-N", "1"),
                dir, log, port);
    }
}
