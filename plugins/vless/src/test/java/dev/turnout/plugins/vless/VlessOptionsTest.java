package dev.turnout.plugins.vless;

import static dev.turnout.api.testing.TestOptions.WARNINGS_IGNORED;
import static dev.turnout.api.testing.TestOptions.assertNotImplemented;
import static dev.turnout.api.testing.TestOptions.assertRejects;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.turnout.api.OptionException;
import dev.turnout.api.testing.TestOptions;
import java.util.Map;
import org.junit.jupiter.api.Test;

class VlessOptionsTest {

    private static VlessOptions parse(Object... keyValues) throws OptionException {
        Object[] all = new Object[keyValues.length + 6];
        all[0] = "server";
        all[1] = "vless.example";
        all[2] = "port";
        all[3] = 443;
        all[4] = "uuid";
        all[5] = "b831381d-6324-4d53-ad4f-8cda48b30811";
        System.arraycopy(keyValues, 0, all, 6, keyValues.length);
        return VlessOptions.from(TestOptions.of("vless", all), WARNINGS_IGNORED);
    }

    @Test
    void tlsTakesTheServersNameUnlessServernameIsGiven() throws Exception {
        assertEquals("vless.example", parse("tls", true).transport().tls().serverName());
        assertEquals("other.example", parse("tls", true, "servername", "other.example").transport().tls().serverName());
        assertNull(parse().transport().tls());
        assertEquals("/p", parse("network", "ws", "ws-opts", Map.of("path", "/p")).transport().webSocket().path());
    }

    @Test
    void flowAndOtherUnsupportedKeysAreRefusedByKey() {
        assertNotImplemented(() -> parse("flow", "xtls-rprx-vision"), "flow", "not implemented");
        assertNotImplemented(() -> parse("network", "quic"), "network", "not implemented");
        assertRejects(() -> parse("uuid", ""), "uuid", "uuid");
    }

    @Test
    void vlessEncryptionOtherThanNoneIsLeftOutNotRefused() throws Exception {
        // mihomo's mlkem768x25519plus: its node is left out with a warning and the config goes on.
        assertNotImplemented(() -> parse("encryption", "mlkem768x25519plus.native.0rtt.AbCdEf0123"), "encryption",
                "'encryption: mlkem768x25519plus...' (VLESS encryption) is not implemented by the vless plugin");
        assertNotImplemented(() -> parse("encryption", "aes"), "encryption", "'encryption: aes'");
        assertEquals(443, parse("encryption", "none").server().port());
        assertEquals(443, parse("encryption", "").server().port());
    }

    @Test
    void anEntryAskingForAPacketEncodingIsTakenWithPlainUdp() throws Exception {
        // Subscriptions write xudp for Xray's servers, which take plain VLESS UDP too: the node is kept.
        assertTrue(parse("packet-encoding", "xudp", "udp", true).udp());
        assertTrue(parse("xudp", true, "udp", true).udp());
        assertTrue(parse("packet-addr", true, "udp", true).udp());
    }
}
