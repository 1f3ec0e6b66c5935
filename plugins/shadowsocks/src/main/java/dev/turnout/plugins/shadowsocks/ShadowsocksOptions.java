package dev.turnout.plugins.shadowsocks;

import dev.turnout.api.Destination;
import dev.turnout.api.OptionException;
import dev.turnout.api.OutboundOptions;
import dev.turnout.api.UnsupportedOptionException;
import java.util.Locale;
import java.util.Set;

/**
 * An {@code ss} entry's options, checked. The password is kept only as the master key derived from it, and
 * {@link #toString()} leaves the key out.
 *
 * @param server where the Shadowsocks server is, as a name or an address literal; its UDP relay is on the same port
 * @param method the AEAD cipher
 * @param masterKey the key EVP_BytesToKey derives from the password
 * @param udp whether UDP flows may be sent through the server
 * @param timeoutMillis how long connecting may take, and how long the server may stay silent after the first
 *     request bytes (a server that cannot decrypt what it gets stays silent rather than closing)
 * @param plugin simple-obfs or v2ray-plugin around the TCP stream ({@code plugin:}), or {@code null}
 */
record ShadowsocksOptions(Destination server, AeadMethod method, byte[] masterKey, boolean udp, long timeoutMillis,
                          StreamPlugin plugin) {

    static final long DEFAULT_TIMEOUT_MILLIS = 10_000;

    static ShadowsocksOptions from(OutboundOptions options) throws OptionException {
        Destination destination = options.server();
        StreamPlugin plugin = StreamPlugin.from(options);
        AeadMethod method = method(options.requireString("cipher"));
        String password = options.requireString("password");
        return new ShadowsocksOptions(destination, method,
                ShadowsocksKeys.masterKey(password, method.keySize()), options.bool("udp", false),
                options.millis("timeout", DEFAULT_TIMEOUT_MILLIS), plugin);
    }

    /**
     * Ciphers mihomo takes that this plugin does not implement: the stream ciphers (no integrity, long deprecated),
     * XChaCha20 (not in the JDK) and the 2022 edition.
     */
    private static final Set<String> NOT_IMPLEMENTED = Set.of("xchacha20-ietf-poly1305", "aes-128-ctr", "aes-192-ctr",
            "aes-256-ctr", "aes-128-cfb", "aes-192-cfb", "aes-256-cfb", "rc4-md5", "chacha20-ietf", "xchacha20",
            "chacha20", "none", "dummy");

    private static AeadMethod method(String cipher) throws OptionException {
        String name = cipher.trim().toLowerCase(Locale.ROOT);
        if (name.startsWith("2022-blake3-")) {
            throw new UnsupportedOptionException("cipher", "cipher '" + cipher + "' (Shadowsocks 2022) is not "
                    + "implemented; supported: " + AeadMethod.supportedNames());
        }
        if (NOT_IMPLEMENTED.contains(name)) {
            throw new UnsupportedOptionException("cipher", "cipher '" + cipher + "' is not implemented; supported: "
                    + AeadMethod.supportedNames());
        }
        return AeadMethod.named(cipher).orElseThrow(() -> new OptionException("cipher",
                "unknown cipher '" + cipher + "' for type ss; supported: " + AeadMethod.supportedNames()));
    }

    @Override
    public String toString() {
        return "ss " + server + " " + method.cipherName() + (udp ? " udp" : "") + (plugin == null ? "" : " " + plugin);
    }
}
