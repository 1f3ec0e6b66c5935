package dev.turnout.plugins.ssh;

import dev.turnout.api.testing.DaemonProcess;
import dev.turnout.api.testing.LocalTcpServer;
import dev.turnout.api.testing.OpenSsh;
import dev.turnout.api.testing.Required;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * A real OpenSSH server ({@code sshd} from Debian's openssh-server) on 127.0.0.1, with its own config
 * ({@link OpenSsh#sshdConfig}), host keys and authorized keys in a test folder, for the user the tests run as.
 */
final class OpenSshServer {

    static final Path SSHD = Path.of("/usr/sbin/sshd");
    static final Path KEYGEN = Path.of("/usr/bin/ssh-keygen");

    private OpenSshServer() {
    }

    /** Fails under CI, skips elsewhere, saying what is missing. */
    static void require() {
        Required.that(Files.isExecutable(SSHD) && Files.isExecutable(KEYGEN),
                () -> "sshd or ssh-keygen is not installed (apt-get install openssh-server)");
        Required.that("root".equals(System.getProperty("user.name")),
                () -> "OpenSSH's sshd must run as root to log users in (tests run as " + System.getProperty("user.name") + ")");
        Required.that(Files.isDirectory(Path.of("/run/sshd")),
                () -> "/run/sshd, sshd's privilege separation folder, is missing (.ci/test-deps.sh makes it)");
    }

    /** Starts sshd with {@code hostKeys} and the public keys in {@code authorized}, and returns once it listens. */
    static DaemonProcess start(Path dir, List<Path> hostKeys, List<Path> authorized)
            throws IOException, InterruptedException {
        StringBuilder keys = new StringBuilder();
        for (Path pub : authorized) {
            keys.append(Files.readString(pub, StandardCharsets.UTF_8).strip()).append('\n');
        }
        Path authorizedKeys = Files.writeString(dir.resolve("authorized_keys"), keys.toString());
        int port = LocalTcpServer.closedPort();
        Path config = Files.writeString(dir.resolve("sshd_config"),
                OpenSsh.sshdConfig("127.0.0.1", port, hostKeys, authorizedKeys));
        return DaemonProcess.start("sshd", List.of(SSHD.toString(), "-D", "-e", "-f", config.toString()), dir,
                dir.resolve("sshd.out"), port);
    }
}
