package dev.turnout.plugins.shadowsocks;

import static dev.turnout.api.testing.TestOptions.WARNINGS_IGNORED;
import static dev.turnout.api.testing.TestOptions.assertNotImplemented;
import static dev.turnout.api.testing.TestOptions.assertRejects;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.turnout.api.testing.TestOptions;
import java.util.List;
import java.util.ArrayList;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ShadowsocksOptionsTest {

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
        ShadowsocksOptions o = ShadowsocksOptions.from(TestOptions.of("ss", with("cipher", "CHACHA20-IETF-POLY1305", "udp", true)), WARNINGS_IGNORED);
        assertEquals("ss.example:8388", o.server().toString());
        assertEquals(AeadMethod.CHACHA20_IETF_POLY1305, o.method());
        assertEquals(32, o.masterKey().length);
        assertTrue(o.udp());
        assertEquals(ShadowsocksOptions.DEFAULT_TIMEOUT_MILLIS, o.timeoutMillis());
        assertFalse(ShadowsocksOptions.from(TestOptions.of("ss", with("udp", false)), WARNINGS_IGNORED).udp());
        assertEquals(2000, ShadowsocksOptions.from(TestOptions.of("ss", with("timeout", "2s")), WARNINGS_IGNORED).timeoutMillis());
    }

    @Test
    void neverShowsThePassword() throws Exception {
        ShadowsocksOptions o = ShadowsocksOptions.from(TestOptions.of("ss", with()), WARNINGS_IGNORED);
        assertFalse(o.toString().contains("s3cret"), o.toString());
    }

    @Test
    void requiresServerPortCipherAndPassword() {
        assertRejects(() -> ShadowsocksOptions.from(TestOptions.of("ss", "port", 1, "cipher", "aes-128-gcm", "password", "x"), WARNINGS_IGNORED),
                "server", "required");
        assertRejects(() -> ShadowsocksOptions.from(TestOptions.of("ss", "server", "h", "cipher", "aes-128-gcm", "password", "x"), WARNINGS_IGNORED),
                "port", "required");
        assertRejects(() -> ShadowsocksOptions.from(TestOptions.of("ss", "server", "h", "port", 1, "password", "x"), WARNINGS_IGNORED),
                "cipher", "required");
        assertRejects(() -> ShadowsocksOptions.from(TestOptions.of("ss", "server", "h", "port", 1, "cipher", "aes-128-gcm"), WARNINGS_IGNORED),
                "password", "required");
    }

    @Test
    void unknownCipherListsTheSupportedOnes() {
        assertRejects(() -> ShadowsocksOptions.from(TestOptions.of("ss", with("cipher", "aes-256-gmc")), WARNINGS_IGNORED), "cipher",
                "unknown cipher 'aes-256-gmc' for type ss; supported: aes-128-gcm, aes-192-gcm, aes-256-gcm,"
                        + " chacha20-ietf-poly1305");
    }

    @Test
    void aes192GcmTakesA24ByteKey() throws Exception {
        ShadowsocksOptions o = ShadowsocksOptions.from(TestOptions.of("ss", with("cipher", "AES-192-GCM")), WARNINGS_IGNORED);
        assertEquals(AeadMethod.AES_192_GCM, o.method());
        assertEquals(24, o.masterKey().length);
    }

    @Test
    void ciphersMihomoTakesAndThisPluginDoesNotImplementAreNotMistakes() {
        assertNotImplemented(() -> ShadowsocksOptions.from(TestOptions.of("ss", with("cipher", "2022-blake3-aes-128-gcm")), WARNINGS_IGNORED),
                "cipher", "(Shadowsocks 2022) is not implemented");
        for (String cipher : new String[] {"xchacha20", "chacha20", "none"}) {
            assertNotImplemented(() -> ShadowsocksOptions.from(TestOptions.of("ss", with("cipher", cipher)), WARNINGS_IGNORED),
                    "cipher", "cipher '" + cipher + "' is not implemented; supported: aes-128-gcm");
        }
    }

    @Test
    void streamCiphersAndXChaChaAreTakenEachWithItsKeySize() throws Exception {
        Map<String, Integer> keySizes = Map.of("aes-128-ctr", 16, "aes-192-ctr", 24, "aes-256-ctr", 32, "aes-128-cfb", 16,
                "aes-192-cfb", 24, "aes-256-cfb", 32, "rc4-md5", 16, "chacha20-ietf", 32, "xchacha20-ietf-poly1305", 32);
        for (Map.Entry<String, Integer> e : keySizes.entrySet()) {
            ShadowsocksOptions o = ShadowsocksOptions.from(TestOptions.of("ss", with("cipher", e.getKey().toUpperCase())),
                    WARNINGS_IGNORED);
            assertEquals(e.getKey(), o.method().cipherName());
            assertEquals(e.getValue(), o.masterKey().length, e.getKey());
        }
        assertEquals(AeadMethod.XCHACHA20_IETF_POLY1305, ShadowsocksOptions.from(TestOptions.of("ss",
                with("cipher", "xchacha20-ietf-poly1305")), WARNINGS_IGNORED).method());
        assertEquals(StreamMethod.RC4_MD5, ShadowsocksOptions.from(TestOptions.of("ss", with("cipher", "rc4-md5")),
                WARNINGS_IGNORED).method());
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
        ShadowsocksOptions tls = ShadowsocksOptions.from(TestOptions.of("ss", with("plugin", "obfs", "plugin-opts",
                java.util.Map.of("mode", "tls", "host", "cdn.example"))), WARNINGS_IGNORED);
        assertEquals(new ObfsOptions(true, "cdn.example"), tls.plugin());
        ShadowsocksOptions http = ShadowsocksOptions.from(TestOptions.of("ss", with("plugin", "obfs", "plugin-opts",
                java.util.Map.of("mode", "http"))), WARNINGS_IGNORED);
        assertEquals(new ObfsOptions(false, "bing.com"), http.plugin(), "mihomo's default host");
        assertEquals(null, ShadowsocksOptions.from(TestOptions.of("ss", with()), WARNINGS_IGNORED).plugin());
        assertRejects(() -> ShadowsocksOptions.from(TestOptions.of("ss", with("plugin", "obfs")), WARNINGS_IGNORED), "plugin-opts",
                "obfs needs 'mode: http' or 'mode: tls' in plugin-opts, got none");
        assertRejects(() -> ShadowsocksOptions.from(TestOptions.of("ss", with("plugin", "obfs", "plugin-opts",
                java.util.Map.of("mode", "websocket"))), WARNINGS_IGNORED), "plugin-opts", "got 'websocket'");
        assertNotImplemented(() -> ShadowsocksOptions.from(TestOptions.of("ss", with("plugin", "kcptun")), WARNINGS_IGNORED), "plugin",
                "'plugin: kcptun' is not implemented by the ss type (obfs and v2ray-plugin are)");
        assertNotImplemented(() -> ShadowsocksOptions.from(TestOptions.of("ss", with("plugin", "shadow-tls")), WARNINGS_IGNORED), "plugin",
                "'plugin: shadow-tls' is not implemented");
        assertRejects(() -> ShadowsocksOptions.from(TestOptions.of("ss", with("plugin", "obsf")), WARNINGS_IGNORED), "plugin",
                "'plugin: obsf' is not supported by the ss type (obfs and v2ray-plugin are;");
    }

    @Test
    void v2rayPluginIsReadWithMihomosDefaults() throws Exception {
        ShadowsocksOptions plain = ShadowsocksOptions.from(TestOptions.of("ss", with("plugin", "v2ray-plugin")), WARNINGS_IGNORED);
        V2rayPluginOptions v = (V2rayPluginOptions) plain.plugin();
        assertEquals("bing.com", v.host());
        assertEquals("/", v.webSocket().path());
        assertEquals(true, v.mux(), "mihomo's default, as v2ray-plugin's client");
        assertEquals(false, v.tls());
        V2rayPluginOptions tls = (V2rayPluginOptions) ShadowsocksOptions.from(TestOptions.of("ss", with("plugin",
                "v2ray-plugin", "plugin-opts", java.util.Map.of("mode", "websocket", "tls", true, "host", "cdn.example",
                        "path", "/ray", "mux", false, "skip-cert-verify", true,
                        "headers", java.util.Map.of("Host", "front.example")))), WARNINGS_IGNORED).plugin();
        assertEquals("front.example", tls.tlsOptions().serverName(), "a Host header names the TLS server too");
        assertEquals(java.util.List.of("http/1.1"), tls.tlsOptions().alpn());
        assertEquals("v2ray-plugin wss://cdn.example/ray", tls.toString());
        assertRejects(() -> ShadowsocksOptions.from(TestOptions.of("ss", with("plugin", "v2ray-plugin", "plugin-opts",
                java.util.Map.of("mode", "quic"))), WARNINGS_IGNORED), "plugin-opts", "v2ray-plugin 'mode: quic' is not supported");
    }

    @Test
    void serverMustBeANameOrAnAddress() throws Exception {
        assertRejects(() -> ShadowsocksOptions.from(TestOptions.of("ss", with("server", "a b")), WARNINGS_IGNORED), "server", "neither");
        assertTrue(ShadowsocksOptions.from(TestOptions.of("ss", with("server", "[2001:db8::1]")), WARNINGS_IGNORED).server().hasAddress());
    }
}
