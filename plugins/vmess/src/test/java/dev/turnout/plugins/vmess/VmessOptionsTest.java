package dev.turnout.plugins.vmess;

import static dev.turnout.api.testing.TestOptions.WARNINGS_IGNORED;
import static dev.turnout.api.testing.TestOptions.assertNotImplemented;
import static dev.turnout.api.testing.TestOptions.assertRejects;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.turnout.api.OptionException;
import dev.turnout.api.testing.TestOptions;
import java.util.List;
import java.util.ArrayList;
import java.util.Map;
import org.junit.jupiter.api.Test;

class VmessOptionsTest {

    private static final String UUID = "b831381d-6324-4d53-ad4f-8cda48b30811";

    private static VmessOptions parse(Object... keyValues) throws OptionException {
        Object[] all = new Object[keyValues.length + 6];
        all[0] = "server";
        all[1] = "192.0.2.1";
        all[2] = "port";
        all[3] = 443;
        all[4] = "uuid";
        all[5] = UUID;
        System.arraycopy(keyValues, 0, all, 6, keyValues.length);
        return VmessOptions.from(TestOptions.of("vmess", all), WARNINGS_IGNORED);
    }

    @Test
    void clashsKeysAreRead() throws Exception {
        VmessOptions o = parse("cipher", "chacha20-poly1305", "udp", true, "network", "ws",
                "ws-opts", Map.of("path", "/v"), "tls", true, "servername", "v.example");
        assertEquals(VmessSecurity.CHACHA20_POLY1305, o.security());
        assertTrue(o.udp());
        assertTrue(o.globalPadding());
        assertEquals("/v", o.transport().webSocket().path());
        assertEquals("v.example", o.transport().tls().serverName());
    }

    @Test
    void anAlterIdAboveZeroIsTakenAndTheAeadHeaderSent() throws Exception {
        // The header is the same whatever the alterId: the command key of the uuid, nothing derived from the alterId.
        assertArrayEquals(parse().cmdKey(), parse("alterId", 64).cmdKey());
        assertArrayEquals(parse().cmdKey(), parse("alter-id", 2).cmdKey());
        List<String> said = new ArrayList<>();
        VmessOptions.from(TestOptions.of("vmess", "server", "192.0.2.1", "port", 443, "uuid", UUID, "alterId", 64),
                (key, message) -> said.add(key + ": " + message));
        assertEquals(1, said.size(), said::toString);
        assertTrue(said.get(0).startsWith("alterId: 'alterId: 64' asks for VMess's legacy MD5 header; Turnout sends the"
                + " AEAD header"), said::toString);
        VmessOptions.from(TestOptions.of("vmess", "server", "192.0.2.1", "port", 443, "uuid", UUID, "alterId", 0),
                (key, message) -> said.add(key + ": " + message));
        assertEquals(1, said.size(), "alterId 0 is the AEAD header: nothing to say");
    }

    @Test
    void defaultsArePlainTcpAutoCipherWithoutUdp() throws Exception {
        VmessOptions o = parse();
        assertNull(o.transport().tls());
        assertNull(o.transport().webSocket());
        assertFalse(o.udp());
        assertNotNull(o.security());
    }

    @Test
    void autoIsAesGcmWhereTheCpuHasAesInstructionsAndChachaElsewhere() throws Exception {
        assertEquals(VmessSecurity.AES_128_GCM, VmessSecurity.from("auto", "amd64"));
        assertEquals(VmessSecurity.CHACHA20_POLY1305, VmessSecurity.from("auto", "arm"));
    }

    @Test
    void unsupportedChoicesAreRefusedByKey() {
        assertRejects(() -> parse("alterId", -1), "alterId", "0 or more");
        assertNotImplemented(() -> parse("network", "kcp"), "network", "not implemented");
        assertRejects(() -> parse("cipher", "aes-256-cfb"), "cipher", "must be");
        assertRejects(() -> parse("uuid", " "), "uuid", "empty");
        assertNotImplemented(() -> parse("cipher", "zero"), "cipher", "not implemented");
        assertNotImplemented(() -> parse("authenticated-length", true), "authenticated-length", "not implemented");
        assertRejects(() -> parse("cipher", "none", "global-padding", true), "global-padding", "AEAD");
    }

    @Test
    void textThatIsNotAUuidIsXraysCustomIdAndKeysTheHeaderAsItsNameBasedUuid() throws Exception {
        // 98b060c5-... is Python's uuid.uuid5(UUID(int=0), "turnout-user").
        assertTrue(java.util.Arrays.equals(parse("uuid", "98b060c5-c92a-5d58-b004-dab035528def").cmdKey(),
                parse("uuid", "turnout-user").cmdKey()));
        assertFalse(java.util.Arrays.equals(parse().cmdKey(), parse("uuid", "turnout-user").cmdKey()));
    }

    @Test
    void anEntryAskingForAPacketEncodingIsTakenWithPlainUdp() throws Exception {
        // Subscriptions write xudp for Xray's servers, which take plain VMess UDP too: the node is kept.
        assertTrue(parse("packet-encoding", "xudp", "udp", true).udp());
        assertTrue(parse("xudp", true, "udp", true).udp());
        assertTrue(parse("packet-addr", true, "udp", true).udp());
    }
}
