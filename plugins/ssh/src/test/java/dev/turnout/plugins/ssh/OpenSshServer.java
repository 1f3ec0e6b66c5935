package dev.turnout.plugins.ssh;

import dev.turnout.api.testing.DaemonProcess;
import dev.turnout.api.testing.LocalTcpServer;
import dev.turnout.api.testing.Required;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real OpenSSH server ({@code sshd} from Debian's openssh-server) on 127.0.0.1, with a config, host key and
 * authorized keys of its own in a test folder: nothing of the machine's {@code /etc/ssh} is read. Public-key login
 * only (a password would need an account with one), for the user the tests run as; forwarding allowed.
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

    /** Makes a key pair with ssh-keygen: {@code file} and {@code file.pub}. */
    static Path keygen(Path file, String type, String passphrase, String... more) throws IOException, InterruptedException {
        List<String> command = new java.util.ArrayList<>(List.of(KEYGEN.toString(), "-q", "-t", type, "-N", passphrase,
                "-C", "turnout-test", "-f", file.toString()));
        command.addAll(List.of(more));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
            p.destroyForcibly();
            throw new IOException("ssh-keygen failed: " + new String(p.getInputStream().readAllBytes(),
                    StandardCharsets.UTF_8));
        }
        return file;
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
        Path config = Files.writeString(dir.resolve("sshd_config"), String.join("\n",
                "ListenAddress 127.0.0.1",
                "Port " + port,
                hostKeys.stream().map(k -> "HostKey " + k).collect(java.util.stream.Collectors.joining("\n")),
                "AuthorizedKeysFile " + authorizedKeys,
                "PidFile none",
                "UsePAM no",
                "StrictModes no",
                "PasswordAuthentication no",
                "KbdInteractiveAuthentication no",
                "PubkeyAuthentication yes",
                "PermitRootLogin prohibit-password",
                "AllowTcpForwarding yes",
                "LogLevel DEBUG",
                ""));
        return DaemonProcess.start("sshd", List.of(SSHD.toString(), "-D", "-e", "-f", config.toString()), dir,
                dir.resolve("sshd.out"), port);
    }
}
