package dev.turnout.plugins.ssh;

import dev.turnout.api.Destination;
import dev.turnout.api.OptionException;
import dev.turnout.api.OutboundContext;
import dev.turnout.api.OutboundOptions;
import java.util.function.BiConsumer;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.PublicKey;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.sshd.common.NamedResource;
import org.apache.sshd.common.config.keys.AuthorizedKeyEntry;
import org.apache.sshd.common.config.keys.FilePasswordProvider;
import org.apache.sshd.common.config.keys.PublicKeyEntryResolver;
import org.apache.sshd.common.signature.BuiltinSignatures;
import org.apache.sshd.common.util.security.SecurityUtils;

/**
 * An {@code ssh} entry's options, mihomo's, checked and read: the keys are parsed here, so that a key that cannot
 * be used stops the config at its line rather than failing every flow.
 *
 * @param server where the SSH server is
 * @param username whom to log in as
 * @param password the password ({@code password} or keyboard-interactive authentication), or {@code null}
 * @param keys the key pairs of {@code private-key} (public-key authentication); none when it is not given. As in
 *     mihomo, a relative path is read from the home folder and {@code ~} is not expanded (mihomo's issue #1423)
 * @param hostKeys the server keys accepted ({@code host-key}, authorized_keys lines); none: any key, as in mihomo
 * @param hostKeyAlgorithms the host key algorithms offered ({@code host-key-algorithms}); empty: the library's
 */
record SshOptions(Destination server, String username, String password, List<KeyPair> keys, List<PublicKey> hostKeys,
                  List<BuiltinSignatures> hostKeyAlgorithms) {


    /** Keys as mihomo's own documented config spells them, which mihomo itself does not read. */
    private static final Map<String, String> MISSPELT = Map.of("privateKey", "private-key",
            "privateKeyPassphrase", "private-key-passphrase", "hostKey", "host-key",
            "hostKeyAlgorithms", "host-key-algorithms");

    /** Reads the file a {@code private-key} path names: the host's {@link OutboundContext#readFile}. */
    @FunctionalInterface
    interface KeyFiles {
        byte[] read(String path) throws IOException;
    }

    /** {@code warnings}: where what does not stop the entry is said (the host's {@code OutboundContext.warn}). */
    static SshOptions from(OutboundOptions options, KeyFiles files, BiConsumer<String, String> warnings)
            throws OptionException {
        for (Map.Entry<String, String> m : MISSPELT.entrySet()) {
            if (options.has(m.getKey())) {
                warnings.accept(m.getKey(), "'" + m.getKey() + "' has no effect, as in mihomo, which reads '"
                        + m.getValue() + "'");
            }
        }
        Destination server = options.server();
        String username = options.requireString("username");
        String password = options.string("password", null);
        if (password != null && password.isEmpty()) {
            password = null;
        }
        List<KeyPair> keys = keys(options, files);
        if (password == null && keys.isEmpty()) {
            // mihomo takes such an entry too (Go's client then asks for "none" authentication).
            warnings.accept(null, "neither 'password' nor 'private-key': only a server that lets anyone in will take it");
        }
        List<PublicKey> hostKeys = hostKeys(options);
        if (hostKeys.isEmpty()) {
            warnings.accept(null, "no 'host-key': the server's key is not checked (as in mihomo), so whoever is on the"
                    + " way to the server can pose as it; write the server's key (a line of ssh-keyscan's output"
                    + " without the host) in 'host-key'");
        }
        return new SshOptions(server, username, password, List.copyOf(keys), hostKeys, hostKeyAlgorithms(options));
    }

    /**
     * {@code private-key}: the key itself (PEM or OpenSSH's format, as mihomo tells them apart: by "PRIVATE KEY" in
     * the text) or the path of its file, decrypted with {@code private-key-passphrase} when it is encrypted.
     */
    private static List<KeyPair> keys(OutboundOptions options, KeyFiles files) throws OptionException {
        String key = options.string("private-key", null);
        if (key == null || key.isBlank()) {
            return List.of();
        }
        String passphrase = options.string("private-key-passphrase", null);
        byte[] text;
        String source;
        if (key.contains("PRIVATE KEY")) {
            text = key.getBytes(StandardCharsets.UTF_8);
            source = "the key written in 'private-key'";
        } else {
            String written = key.trim();
            try {
                text = files.read(written);
            } catch (IOException e) {
                throw new OptionException("private-key", "cannot read 'private-key' " + written + ": " + e
                        + (written.startsWith("~") ? " ('~' is not expanded, as in mihomo: write the absolute path)"
                        : ""));
            }
            source = written;
        }
        FilePasswordProvider passwords = passphrase == null || passphrase.isEmpty() ? FilePasswordProvider.EMPTY
                : FilePasswordProvider.of(passphrase);
        try {
            Iterable<KeyPair> pairs = SecurityUtils.loadKeyPairIdentities(null, NamedResource.ofName(source),
                    new ByteArrayInputStream(text), passwords);
            List<KeyPair> out = new ArrayList<>();
            if (pairs != null) {
                pairs.forEach(out::add);
            }
            if (out.isEmpty()) {
                throw new OptionException("private-key", "no private key found in " + source);
            }
            return out;
        } catch (IOException | GeneralSecurityException | RuntimeException e) {
            throw new OptionException("private-key", "cannot read the private key in " + source
                    + (passphrase == null ? " (encrypted keys need 'private-key-passphrase')" : "") + ": " + e);
        }
    }

    /** {@code host-key}: authorized_keys lines ({@code ssh-ed25519 AAAA... comment}), any of which the server may show. */
    private static List<PublicKey> hostKeys(OutboundOptions options) throws OptionException {
        List<PublicKey> out = new ArrayList<>();
        for (String line : options.stringList("host-key")) {
            try {
                AuthorizedKeyEntry entry = AuthorizedKeyEntry.parseAuthorizedKeyEntry(line.trim());
                PublicKey key = entry == null ? null : entry.resolvePublicKey(null, PublicKeyEntryResolver.FAILING);
                if (key == null) {
                    throw new IllegalArgumentException("no key in it");
                }
                out.add(key);
            } catch (IOException | GeneralSecurityException | RuntimeException e) {
                throw new OptionException("host-key", "'host-key' entry '" + line + "' is not a public key"
                        + " (ssh-ed25519 AAAA...): " + e.getMessage());
            }
        }
        return List.copyOf(out);
    }

    private static List<BuiltinSignatures> hostKeyAlgorithms(OutboundOptions options) throws OptionException {
        List<BuiltinSignatures> out = new ArrayList<>();
        for (String name : options.stringList("host-key-algorithms")) {
            BuiltinSignatures s = BuiltinSignatures.fromFactoryName(name.trim());
            if (s == null || !s.isSupported()) {
                throw new OptionException("host-key-algorithms", "host key algorithm '" + name
                        + "' is not one Turnout's SSH client has; it has "
                        + String.join(", ", NamedResource.getNameList(BuiltinSignatures.VALUES.stream()
                        .filter(BuiltinSignatures::isSupported).toList())));
            }
            out.add(s);
        }
        return List.copyOf(out);
    }

    @Override
    public String toString() {
        // The password and the keys are credentials: never shown.
        return "ssh " + username + "@" + server;
    }
}
