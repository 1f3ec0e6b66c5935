package dev.turnout.plugins.http;

import dev.turnout.api.testing.DaemonProcess;
import dev.turnout.api.testing.LocalTcpServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * How to run a real tinyproxy on 127.0.0.1: in the foreground with a generated config, as a
 * {@link DaemonProcess} (closing it stops tinyproxy).
 */
final class Tinyproxy {

    static final Path BINARY = Path.of("/usr/bin/tinyproxy");

    private Tinyproxy() {
    }

    static boolean installed() {
        return Files.isExecutable(BINARY);
    }

    /**
     * Starts tinyproxy and returns once it listens.
     *
     * @param connectPorts the only ports CONNECT may reach (tinyproxy answers 403 for others)
     * @param basicAuth {@code "user pass"}, or {@code null} for none
     */
    static DaemonProcess start(Path dir, List<Integer> connectPorts, String basicAuth) throws IOException, InterruptedException {
        int port = LocalTcpServer.closedPort();
        Path log = dir.resolve("tinyproxy.log");
        Path conf = dir.resolve("tinyproxy.conf");
        List<String> lines = new ArrayList<>(List.of(
                "Port " + port,
                "Listen 127.0.0.1",
                "Timeout 30",
                "LogFile \"" + log + "\"",
                "LogLevel Info",
                "MaxClients 20",
                "Allow 127.0.0.1"));
        connectPorts.forEach(p -> lines.add("ConnectPort " + p));
        if (basicAuth != null) {
            lines.add("BasicAuth " + basicAuth);
        }
        Files.writeString(conf, String.join("\n", lines) + "\n");
        return DaemonProcess.start("tinyproxy",
                List.of(BINARY.toString(), "-d", "-c", conf.toString()), dir, log, port);
    }
}
