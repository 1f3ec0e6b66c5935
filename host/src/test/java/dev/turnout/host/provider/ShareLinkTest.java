package dev.turnout.host.provider;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ShareLinkTest {

    private static String b64(String s) {
        return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void sip002WithBase64UserinfoAndObfsPlugin() throws Exception {
        ShareLink.Node n = ShareLink.parse("ss://YWVzLTI1Ni1nY206cGFzc3dvcmQ@192.0.2.1:8388/"
                + "?plugin=obfs-local%3Bobfs%3Dhttp%3Bobfs-host%3Dexample.com#Example%20SS");
        assertEquals("Example SS", n.name());
        assertEquals("ss", n.type());
        assertEquals("192.0.2.1", n.options().get("server"));
        assertEquals(8388, n.options().get("port"));
        assertEquals("aes-256-gcm", n.options().get("cipher"));
        assertEquals("password", n.options().get("password"));
        assertEquals(true, n.options().get("udp"));
        assertEquals("obfs", n.options().get("plugin"));
        assertEquals(Map.of("mode", "http", "host", "example.com"), n.options().get("plugin-opts"));
    }

    @Test
    void sip002WithV2rayPluginReadsTlsPathHostAndMuxConcurrency() throws Exception {
        ShareLink.Node n = ShareLink.parse("ss://YWVzLTEyOC1nY206cGFzc3dvcmQ@192.0.2.1:443/"
                + "?plugin=v2ray-plugin%3Btls%3Bhost%3Dcdn.example%3Bpath%3D%2Fray%3Bmux%3D0#WS");
        assertEquals("v2ray-plugin", n.options().get("plugin"));
        assertEquals(Map.of("mode", "websocket", "tls", true, "host", "cdn.example", "path", "/ray", "mux", false),
                n.options().get("plugin-opts"));
        ShareLink.Node muxed = ShareLink.parse("ss://YWVzLTEyOC1nY206cGFzc3dvcmQ@192.0.2.1:80/"
                + "?plugin=v2ray-plugin%3Bmux%3D4#WS2");
        assertEquals(Map.of("mode", "websocket", "tls", false, "mux", true), muxed.options().get("plugin-opts"));
    }

    @Test
    void olderSsFormWithEverythingInBase64() throws Exception {
        String link = "ss://" + b64("chacha20-ietf-poly1305:p@ss:w0rd@198.51.100.7:8443") + "#HK%2001";
        ShareLink.Node n = ShareLink.parse(link);
        assertEquals("HK 01", n.name());
        assertEquals("198.51.100.7", n.options().get("server"));
        assertEquals(8443, n.options().get("port"));
        assertEquals("chacha20-ietf-poly1305", n.options().get("cipher"));
        assertEquals("p@ss:w0rd", n.options().get("password"));
    }

    @Test
    void sip002WithPercentEncodedUserinfoAsAead2022KeysAreSent() throws Exception {
        ShareLink.Node n = ShareLink.parse("ss://2022-blake3-aes-128-gcm:YctPZ6U7xPPcU%2Bgp3u%2BOBQ%3D%3D@192.0.2.2:443#2022");
        assertEquals("2022-blake3-aes-128-gcm", n.options().get("cipher"));
        assertEquals("YctPZ6U7xPPcU+gp3u+OBQ==", n.options().get("password"));
    }

    @Test
    void socksWithV2rayNBase64Userinfo() throws Exception {
        ShareLink.Node n = ShareLink.parse("socks://" + b64("user:pass") + "@192.0.2.3:1080#office");
        assertEquals("socks5", n.type());
        assertEquals("office", n.name());
        assertEquals("user", n.options().get("username"));
        assertEquals("pass", n.options().get("password"));
        assertEquals(1080, n.options().get("port"));
    }

    @Test
    void httpsProxyLinkSetsTls() throws Exception {
        ShareLink.Node n = ShareLink.parse("https://alice:s%3Acret@192.0.2.4:8443?sni=proxy.example.com#tls-http");
        assertEquals("http", n.type());
        assertEquals(true, n.options().get("tls"));
        assertEquals("proxy.example.com", n.options().get("sni"));
        assertEquals("s:cret", n.options().get("password"));
        ShareLink.Node plain = ShareLink.parse("http://192.0.2.5:3128");
        assertEquals("192.0.2.5:3128", plain.name());
        assertEquals(null, plain.options().get("tls"));
    }

    @Test
    void trojanWithWebSocketAndSni() throws Exception {
        ShareLink.Node n = ShareLink.parse("trojan://secret%40pw@203.0.113.5:443?security=tls&sni=trojan.example.com"
                + "&type=ws&host=cdn.example.com&path=%2Fws&allowInsecure=1&alpn=h2,http/1.1#Trojan%20WS");
        assertEquals("trojan", n.type());
        assertEquals("Trojan WS", n.name());
        assertEquals("secret@pw", n.options().get("password"));
        assertEquals("trojan.example.com", n.options().get("sni"));
        assertEquals(true, n.options().get("skip-cert-verify"));
        assertEquals("ws", n.options().get("network"));
        assertEquals(Map.of("path", "/ws", "headers", Map.of("Host", "cdn.example.com")), n.options().get("ws-opts"));
        assertEquals(List.of("h2", "http/1.1"), n.options().get("alpn"));
    }

    @Test
    void allowInsecureTurnsCertificateChecksOffForTrojanLinksAloneAsMihomosConverter() throws Exception {
        String vmessJson = "{\"v\":\"2\",\"ps\":\"self\",\"add\":\"192.0.2.2\",\"port\":\"10003\",\"id\":"
                + "\"b831381d-6324-4d53-ad4f-8cda48b30811\",\"aid\":\"0\",\"net\":\"tcp\",\"tls\":\"tls\","
                + "\"sni\":\"self.test\",\"allowInsecure\":true,\"skip-cert-verify\":true}";
        assertEquals(null, ShareLink.parse("vmess://" + b64(vmessJson)).options().get("skip-cert-verify"),
                "mihomo sets skip-cert-verify false for every v2rayN link");
        String vless = "vless://b831381d-6324-4d53-ad4f-8cda48b30811@192.0.2.2:443?security=tls&sni=other.test"
                + "&type=ws&host=web.test";
        for (String insecure : List.of("&allowInsecure=1", "&allowInsecure=true", "&insecure=1")) {
            assertEquals(null, ShareLink.parse(vless + insecure + "#v").options().get("skip-cert-verify"), insecure);
        }
        String trojan = "trojan://pw@192.0.2.2:443?sni=srv.test";
        for (String yes : List.of("1", "true", "True", "TRUE", "t", "T")) {
            assertEquals(true, ShareLink.parse(trojan + "&allowInsecure=" + yes + "#t").options().get("skip-cert-verify"), yes);
        }
        for (String no : List.of("&allowInsecure=0", "&allowInsecure=yes", "&insecure=1", "")) {
            assertEquals(null, ShareLink.parse(trojan + no + "#t").options().get("skip-cert-verify"), no);
        }
    }

    @Test
    void vmessV2rayNJson() throws Exception {
        String json = "{\"v\":\"2\",\"ps\":\"JP 02\",\"add\":\"203.0.113.9\",\"port\":\"443\",\"id\":"
                + "\"b831381d-6324-4d53-ad4f-8cda48b30811\",\"aid\":\"0\",\"scy\":\"auto\",\"net\":\"ws\","
                + "\"type\":\"none\",\"host\":\"v.example.com\",\"path\":\"/vm\",\"tls\":\"tls\",\"sni\":\"v.example.com\"}";
        ShareLink.Node n = ShareLink.parse("vmess://" + b64(json));
        assertEquals("vmess", n.type());
        assertEquals("JP 02", n.name());
        assertEquals("203.0.113.9", n.options().get("server"));
        assertEquals(443, n.options().get("port"));
        assertEquals("b831381d-6324-4d53-ad4f-8cda48b30811", n.options().get("uuid"));
        assertEquals(0, n.options().get("alterId"));
        assertEquals("auto", n.options().get("cipher"));
        assertEquals(true, n.options().get("tls"));
        assertEquals("v.example.com", n.options().get("servername"));
        assertEquals("ws", n.options().get("network"));
        assertEquals(Map.of("path", "/vm", "headers", Map.of("Host", "v.example.com")), n.options().get("ws-opts"));
    }

    @Test
    void tcpWithTheHttpHeaderTypeIsTheHttpDisguiseInVmessJsonAndVlessLinks() throws Exception {
        String json = "{\"v\":\"2\",\"ps\":\"obfs\",\"add\":\"203.0.113.9\",\"port\":80,\"id\":"
                + "\"b831381d-6324-4d53-ad4f-8cda48b30811\",\"aid\":0,\"net\":\"tcp\",\"type\":\"http\","
                + "\"host\":\"cdn.example.com\",\"path\":\"/video\"}";
        ShareLink.Node vmess = ShareLink.parse("vmess://" + b64(json));
        assertEquals("http", vmess.options().get("network"));
        assertEquals(Map.of("path", List.of("/video"), "headers", Map.of("Host", List.of("cdn.example.com"))),
                vmess.options().get("http-opts"));
        String plainJson = json.replace("\"type\":\"http\"", "\"type\":\"none\"");
        assertEquals(null, ShareLink.parse("vmess://" + b64(plainJson)).options().get("network"), "tcp without the header");

        ShareLink.Node vless = ShareLink.parse("vless://b831381d-6324-4d53-ad4f-8cda48b30811@203.0.113.10:80"
                + "?encryption=none&type=tcp&headerType=http&host=cdn.example.com&method=POST#obfs");
        assertEquals("http", vless.options().get("network"));
        assertEquals(Map.of("path", List.of("/"), "method", "POST", "headers", Map.of("Host", List.of("cdn.example.com"))),
                vless.options().get("http-opts"));
        ShareLink.Node h2 = ShareLink.parse("vless://b831381d-6324-4d53-ad4f-8cda48b30811@203.0.113.10:443"
                + "?security=tls&type=http&path=/h#h2");
        assertEquals("h2", h2.options().get("network"), "type=http alone is V2Ray's HTTP/2 transport, as in mihomo");
    }

    @Test
    void vlessRealityWithFlow() throws Exception {
        ShareLink.Node n = ShareLink.parse("vless://b831381d-6324-4d53-ad4f-8cda48b30811@203.0.113.10:443?encryption=none"
                + "&security=reality&sni=www.example.com&fp=chrome&pbk=Z84J2IelR9ch3k8VtlVhhs5ycBUlXA7wHBWcBrjqnAw"
                + "&sid=6ba85179e30d4fc2&type=tcp&flow=xtls-rprx-vision#VLESS%20Reality");
        assertEquals("vless", n.type());
        assertEquals("VLESS Reality", n.name());
        assertEquals("b831381d-6324-4d53-ad4f-8cda48b30811", n.options().get("uuid"));
        assertEquals(true, n.options().get("tls"));
        assertEquals("www.example.com", n.options().get("servername"));
        assertEquals("xtls-rprx-vision", n.options().get("flow"));
        assertEquals("chrome", n.options().get("client-fingerprint"));
        assertEquals(Map.of("public-key", "Z84J2IelR9ch3k8VtlVhhs5ycBUlXA7wHBWcBrjqnAw", "short-id", "6ba85179e30d4fc2"),
                n.options().get("reality-opts"));
    }

    @Test
    void unknownSchemesAndMalformedLinksAreUnreadable() {
        ShareLink.Unreadable ssr = assertThrows(ShareLink.Unreadable.class,
                () -> ShareLink.parse("ssr://MTI3LjAuMC4xOjEyMzQ6YXV0aF9hZXMxMjhfbWQ1OmFlcy0xMjgtY2ZiOnRsczEuMl90aWNrZXRfYXV0aDpZV0ZoWW1KaS8"));
        assertEquals("ssr", ssr.scheme());
        assertThrows(ShareLink.Unreadable.class, () -> ShareLink.parse("hysteria2://pw@192.0.2.9:443#h2"));
        assertThrows(ShareLink.Unreadable.class, () -> ShareLink.parse("vmess://not-base64-json!"));
        assertThrows(ShareLink.Unreadable.class, () -> ShareLink.parse("trojan://pw@no-port.example.com#x"));
    }

    @Test
    void charactersGoTakesInALinkAreReadAsWritten() throws Exception {
        // Seen in public lists: a raw space in the name, spaces and '|' in a ws path; Go's url.Parse takes them.
        ShareLink.Node t = ShareLink.parse("trojan://pw@192.0.2.13:443?security=tls&sni=example.com&type=ws"
                + "&path=%2Fws#server  1");
        assertEquals("server  1", t.name());
        ShareLink.Node v = ShareLink.parse("vless://b0dd64e3-9c27-418c-a1af-c10a2c18d855@192.0.2.14:443?security=tls"
                + "&type=ws&path=/Telegram @Share|2 /?ed=2560&host=cdn.example.com#VL | 1");
        assertEquals("VL | 1", v.name());
        assertEquals(Map.of("path", "/Telegram @Share|2 /?ed=2560", "headers", Map.of("Host", "cdn.example.com")),
                v.options().get("ws-opts"), "inside the query a '?' is the path parameter's, as Go's Query() reads it");
        ShareLink.Node s = ShareLink.parse("ss://YWVzLTI1Ni1nY206cGFzc3dvcmQ@192.0.2.1:8388#100% up");
        assertEquals("100% up", s.name());
    }

    @Test
    void aMalformedLinkIsNotQuotedInItsReason() {
        ShareLink.Unreadable e = assertThrows(ShareLink.Unreadable.class,
                () -> ShareLink.parse("vless://b0dd64e3-9c27-418c-a1af-c10a2c18d855@[192.0.2.14:443?x#n"));
        assertTrue(e.getMessage().startsWith("malformed vless:// link: "), e.getMessage());
        assertTrue(!e.getMessage().contains("b0dd64e3"), "the uuid is a credential: " + e.getMessage());
    }

    @Test
    void aNetworkNoPluginSpeaksIsNamedSoTheNodeIsLeftOutNotSpokenAsTcp() throws Exception {
        for (String network : List.of("xhttp", "kcp")) {
            ShareLink.Node n = ShareLink.parse("vless://b0dd64e3-9c27-418c-a1af-c10a2c18d855@192.0.2.14:443?"
                    + "security=tls&type=" + network + "#x");
            assertEquals(network, n.options().get("network"));
        }
        assertEquals(null, ShareLink.parse("trojan://pw@192.0.2.13:443?type=tcp#t").options().get("network"));
        String vless = "vless://b0dd64e3-9c27-418c-a1af-c10a2c18d855@192.0.2.14:443?security=tls&encryption=";
        assertEquals("mlkem768x25519plus.native.0rtt.k", ShareLink.parse(vless + "mlkem768x25519plus.native.0rtt.k#e")
                .options().get("encryption"), "VLESS encryption: the plugin leaves it out, never sent without");
        assertEquals(null, ShareLink.parse(vless + "none#n").options().get("encryption"));
    }

    @Test
    void anSsLinkWithNoAtSignIsUnreadableNotACrash() {
        // A '#' inside the base64 cuts the link there; what is left decodes to "aes-256-", with no '@' in it.
        ShareLink.Unreadable e = assertThrows(ShareLink.Unreadable.class,
                () -> ShareLink.parse("ss://YWVzLTI1Ni1#nY206cGFzc3dvcmQ@192.0.2.10:8388#one"));
        assertEquals("ss:// link has no method:password@host:port", e.getMessage());
    }

    /** A subscription is anyone's text: every link cut short, with a character gone or one added, parses or is unreadable. */
    @Test
    void everyLinkCutOrManglesIsReadOrUnreadableAndNothingElse() {
        List<String> links = List.of(
                "ss://YWVzLTI1Ni1nY206cGFzc3dvcmQ@192.0.2.1:8388/?plugin=obfs-local%3Bobfs%3Dhttp%3Bobfs-host%3Dexample.com#SS",
                "ss://" + b64("chacha20-ietf-poly1305:p@ss:w0rd@198.51.100.7:8443") + "#HK%2001",
                "ss://2022-blake3-aes-128-gcm:YctPZ6U7xPPcU%2Bgp3u%2BOBQ%3D%3D@192.0.2.2:443#2022",
                "socks://" + b64("user:pass") + "@192.0.2.3:1080#office",
                "https://user:pass@192.0.2.4:443#h",
                "trojan://password@192.0.2.13:443?sni=example.com&type=ws&path=%2Fws#trojan%20ws",
                "vless://b0dd64e3-9c27-418c-a1af-c10a2c18d855@192.0.2.14:443?encryption=none&security=reality"
                        + "&sni=example.com&fp=chrome&pbk=Z84J2IelR9ch3k8VtlVhhs5ycBUlXA7wHBWcBrjqnAw&sid=6b"
                        + "&type=grpc&serviceName=g&flow=xtls-rprx-vision#v",
                "vmess://" + b64("{\"v\":\"2\",\"ps\":\"one\",\"add\":\"192.0.2.12\",\"port\":\"443\","
                        + "\"id\":\"b0dd64e3-9c27-418c-a1af-c10a2c18d855\",\"aid\":\"0\",\"net\":\"ws\","
                        + "\"type\":\"none\",\"host\":\"example.com\",\"path\":\"/ws\",\"tls\":\"tls\"}"));
        String junk = "@#:/?%&=[]\"{}";
        int tried = 0;
        for (String link : links) {
            for (int i = 0; i <= link.length(); i++) {
                List<String> variants = new java.util.ArrayList<>(List.of(link.substring(0, i)));
                if (i < link.length()) {
                    variants.add(link.substring(0, i) + link.substring(i + 1));
                }
                for (char c : junk.toCharArray()) {
                    variants.add(link.substring(0, i) + c + link.substring(i));
                }
                for (String v : variants) {
                    tried++;
                    try {
                        ShareLink.parse(v);
                    } catch (ShareLink.Unreadable fine) {
                        // what a line no reader can take must be
                    } catch (RuntimeException e) {
                        throw new AssertionError(v + " threw " + e, e);
                    }
                }
            }
        }
        assertEquals(true, tried > 10_000, tried + " variants");
    }
}
