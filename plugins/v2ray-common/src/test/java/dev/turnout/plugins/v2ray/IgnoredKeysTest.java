package dev.turnout.plugins.v2ray;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.turnout.api.testing.TestOptions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Keys subscriptions carry that do nothing here: each is named in a warning, the entry is still taken. */
class IgnoredKeysTest {

    /** What {@link IgnoredKeys} says, each as "key: message". */
    private static List<String> warnings(Object... keyValues) {
        List<String> said = new ArrayList<>();
        IgnoredKeys.warn(TestOptions.of("vless", keyValues), (key, message) -> said.add(key + ": " + message));
        return said;
    }

    private static List<String> packetEncodingWarnings(boolean udp, Object... keyValues) throws Exception {
        Object[] withUdp = Arrays.copyOf(keyValues, keyValues.length + 2);
        withUdp[keyValues.length] = "udp";
        withUdp[keyValues.length + 1] = udp;
        List<String> said = new ArrayList<>();
        IgnoredKeys.warnPacketEncoding(TestOptions.of("vmess", withUdp), "VMess",
                (key, message) -> said.add(key + ": " + message));
        return said;
    }

    @Test
    void eachUnsupportedKeyIsNamedOnce() {
        assertEquals(List.of(
                "client-fingerprint: 'client-fingerprint' is not supported by the vless plugin and has no effect",
                "tfo: 'tfo' is not supported by the vless plugin and has no effect",
                "mptcp: 'mptcp' is not supported by the vless plugin and has no effect",
                "smux: 'smux' is not supported by the vless plugin and has no effect"),
                warnings("client-fingerprint", "chrome", "tfo", true, "mptcp", true, "smux", java.util.Map.of(),
                        "ip-version", "ipv4", "udp", true), "ip-version is the host's: it applies it");
    }

    @Test
    void anEntryWithoutThemWarnsOfNothing() {
        assertEquals(List.of(), warnings("udp", true, "network", "ws"));
    }

    @Test
    void aPacketEncodingIsNamedWithWhatUdpDoesInsteadAndOnlyWhenTheEntryCarriesUdp() throws Exception {
        String plain = ": UDP goes as plain VMess UDP instead, one stream per destination";
        assertEquals(List.of("packet-encoding: packet encoding 'xudp' is not implemented by the vmess plugin" + plain),
                packetEncodingWarnings(true, "packet-encoding", "xudp"));
        assertEquals(List.of("xudp: packet encoding 'xudp' is not implemented by the vmess plugin" + plain),
                packetEncodingWarnings(true, "xudp", true));
        assertEquals(List.of("packet-addr: packet encoding 'packetaddr' is not implemented by the vmess plugin" + plain),
                packetEncodingWarnings(true, "packet-addr", true));
        assertEquals(List.of(), packetEncodingWarnings(false, "packet-encoding", "xudp"), "no UDP, nothing changes");
        assertEquals(List.of(), packetEncodingWarnings(true, "xudp", false));
    }
}
