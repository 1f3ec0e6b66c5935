package dev.turnout.api.testing;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The test JVM that {@link DaemonProcessWatchdogTest} kills: starts a real danted (which switches its helpers to
 * user nobody) through {@link DaemonProcess}, says so on stdout, and waits to be killed (at most a minute).
 */
public final class DaemonProcessChildJvm {

    static final Path DANTED = Path.of("/usr/sbin/danted");
    static final String LISTENING = "danted listening";

    private DaemonProcessChildJvm() {
    }

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        int port = LocalTcpServer.closedPort();
        Path log = dir.resolve("danted.log");
        Path conf = dir.resolve("danted.conf");
        Files.writeString(conf, String.join("\n",
                "logoutput: " + log,
                "internal: 127.0.0.1 port = " + port,
                "external: 127.0.0.1",
                "clientmethod: none",
                "socksmethod: none",
                "user.privileged: root",
                "user.unprivileged: nobody",
                "client pass {",
                "  from: 127.0.0.0/8 to: 0.0.0.0/0",
                "}",
                // Only loopback destinations; nothing connects anyway.
                "socks pass {",
                "  from: 127.0.0.0/8 to: 127.0.0.0/8",
                "}",
                ""));
        DaemonProcess danted = DaemonProcess.start("danted",
                List.of(DANTED.toString(), "-f", conf.toString(), "-p", dir.resolve("danted.pid").toString(), "-N", "1"),
                dir, log, port);
        System.out.println(LISTENING);
        System.out.flush();
        Thread.sleep(60_000);
        danted.close();
    }
}
