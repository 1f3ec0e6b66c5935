package dev.turnout.plugins.ssh;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.turnout.api.Destination;
import dev.turnout.api.Metadata;
import dev.turnout.api.Network;
import dev.turnout.api.Outbound;
import dev.turnout.api.testing.ChannelProbe;
import dev.turnout.api.testing.DaemonProcess;
import dev.turnout.api.testing.LocalTcpServer;
import dev.turnout.api.testing.OneEventLoop;
import dev.turnout.api.testing.OpenSsh;
import dev.turnout.api.testing.PlainDialer;
import dev.turnout.api.testing.TestContext;
import dev.turnout.api.testing.TestOptions;
import io.netty.channel.Channel;
import io.netty.util.concurrent.Future;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The outbound against OpenSSH's sshd, what a user's VPS runs: keys as ssh-keygen writes them (OpenSSH's own format
 * for ed25519, PEM for an RSA key encrypted with a passphrase), the server's key pinned as ssh-keyscan shows it, and
 * names resolved by the server.
 */
class SshThroughOpenSshTest {

    @RegisterExtension
    static final OneEventLoop LOOP = new OneEventLoop();

    @TempDir
    static Path dir;

    static DaemonProcess sshd;
    static Path ed25519;
    static Path rsa;
    static Path stranger;
    static String hostKeyLine;

    @BeforeAll
    static void start() throws Exception {
        OpenSshServer.require();
        // Two host keys, as a VPS has: SSHD's client would ask for the ECDSA one first, though only ed25519 is pinned.
        Path ecdsaHostKey = OpenSsh.keygen(dir.resolve("host_ecdsa"), "ecdsa", "");
        Path hostKey = OpenSsh.keygen(dir.resolve("host_ed25519"), "ed25519", "");
        ed25519 = OpenSsh.keygen(dir.resolve("id_ed25519"), "ed25519", "");
        rsa = OpenSsh.keygen(dir.resolve("id_rsa"), "rsa", "pass phrase", "-b", "3072", "-m", "PEM");
        stranger = OpenSsh.keygen(dir.resolve("id_stranger"), "ed25519", "");
        sshd = OpenSshServer.start(dir, List.of(ecdsaHostKey, hostKey), List.of(dir.resolve("id_ed25519.pub"), dir.resolve("id_rsa.pub")));
        hostKeyLine = Files.readString(dir.resolve("host_ed25519.pub"), StandardCharsets.UTF_8).strip();
    }

    @AfterAll
    static void stop() throws Exception {
        if (sshd != null) {
            sshd.close();
        }
    }

    private static Outbound outbound(Object... keyValues) throws Exception {
        Map<String, Object> values = new LinkedHashMap<>();
        values.put("username", System.getProperty("user.name"));
        for (int i = 0; i < keyValues.length; i += 2) {
            values.put((String) keyValues[i], keyValues[i + 1]);
        }
        return new SshType().create(TestOptions.loopbackServer("vps", "ssh", sshd.port(), values),
                new TestContext(new PlainDialer()));
    }

    @Test
    void anEd25519KeyFileLogsInToAServerWhoseEd25519KeyIsPinnedAndTheServerResolvesTheName() throws Exception {
        try (LocalTcpServer echo = LocalTcpServer.echo()) {
            Outbound ssh = outbound("private-key", ed25519.toString(), "host-key", List.of(hostKeyLine));
            try {
                // A name, sent to the server as it is: "localhost" is the server's own.
                Metadata flow = Metadata.internal(Network.TCP, Destination.ofHost("localhost", echo.port()));
                Channel c = ssh.openStream(flow, LOOP.get()).get(20, TimeUnit.SECONDS);
                assertEquals("through openssh", ChannelProbe.exchange(c, "through openssh"));
                c.close().sync();
                assertTrue(sshd.logShows("Accepted publickey for " + System.getProperty("user.name"), 5000),
                        sshd.logForMessage());
                assertTrue(sshd.logShows("ED25519", 5000), sshd.logForMessage());
                // AES-GCM, which the JDK runs on the processor's instructions, rather than SSHD's own ChaCha20, which
                // SSHD would ask for first: a bulk download through OpenSSH went at half the speed with it.
                assertTrue(sshd.logShows("kex: client->server cipher: aes128-gcm@openssh.com", 5000),
                        sshd.logForMessage());
            } finally {
                ssh.close();
            }
        }
    }

    @Test
    void anEncryptedPemKeyWrittenInTheEntryLogsInWithItsPassphrase() throws Exception {
        String pem = Files.readString(rsa, StandardCharsets.UTF_8);
        assertTrue(pem.contains("BEGIN RSA PRIVATE KEY") && pem.contains("ENCRYPTED"), pem.lines().limit(3).toList().toString());
        try (LocalTcpServer echo = LocalTcpServer.echo()) {
            Outbound ssh = outbound("private-key", pem, "private-key-passphrase", "pass phrase");
            try {
                Metadata flow = Metadata.internal(Network.TCP, Destination.ofHost("127.0.0.1", echo.port()));
                Channel c = ssh.openStream(flow, LOOP.get()).get(20, TimeUnit.SECONDS);
                assertEquals("rsa", ChannelProbe.exchange(c, "rsa"));
                c.close().sync();
                assertTrue(sshd.logShows("RSA SHA256:", 5000), sshd.logForMessage());
            } finally {
                ssh.close();
            }
        }
    }

    @Test
    void aKeyTheServerDoesNotKnowFailsTheFlowSayingWhoCouldNotLogIn() throws Exception {
        Outbound ssh = outbound("private-key", stranger.toString());
        try {
            Metadata flow = Metadata.internal(Network.TCP, Destination.ofHost("127.0.0.1", 9));
            Future<Channel> open = ssh.openStream(flow, LOOP.get()).await();
            assertFalse(open.isSuccess());
            assertTrue(open.cause().getMessage().contains("cannot log in as " + System.getProperty("user.name")),
                    open.cause().toString());
        } finally {
            ssh.close();
        }
    }
}
