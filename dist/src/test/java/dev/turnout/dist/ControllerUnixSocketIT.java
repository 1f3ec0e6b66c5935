package dev.turnout.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.turnout.api.testing.Required;
import dev.turnout.dist.testing.Netns;
import dev.turnout.dist.testing.ScratchDir;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * mihomo's {@code external-controller-unix}, which Clash Verge Rev writes into its core's config and talks to
 * ({@code /tmp/verge/verge-mihomo.sock} on Linux), on the packaged Turnout: the API answers there without the secret,
 * as in mihomo, but only for the user who started Turnout (the one behind {@code sudo}); the file goes at stop, a
 * socket a killed run left is replaced, and a file that is not a socket is never deleted.
 */
class ControllerUnixSocketIT {

    static final int NOBODY = 65534;
    static final int OTHER = 65533;

    Path dir;
    Netns ns;
    Path socket;

    @BeforeEach
    void start() throws Exception {
        Netns.assumeUsable("curl", "setpriv");
        // Debian's own, which any user may run (a pyenv shim on root's PATH is not).
        Required.that(Files.isExecutable(Path.of("/usr/bin/python3")), () -> "no /usr/bin/python3 (apt-get install python3)");
        dir = ScratchDir.create("tunixctl");
        // Other users must reach the folder for the socket's own permissions to be what decides.
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        socket = dir.resolve("run/ctl.sock");
        ns = Netns.create("tunixctl");
    }

    @AfterEach
    void stop() throws IOException {
        if (ns != null) {
            ns.close();
        }
        ScratchDir.delete(dir);
    }

    private Process turnout(String log, String... configLines) throws IOException {
        Path config = dir.resolve("config.yaml");
        Files.writeString(config, String.join("\n", configLines) + "\n");
        Files.setPosixFilePermissions(config, PosixFilePermissions.fromString("rw-r--r--"));
        // As `sudo turnout run` would be started by the desktop user nobody.
        return ns.spawn(dir.resolve(log), "env", "SUDO_UID=" + NOBODY, "SUDO_GID=" + NOBODY, "SUDO_USER=nobody",
                Path.of(System.getProperty("turnout.dist")).resolve("bin/turnout").toString(), "run", "-c",
                config.toString());
    }

    private void awaitSocket(Process turnout) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!Files.exists(socket, LinkOption.NOFOLLOW_LINKS) && turnout.isAlive() && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertTrue(Files.exists(socket, LinkOption.NOFOLLOW_LINKS), () -> "no socket: " + log("turnout.log"));
    }

    private String log(String name) {
        return MixedPortIT.read(dir.resolve(name));
    }

    /** curl through the socket, as {@code asUser} (empty: root): exit code, then the HTTP status and body. */
    private Netns.Result overSocket(List<String> asUser, String method, String path, String body)
            throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(asUser);
        cmd.addAll(List.of("curl", "-sS", "--max-time", "10", "--unix-socket", socket.toString(), "-X", method,
                "-w", "\n%{http_code}"));
        if (body != null) {
            cmd.addAll(List.of("-H", "Content-Type: application/json", "--data", body));
        }
        cmd.add("http://localhost" + path);
        return ns.run(Duration.ofSeconds(20), cmd.toArray(String[]::new));
    }

    private static List<String> as(int uid) {
        return List.of("setpriv", "--reuid=" + uid, "--regid=" + uid, "--clear-groups");
    }

    @Test
    void theSocketAsksNoSecretServesOnlyItsUserAndIsGoneAfterTheStop() throws Exception {
        Process turnout = turnout("turnout.log", "mixed-port: 7890", "external-controller: 127.0.0.1:9090",
                "secret: s3", "external-controller-unix: run/ctl.sock", "rules:", "  - MATCH,DIRECT");
        awaitSocket(turnout);
        ns.awaitTcpPort(9090, Duration.ofSeconds(30));

        assertEquals(0600, (Integer) Files.getAttribute(socket, "unix:mode", LinkOption.NOFOLLOW_LINKS) & 0777);
        assertEquals(NOBODY, Files.getAttribute(socket, "unix:uid", LinkOption.NOFOLLOW_LINKS),
                "given to the user behind sudo");
        Netns.Result version = overSocket(as(NOBODY), "GET", "/version", null);
        assertEquals(0, version.exitCode(), version.stderr());
        assertTrue(version.stdout().endsWith("\n200") && version.stdout().contains("\"version\":\"turnout-"),
                version.stdout());
        Netns.Result patched = overSocket(as(NOBODY), "PATCH", "/configs", "{\"mode\":\"global\"}");
        assertTrue(patched.stdout().endsWith("204"), patched.stdout() + patched.stderr());
        Netns.Result tcp = ns.run(Duration.ofSeconds(20), "curl", "-sS", "--max-time", "10", "-H",
                "Authorization: Bearer s3", "http://127.0.0.1:9090/configs");
        assertTrue(tcp.stdout().contains("\"mode\":\"global\""), tcp.stdout() + tcp.stderr());
        Netns.Result noSecret = ns.run(Duration.ofSeconds(20), "curl", "-sS", "--max-time", "10", "-o", "/dev/null",
                "-w", "%{http_code}", "http://127.0.0.1:9090/version");
        assertEquals("401", noSecret.stdout(), "the TCP controller still asks for the secret");

        // Another local user: the kernel refuses the connect (curl would only say it could not connect).
        List<String> connect = new ArrayList<>(as(OTHER));
        connect.addAll(List.of("/usr/bin/python3", "-c", "import socket,sys; s=socket.socket(socket.AF_UNIX); s.connect(sys.argv[1])",
                socket.toString()));
        Netns.Result other = ns.run(Duration.ofSeconds(20), connect.toArray(String[]::new));
        assertNotEquals(0, other.exitCode(), () -> "another user connected: " + other.stdout());
        assertTrue(other.stderr().contains("PermissionError"), other.stderr());
        assertTrue(log("turnout.log").contains("listening on unix socket " + socket
                + ": only user nobody (who ran sudo) may use it"), log("turnout.log"));

        turnout.destroy(); // SIGTERM, as systemd and Ctrl-C stop it
        assertTrue(turnout.waitFor(30, TimeUnit.SECONDS), "Turnout did not stop");
        assertFalse(Files.exists(socket, LinkOption.NOFOLLOW_LINKS), "the socket was left behind");
    }

    @Test
    void aSocketAKilledRunLeftIsReplacedAndTheSocketAloneIsEnough() throws Exception {
        String[] config = {"mixed-port: 7890", "external-controller-unix: run/ctl.sock", "rules:", "  - MATCH,DIRECT"};
        Process first = turnout("first.log", config);
        awaitSocket(first);
        first.destroyForcibly();
        assertTrue(first.waitFor(30, TimeUnit.SECONDS));
        assertTrue(Files.exists(socket, LinkOption.NOFOLLOW_LINKS), "kill -9 leaves the file");

        Process second = turnout("turnout.log", config);
        ns.awaitTcpPort(7890, Duration.ofSeconds(30));
        // Not the mixed port alone: the controller listens a few ms after it, and until then the killed run's file
        // is there to refuse the connect (CI, once: curl's 'Failed to connect' 32 ms before the controller listened).
        assertTrue(MixedPortIT.awaitLog(dir.resolve("turnout.log"), "listening on unix socket " + socket),
                () -> log("turnout.log"));
        Netns.Result version = overSocket(List.of(), "GET", "/version", null);
        assertTrue(version.stdout().endsWith("\n200"), () -> version.stdout() + version.stderr() + log("turnout.log"));
        assertTrue(second.isAlive());
    }

    /**
     * Clash Verge Rev opens its streams over the socket with {@code Host: clash-verge} (tauri-plugin-mihomo's
     * {@code connect()}); the guard against DNS rebinding refused them with 403, and its traffic graph, memory,
     * connections and logs stayed empty.
     */
    @Test
    void clashVergeRevsStreamsOverTheSocketAreAnsweredWhateverTheirHost() throws Exception {
        Process turnout = turnout("turnout.log", "mixed-port: 7890", "external-controller: 127.0.0.1:9090",
                "external-controller-unix: run/ctl.sock", "rules:", "  - MATCH,DIRECT");
        awaitSocket(turnout);
        assertTrue(MixedPortIT.awaitLog(dir.resolve("turnout.log"), "listening on unix socket " + socket),
                () -> log("turnout.log"));
        for (String stream : List.of("/traffic", "/memory", "/connections", "/logs")) {
            Netns.Result r = ns.run(Duration.ofSeconds(20), "curl", "-sS", "--max-time", "2", "-o", "/dev/null",
                    "-w", "%{http_code}", "--unix-socket", socket.toString(), "-H", "Host: clash-verge",
                    "-H", "Connection: Upgrade", "-H", "Upgrade: websocket", "-H", "Sec-WebSocket-Version: 13",
                    "-H", "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==", "http://localhost" + stream);
            assertEquals("101", r.stdout(), stream + ": " + r.stderr() + log("turnout.log"));
        }
        Netns.Result tcp = ns.run(Duration.ofSeconds(20), "curl", "-sS", "--max-time", "10", "-o", "/dev/null",
                "-w", "%{http_code}", "-H", "Host: clash-verge", "http://127.0.0.1:9090/version");
        assertEquals("403", tcp.stdout(), "over TCP a name that is not loopback's is still refused");
    }

    @Test
    void aFileThatIsNotASocketIsNamedAndLeftAlone() throws Exception {
        Files.createDirectories(socket.getParent());
        Files.writeString(socket, "notes the user keeps here\n");
        Process turnout = turnout("turnout.log", "mixed-port: 7890", "external-controller-unix: run/ctl.sock",
                "rules:", "  - MATCH,DIRECT");
        assertTrue(turnout.waitFor(60, TimeUnit.SECONDS), "Turnout started over a file that is not a socket");
        assertEquals(2, turnout.exitValue(), log("turnout.log"));
        assertTrue(log("turnout.log").contains("external-controller-unix: " + socket + " exists and is not a socket; "
                + "remove it or name another path"), log("turnout.log"));
        assertEquals("notes the user keeps here\n", Files.readString(socket));
    }
}
