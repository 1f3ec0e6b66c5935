package dev.turnout.plugins.shadowsocks;

import static dev.turnout.api.testing.TestOptions.assertRejects;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.turnout.api.testing.TestOptions;
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
        ShadowsocksOptions o = ShadowsocksOptions.from(TestOptions.of("ss", with("cipher", "CHACHA20-IETF-POLY1305", "udp", true)));
        assertEquals("ss.example:8388", o.server().toString());
        assertEquals(AeadMethod.CHACHA20_IETF_POLY1305, o.method());
        assertEquals(32, o.masterKey().length);
        assertTrue(o.udp());
        assertEquals(ShadowsocksOptions.DEFAULT_TIMEOUT_MILLIS, o.timeoutMillis());
        assertFalse(ShadowsocksOptions.from(TestOptions.of("ss", with("udp", false))).udp());
        assertEquals(2000, ShadowsocksOptions.from(TestOptions.of("ss", with("timeout", "2s"))).timeoutMillis());
    }

    @Test
    void neverShowsThePassword() throws Exception {
        ShadowsocksOptions o = ShadowsocksOptions.from(TestOptions.of("ss", with()));
        assertFalse(o.toString().contains("s3cret"), o.toString());
    }

    @Test
    void requiresServerPortCipherAndPassword() {
        assertRejects(() -> ShadowsocksOptions.from(TestOptions.of("ss", "port", 1, "cipher", "aes-128-gcm", "password", "x")),
                "server", "required");
        assertRejects(() -> ShadowsocksOptions.from(TestOptions.of("ss", "server", "h", "cipher", "aes-128-gcm", "password", "x")),
                "port", "required");
        assertRejects(() -> ShadowsocksOptions.from(TestOptions.of("ss", "server", "h", "port", 1, "password", "x")),
                "cipher", "required");
        assertRejects(() -> ShadowsocksOptions.from(TestOptions.of("ss", "server", "h", "port", 1, "cipher", "aes-128-gcm")),
                "password", "required");
    }

    @Test
    void unknownCipherListsTheSupportedOnes() {
        assertRejects(() -> ShadowsocksOptions.from(TestOptions.of("ss", with("cipher", "aes-256-cfb"))), "cipher",
                "unknown cipher 'aes-256-cfb' for type ss; supported: aes-128-gcm, aes-256-gcm, chacha20-ietf-poly1305");
    }

    @Test
    void shadowsocks2022IsRefusedAsNotSupported() {
        assertRejects(() -> ShadowsocksOptions.from(TestOptions.of("ss", with("cipher", "2022-blake3-aes-128-gcm"))),
                "cipher", "(Shadowsocks 2022) is not supported");
    }

    @Test
    void obfsIsReadWithItsModeAndHostAndOtherPluginsAreRefused() throws Exception {
        ShadowsocksOptions tls = ShadowsocksOptions.from(TestOptions.of("ss", with("plugin", "obfs", "plugin-opts",
                java.util.Map.of("mode", "tls", "host", "cdn.example"))));
        assertEquals(new ObfsOptions(true, "cdn.example"), tls.obfs());
        ShadowsocksOptions http = ShadowsocksOptions.from(TestOptions.of("ss", with("plugin", "obfs", "plugin-opts",
                java.util.Map.of("mode", "http"))));
        assertEquals(new ObfsOptions(false, "bing.com"), http.obfs(), "mihomo's default host");
        assertEquals(null, ShadowsocksOptions.from(TestOptions.of("ss", with())).obfs());
        assertRejects(() -> ShadowsocksOptions.from(TestOptions.of("ss", with("plugin", "obfs"))), "plugin-opts",
                "obfs needs 'mode: http' or 'mode: tls' in plugin-opts, got none");
        assertRejects(() -> ShadowsocksOptions.from(TestOptions.of("ss", with("plugin", "obfs", "plugin-opts",
                java.util.Map.of("mode", "websocket")))), "plugin-opts", "got 'websocket'");
        assertRejects(() -> ShadowsocksOptions.from(TestOptions.of("ss", with("plugin", "v2ray-plugin"))), "plugin",
                "'plugin: v2ray-plugin' is not supported by the ss type (obfs is;");
    }

    @Test
    void serverMustBeANameOrAnAddress() throws Exception {
        assertRejects(() -> ShadowsocksOptions.from(TestOptions.of("ss", with("server", "a b"))), "server", "neither");
        assertTrue(ShadowsocksOptions.from(TestOptions.of("ss", with("server", "[2001:db8::1]"))).server().hasAddress());
    }
}
