package dev.turnout.api.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * OpenSSH's parts for the tests that run its server (the ssh plugin's, SshIT): keys made with {@code ssh-keygen}, and
 * an {@code sshd_config} of the test's own, so that nothing of the machine's {@code /etc/ssh} is read: public-key
 * login only (a password would need an account with one), forwarding allowed, the key exchange in the log.
 */
public final class OpenSsh {

    private OpenSsh() {
    }

    /** Makes a key pair with ssh-keygen: {@code file} and {@code file.pub}; {@code more}: further arguments. */
    public static Path keygen(Path file, String type, String passphrase, String... more)
            throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("ssh-keygen", "-q", "-t", type, "-N", passphrase,
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

    /** An sshd_config listening on {@code address}:{@code port} with {@code hostKeys} and {@code authorizedKeys}. */
    public static String sshdConfig(String address, int port, List<Path> hostKeys, Path authorizedKeys) {
        List<String> lines = new ArrayList<>(List.of("ListenAddress " + address, "Port " + port));
        hostKeys.forEach(k -> lines.add("HostKey " + k));
        lines.addAll(List.of(
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
        return String.join("\n", lines);
    }
}
