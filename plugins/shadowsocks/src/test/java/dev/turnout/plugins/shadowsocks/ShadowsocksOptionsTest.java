package dev.turnout.plugins.shadowsocks;

import static dev.turnout.api.testing.TestOptions.WARNINGS_IGNORED;
import static dev.turnout.api.testing.TestOptions.assertNotImplemented;
import static dev.turnout.api.testing.TestOptions.assertRejects;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.turnout.api.OptionException;
import dev.turnout.api.testing.TestOptions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ShadowsocksOptionsTest {

    /** An {@code ss} entry of these keys, read as the plugin reads it; its warnings are not this test's subject. */
    private static ShadowsocksOptions parse(Object... keyValues) throws OptionException {
        return ShadowsocksOptions.from(TestOptions.of("ss", keyValues), WARNINGS_IGNORED);
    }

    private static Object[] with(Object... extra) {
        Object[] base = {"server", "ss.example", "port", 8388, "cipher", "aes-128-gcm", "password", "s3cret-pw"};
        Object[] all = new Object[base.length + extra.length];
        System.arraycopy(base, 0, all, 0, base.length);
        System.arraycopy(extra, 0, all, base.length, extra.length);
        // Later keys win in TestOptions.of, so extra can override base.
        return all;
    }

    @Test
    void readsClashsKeys() throws Exception {
        ShadowsocksOptions o = parse(with("cipher", "CHACHA20-IETF-POLY1305", "udp", true));
        assertEquals("ss.example:8388", o.server().toString());
        assertEquals(AeadMethod.CHACHA20_IETF_POLY1305, o.method());
        assertEquals(32, o.masterKey().length);
        assertTrue(o.udp());
        assertEquals(ShadowsocksOptions.DEFAULT_TIMEOUT_MILLIS, o.timeoutMillis());
        assertFalse(parse(with("udp", false)).udp());
        assertEquals(2000, parse(with("timeout", "2s")).timeoutMillis());
    }

    @Test
    void goShadowsocks2sNamesThatClashPremiumConfigsWriteAreTheSameCiphers() throws Exception {
        // Hackl0us/SS-Rule-Snippet's Clash Premium config: cipher: AEAD_CHACHA20_POLY1305.
        assertEquals(AeadMethod.CHACHA20_IETF_POLY1305, parse(with("cipher", "AEAD_CHACHA20_POLY1305")).method());
        assertEquals(AeadMethod.AES_256_GCM, parse(with("cipher", "AEAD_AES_256_GCM")).method());
        assertEquals(AeadMethod.AES_128_GCM, parse(with("cipher", "aead_aes_128_gcm")).method());
        assertEquals(AeadMethod.XCHACHA20_IETF_POLY1305, parse(with("cipher", "AEAD_XCHACHA20_POLY1305")).method());
    }

    @Test
    void neverShowsThePassword() throws Exception {
        ShadowsocksOptions o = parse(with());
        assertFalse(o.toString().contains("s3cret"), o.toString());
    }

    @Test
    void requiresServerPortCipherAndPassword() {
        assertRejects(() -> parse("port", 1, "cipher", "aes-128-gcm", "password", "x"),
                "server", "required");
        assertRejects(() -> parse("server", "h", "cipher", "aes-128-gcm", "password", "x"),
                "port", "required");
        assertRejects(() -> parse("server", "h", "port", 1, "password", "x"),
                "cipher", "required");
        assertRejects(() -> parse("server", "h", "port", 1, "cipher", "aes-128-gcm"),
                "password", "required");
    }

    @Test
    void unknownCipherListsTheSupportedOnes() {
        assertRejects(() -> parse(with("cipher", "aes-256-gmc")), "cipher",
                "unknown cipher 'aes-256-gmc' for type ss; supported: aes-128-gcm, aes-192-gcm, aes-256-gcm,"
                        + " chacha20-ietf-poly1305");
    }

    @Test
    void aes192GcmTakesA24ByteKey() throws Exception {
        ShadowsocksOptions o = parse(with("cipher", "AES-192-GCM"));
        assertEquals(AeadMethod.AES_192_GCM, o.method());
        assertEquals(24, o.masterKey().length);
    }

    @Test
    void ciphersMihomoTakesAndThisPluginDoesNotImplementAreNotMistakes() {
        assertNotImplemented(() -> parse(with("cipher", "2022-blake3-aes-128-gcm")),
                "cipher", "(Shadowsocks 2022) is not implemented");
        for (String cipher : new String[] {"xchacha20", "chacha20", "none"}) {
            assertNotImplemented(() -> parse(with("cipher", cipher)),
                    "cipher", "cipher '" + cipher + "' is not implemented; supported: aes-128-gcm");
        }
    }

    @Test
    void streamCiphersAndXChaChaAreTakenEachWithItsKeySize() throws Exception {
        Map<String, Integer> keySizes = Map.of("aes-128-ctr", 16, "aes-192-ctr", 24, "aes-256-ctr", 32, "aes-128-cfb", 16,
                "aes-192-cfb", 24, "aes-256-cfb", 32, "rc4-md5", 16, "chacha20-ietf", 32, "xchacha20-ietf-poly1305", 32);
        for (Map.Entry<String, Integer> e : keySizes.entrySet()) {
            ShadowsocksOptions o = parse(with("cipher", e.getKey().toUpperCase()));
            assertEquals(e.getKey(), o.method().cipherName());
            assertEquals(e.getValue(), o.masterKey().length, e.getKey());
        }
        assertEquals(AeadMethod.XCHACHA20_IETF_POLY1305, parse(with("cipher", "xchacha20-ietf-poly1305")).method());
        assertEquals(StreamMethod.RC4_MD5, parse(with("cipher", "rc4-md5")).method());
    }

    @Test
    void aStreamCipherIsSaidToLackIntegrityAndAnAeadOneIsNot() throws Exception {
        List<String> said = new ArrayList<>();
        ShadowsocksOptions.from(TestOptions.of("ss", with("cipher", "aes-256-cfb")), (key, message) -> said.add(key
                + ": " + message));
        ShadowsocksOptions.from(TestOptions.of("ss", with("cipher", "aes-256-gcm")), (key, message) -> said.add(key
                + ": " + message));
        assertEquals(List.of("cipher: cipher 'aes-256-cfb' is a stream cipher, without integrity: whoever is on the way"
                + " to the server can alter what the flows carry unseen; an AEAD cipher (aes-128-gcm,"
                + " chacha20-ietf-poly1305) does not allow that"), said);
    }

    @Test
    void obfsIsReadWithItsModeAndHostAndOtherPluginsAreRefused() throws Exception {
        ShadowsocksOptions tls = parse(with("plugin", "obfs", "plugin-opts",
                java.util.Map.of("mode", "tls", "host", "cdn.example")));
        assertEquals(new ObfsOptions(true, "cdn.example"), tls.plugin());
        ShadowsocksOptions http = parse(with("plugin", "obfs", "plugin-opts",
                java.util.Map.of("mode", "http")));
        assertEquals(new ObfsOptions(false, "bing.com"), http.plugin(), "mihomo's default host");
        assertEquals(null, parse(with()).plugin());
        assertEquals(null, parse(with("plugin", "", "plugin-opts", java.util.Map.of())).plugin(),
                "an empty plugin is none, as in mihomo");
        assertEquals(null, parse(with("plugin", " ")).plugin());
        assertRejects(() -> parse(with("plugin", "obfs")), "plugin-opts",
                "obfs needs 'mode: http' or 'mode: tls' in plugin-opts, got none");
        assertRejects(() -> parse(with("plugin", "obfs", "plugin-opts",
                java.util.Map.of("mode", "websocket"))), "plugin-opts", "got 'websocket'");
        assertNotImplemented(() -> parse(with("plugin", "kcptun")), "plugin",
                "'plugin: kcptun' is not implemented by the ss type (obfs and v2ray-plugin are)");
        assertNotImplemented(() -> parse(with("plugin", "shadow-tls")), "plugin",
                "'plugin: shadow-tls' is not implemented");
        assertRejects(() -> parse(with("plugin", "obsf")), "plugin",
                "'plugin: obsf' is not supported by the ss type (obfs and v2ray-plugin are;");
    }

    @Test
    void v2rayPluginIsReadWithMihomosDefaults() throws Exception {
        ShadowsocksOptions plain = parse(with("plugin", "v2ray-plugin"));
        V2rayPluginOptions v = (V2rayPluginOptions) plain.plugin();
        assertEquals("bing.com", v.host());
        assertEquals("/", v.webSocket().path());
        assertEquals(true, v.mux(), "mihomo's default, as v2ray-plugin's client");
        assertEquals(false, v.tls());
        V2rayPluginOptions tls = (V2rayPluginOptions) parse(with("plugin",
                "v2ray-plugin", "plugin-opts", java.util.Map.of("mode", "websocket", "tls", true, "host", "cdn.example",
                        "path", "/ray", "mux", false, "skip-cert-verify", true,
                        "headers", java.util.Map.of("Host", "front.example")))).plugin();
        assertEquals("front.example", tls.tlsOptions().serverName(), "a Host header names the TLS server too");
        assertEquals(java.util.List.of("http/1.1"), tls.tlsOptions().alpn());
        assertEquals("v2ray-plugin wss://cdn.example/ray", tls.toString());
        assertRejects(() -> parse(with("plugin", "v2ray-plugin", "plugin-opts",
                java.util.Map.of("mode", "quic"))), "plugin-opts", "v2ray-plugin 'mode: quic' is not supported");
    }

    @Test
    void v2rayPluginsFingerprintPinsTheCertificateAsANodesOwnDoes() throws Exception {
        String hex = "48db" + "0".repeat(60);
        String colons = hex.replaceAll("(..)(?!$)", "$1:").toUpperCase(java.util.Locale.ROOT);
        for (String written : java.util.List.of(hex, colons)) {
            V2rayPluginOptions v = (V2rayPluginOptions) parse(with("plugin", "v2ray-plugin", "plugin-opts",
                    java.util.Map.of("tls", true, "host", "srv.test", "fingerprint", written))).plugin();
            assertEquals(hex, java.util.HexFormat.of().formatHex(v.tlsOptions().fingerprint()), written);
        }
        assertEquals(null, ((V2rayPluginOptions) parse(with("plugin", "v2ray-plugin", "plugin-opts",
                java.util.Map.of("tls", true, "fingerprint", ""))).plugin()).tlsOptions().fingerprint());
        assertRejects(() -> parse(with("plugin", "v2ray-plugin", "plugin-opts",
                java.util.Map.of("tls", true, "fingerprint", "chrome"))), "plugin-opts", "SHA-256");
    }

    @Test
    void serverMustBeANameOrAnAddress() throws Exception {
        assertRejects(() -> parse(with("server", "a b")), "server", "neither");
        assertTrue(parse(with("server", "[2001:db8::1]")).server().hasAddress());
    }
}
