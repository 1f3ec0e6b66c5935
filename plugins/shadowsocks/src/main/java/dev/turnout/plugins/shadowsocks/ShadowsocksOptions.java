package dev.turnout.plugins.shadowsocks;

import dev.turnout.api.Destination;
import dev.turnout.api.OptionException;
import dev.turnout.api.OutboundOptions;
import dev.turnout.api.UnsupportedOptionException;
import java.util.function.BiConsumer;
import java.util.Locale;
import java.util.Set;

/**
 * An {@code ss} entry's options, checked. The password is kept only as the master key derived from it, and
 * {@link #toString()} leaves the key out.
 *
 * @param server where the Shadowsocks server is, as a name or an address literal; its UDP relay is on the same port
 * @param method the cipher, AEAD or stream
 * @param masterKey the key EVP_BytesToKey derives from the password
 * @param udp whether UDP flows may be sent through the server
 * @param timeoutMillis how long connecting may take, and how long the server may stay silent after the first
 *     request bytes (a server that cannot decrypt what it gets stays silent rather than closing)
 * @param plugin simple-obfs or v2ray-plugin around the TCP stream ({@code plugin:}), or {@code null}
 */
record ShadowsocksOptions(Destination server, ShadowsocksCipher method, byte[] masterKey, boolean udp, long timeoutMillis,
                          StreamPlugin plugin) {

    static final long DEFAULT_TIMEOUT_MILLIS = 10_000;


    /** {@code warnings}: where what does not stop the entry is said (the host's {@code OutboundContext.warn}). */
    static ShadowsocksOptions from(OutboundOptions options, BiConsumer<String, String> warnings) throws OptionException {
        Destination destination = options.server();
        StreamPlugin plugin = StreamPlugin.from(options);
        ShadowsocksCipher method = method(options.requireString("cipher"));
        if (method instanceof StreamMethod) {
            // mihomo takes them without a word; servers that still run them are old, and the user should know.
            warnings.accept("cipher", "cipher '" + method.cipherName() + "' is a stream cipher, without integrity:"
                    + " whoever is on the way to the server can alter what the flows carry unseen; an AEAD cipher"
                    + " (aes-128-gcm, chacha20-ietf-poly1305) does not allow that");
        }
        String password = options.requireString("password");
        return new ShadowsocksOptions(destination, method,
                ShadowsocksKeys.masterKey(password, method.keySize()), options.bool("udp", false),
                options.millis("timeout", DEFAULT_TIMEOUT_MILLIS), plugin);
    }

    /**
     * Ciphers mihomo or shadowsocks-libev take that this plugin does not implement: the stream ciphers no server
     * packaged here runs (XChaCha20 and DJB's ChaCha20; libev has the latter, mihomo does not), no cipher at all, and
     * the 2022 edition (below).
     */
    private static final Set<String> NOT_IMPLEMENTED = Set.of("xchacha20", "chacha20", "none", "dummy");

    private static ShadowsocksCipher method(String cipher) throws OptionException {
        String name = cipher.trim().toLowerCase(Locale.ROOT);
        if (name.startsWith("2022-blake3-")) {
            throw new UnsupportedOptionException("cipher", "cipher '" + cipher + "' (Shadowsocks 2022) is not "
                    + "implemented; supported: " + ShadowsocksCipher.supportedNames());
        }
        if (NOT_IMPLEMENTED.contains(name)) {
            throw new UnsupportedOptionException("cipher", "cipher '" + cipher + "' is not implemented; supported: "
                    + ShadowsocksCipher.supportedNames());
        }
        return ShadowsocksCipher.named(cipher).orElseThrow(() -> new OptionException("cipher",
                "unknown cipher '" + cipher + "' for type ss; supported: " + ShadowsocksCipher.supportedNames()));
    }

    @Override
    public String toString() {
        return "ss " + server + " " + method.cipherName() + (udp ? " udp" : "") + (plugin == null ? "" : " " + plugin);
    }
}
