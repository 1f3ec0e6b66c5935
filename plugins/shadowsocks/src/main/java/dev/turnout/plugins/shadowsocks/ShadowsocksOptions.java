package dev.turnout.plugins.shadowsocks;

import dev.turnout.api.Destination;
import dev.turnout.api.OptionException;
import dev.turnout.api.OutboundOptions;
import io.netty.util.NetUtil;
import java.net.InetAddress;
import java.net.UnknownHostException;

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
 */
record ShadowsocksOptions(Destination server, AeadMethod method, byte[] masterKey, boolean udp, long timeoutMillis) {

    static final long DEFAULT_TIMEOUT_MILLIS = 10_000;

    static ShadowsocksOptions from(OutboundOptions options) throws OptionException {
        String server = options.requireString("server").trim();
        int port = options.requirePort("port");
        if (options.has("plugin")) {
            throw new OptionException("plugin", "'plugin: " + options.string("plugin", "")
                    + "' is not supported by the ss type (obfs and v2ray-plugin are not implemented)");
        }
        AeadMethod method = method(options.requireString("cipher"));
        String password = options.requireString("password");
        return new ShadowsocksOptions(destination(server, port), method,
                ShadowsocksKeys.masterKey(password, method.keySize()), options.bool("udp", false),
                options.millis("timeout", DEFAULT_TIMEOUT_MILLIS));
    }

    private static AeadMethod method(String cipher) throws OptionException {
        if (cipher.trim().startsWith("2022-blake3-")) {
            throw new OptionException("cipher", "cipher '" + cipher + "' (Shadowsocks 2022) is not supported; supported: "
                    + AeadMethod.supportedNames());
        }
        return AeadMethod.named(cipher).orElseThrow(() -> new OptionException("cipher",
                "unknown cipher '" + cipher + "' for type ss; supported: " + AeadMethod.supportedNames()));
    }

    /** The server without any lookup: an address literal becomes an address, anything else stays a name. */
    private static Destination destination(String server, int port) throws OptionException {
        String literal = server.startsWith("[") && server.endsWith("]") ? server.substring(1, server.length() - 1) : server;
        byte[] bytes = NetUtil.createByteArrayFromIpAddressString(literal);
        if (bytes != null) {
            try {
                return Destination.ofAddress(InetAddress.getByAddress(bytes), port);
            } catch (UnknownHostException e) {
                throw new IllegalStateException("a parsed literal has a valid length", e);
            }
        }
        if (server.isEmpty() || server.chars().anyMatch(c -> c <= ' ' || c == '/' || c == '[' || c == ']')) {
            throw new OptionException("server", "'server' is neither a host name nor an IP address: " + server);
        }
        return Destination.ofHost(server, port);
    }

    @Override
    public String toString() {
        return "ss " + server + " " + method.cipherName() + (udp ? " udp" : "");
    }
}
