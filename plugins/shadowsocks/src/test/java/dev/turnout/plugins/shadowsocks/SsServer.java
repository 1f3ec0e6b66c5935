package dev.turnout.plugins.shadowsocks;

import dev.turnout.api.testing.DaemonProcess;
import dev.turnout.api.testing.LocalTcpServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * How to run a real shadowsocks-libev server ({@code ss-server}) on 127.0.0.1, TCP and UDP on one port, as a
 * {@link DaemonProcess}. It runs verbose ({@code -v}), so its output shows each request's target
 * ({@code connect to HOST:PORT}) and {@code authentication error} for what it cannot decrypt.
 */
final class SsServer {

    static final Path BINARY = Path.of("/usr/bin/ss-server");
    static final String PASSWORD = "turnout-test";

    private SsServer() {
    }

    static boolean installed() {
        return Files.isExecutable(BINARY);
    }

    /** Starts ss-server with {@code cipher} and {@link #PASSWORD}, and returns once it listens. */
    static DaemonProcess start(Path dir, String cipher) throws IOException, InterruptedException {
        return start(dir, cipher, List.of());
    }

    /** As {@link #start(Path, String)}, with more of ss-server's arguments ({@code --plugin obfs-server}). */
    static DaemonProcess start(Path dir, String cipher, List<String> more) throws IOException, InterruptedException {
        int port = LocalTcpServer.closedPort();
        List<String> command = new java.util.ArrayList<>(List.of(BINARY.toString(), "-s", "127.0.0.1", "-p",
                Integer.toString(port), "-k", PASSWORD, "-m", cipher, "-u", "-v", "-t", "60"));
        command.addAll(more);
        return DaemonProcess.start("ss-server-" + cipher, command, dir, dir.resolve("ss-server-" + cipher + ".out"),
                port);
    }
}
