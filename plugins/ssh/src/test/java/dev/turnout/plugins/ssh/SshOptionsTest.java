package dev.turnout.plugins.ssh;

import static dev.turnout.api.testing.TestOptions.WARNINGS_IGNORED;
import static dev.turnout.api.testing.TestOptions.assertRejects;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.turnout.api.testing.TestOptions;
import java.util.ArrayList;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.util.Base64;
import java.util.List;
import org.apache.sshd.common.config.keys.KeyUtils;
import org.apache.sshd.common.config.keys.PublicKeyEntry;
import org.apache.sshd.common.signature.BuiltinSignatures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** An {@code ssh} entry's keys as mihomo reads them, checked where they are written. */
class SshOptionsTest {

    @TempDir
    Path dir;

    /** Reads key files as a host with {@link #dir} as its home folder would (the host's own rules are its tests'). */
    private SshOptions parse(Object... keyValues) throws Exception {
        return parseWith(path -> Files.readAllBytes(dir.resolve(path)), keyValues);
    }

    private static SshOptions parseWith(SshOptions.KeyFiles files, Object... keyValues) throws Exception {
        Object[] all = new Object[keyValues.length + 4];
        System.arraycopy(new Object[] {"server", "vps.example", "port", 22}, 0, all, 0, 4);
        System.arraycopy(keyValues, 0, all, 4, keyValues.length);
        return SshOptions.from(TestOptions.of("ssh", all), files, WARNINGS_IGNORED);
    }

    private static String pkcs8(KeyPair pair) {
        return "-----BEGIN PRIVATE KEY-----\n" + Base64.getMimeEncoder(64, "\n".getBytes())
                .encodeToString(pair.getPrivate().getEncoded()) + "\n-----END PRIVATE KEY-----\n";
    }

    private static KeyPair rsa() throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
        g.initialize(2048);
        return g.generateKeyPair();
    }

    @Test
    void aPasswordEntryIsTakenAndNeverShown() throws Exception {
        SshOptions o = parse("username", "root", "password", "hunter2");
        assertEquals("root", o.username());
        assertEquals("hunter2", o.password());
        assertEquals(List.of(), o.keys());
        assertEquals(List.of(), o.hostKeys(), "no host-key: any key, as in mihomo");
        assertFalse(o.toString().contains("hunter2"), o.toString());
        assertEquals("vps.example:22", o.server().toString());
    }

    @Test
    void aUserIsRequiredAndNeitherPasswordNorKeyIsTakenAsMihomoTakesIt() throws Exception {
        assertRejects(() -> parse("password", "x"), "username", "'username' is required");
        SshOptions none = parse("username", "root", "password", "");
        assertNull(none.password());
        assertEquals(List.of(), none.keys());
    }

    @Test
    void aKeyIsReadFromTheEntryOrFromAnAbsolutePath() throws Exception {
        KeyPair pair = rsa();
        SshOptions inline = parse("username", "root", "private-key", pkcs8(pair));
        assertEquals(1, inline.keys().size());
        assertEquals(true, KeyUtils.compareKeys(pair.getPublic(), inline.keys().get(0).getPublic()));
        assertNull(inline.password());

        Path file = Files.writeString(dir.resolve("id_rsa"), pkcs8(pair));
        SshOptions fromFile = parse("username", "root", "private-key", file.toString());
        assertEquals(true, KeyUtils.compareKeys(pair.getPublic(), fromFile.keys().get(0).getPublic()));
    }

    @Test
    void aKeyPathGoesToTheHostAsWrittenAndItsRefusalIsTheEntrys() throws Exception {
        KeyPair pair = rsa();
        Files.createDirectories(dir.resolve("keys"));
        Files.writeString(dir.resolve("keys/id_rsa"), pkcs8(pair));
        SshOptions o = parse("username", "root", "private-key", "keys/id_rsa");
        assertEquals(true, KeyUtils.compareKeys(pair.getPublic(), o.keys().get(0).getPublic()));
        assertRejects(() -> parse("username", "root", "private-key", "~/.ssh/id_rsa"),
                "private-key", "cannot read 'private-key' ~/.ssh/id_rsa");
        assertRejects(() -> parse("username", "root", "private-key", "~/.ssh/id_rsa"),
                "private-key", "'~' is not expanded, as in mihomo: write the absolute path");
        List<String> asked = new java.util.ArrayList<>();
        assertRejects(() -> parseWith(path -> {
            asked.add(path);
            throw new AccessDeniedException(path, null, "outside the home folder");
        }, "username", "root", "private-key", " /root/.ssh/id_ed25519 "), "private-key",
                "cannot read 'private-key' /root/.ssh/id_ed25519: java.nio.file.AccessDeniedException:"
                        + " /root/.ssh/id_ed25519: outside the home folder");
        assertEquals(List.of("/root/.ssh/id_ed25519"), asked);
    }

    @Test
    void aKeyThatCannotBeUsedStopsTheEntryAtItsKey() {
        assertRejects(() -> parse("username", "root", "private-key", dir.resolve("missing").toString()), "private-key",
                "cannot read 'private-key'");
        assertRejects(() -> parse("username", "root", "private-key",
                "-----BEGIN PRIVATE KEY-----\nbm90IGEga2V5\n-----END PRIVATE KEY-----\n"), "private-key",
                "cannot read the private key in the key written in 'private-key'");
    }

    @Test
    void hostKeysAreAuthorizedKeysLines() throws Exception {
        KeyPair pair = rsa();
        String line = PublicKeyEntry.toString(pair.getPublic()) + " root@vps";
        SshOptions o = parse("username", "root", "password", "x", "host-key", List.of(line));
        assertEquals(1, o.hostKeys().size());
        assertEquals(true, KeyUtils.compareKeys(pair.getPublic(), o.hostKeys().get(0)));
        assertRejects(() -> parse("username", "root", "password", "x", "host-key", List.of("ssh-ed25519 !!!")),
                "host-key", "is not a public key");
    }

    @Test
    void hostKeyAlgorithmsAreTheClientsOwn() throws Exception {
        SshOptions o = parse("username", "root", "password", "x", "host-key-algorithms",
                List.of("rsa-sha2-512", "ssh-ed25519"));
        assertEquals(List.of(BuiltinSignatures.rsaSHA512, BuiltinSignatures.ed25519), o.hostKeyAlgorithms());
        assertRejects(() -> parse("username", "root", "password", "x", "host-key-algorithms", List.of("ssh-dss2")),
                "host-key-algorithms", "'ssh-dss2' is not one Turnout's SSH client has; it has ");
    }

    @Test
    void anEntryWithoutHostKeyOrCredentialsIsTakenWithWhatThatMeansSaid() throws Exception {
        List<String> said = new ArrayList<>();
        SshOptions.from(TestOptions.of("ssh", "server", "vps.example", "port", 22, "username", "root", "privateKey",
                "x"), path -> new byte[0], (key, message) -> said.add(key + ": " + message));
        assertEquals(List.of("privateKey: 'privateKey' has no effect, as in mihomo, which reads 'private-key'",
                "null: neither 'password' nor 'private-key': only a server that lets anyone in will take it",
                "null: no 'host-key': the server's key is not checked (as in mihomo), so whoever is on the way to the"
                        + " server can pose as it; write the server's key (a line of ssh-keyscan's output without the"
                        + " host) in 'host-key'"), said);
    }
}
